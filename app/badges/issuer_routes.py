"""The organisation admin's "Badge issuer profile" page (reached through their launch), the issuer's uploaded logo
at its public URL, and the HTML page the issuer's id URL shows to people (app/badges/routes.py answers machines).
The rules are app.badges.issuer_settings'; these views are thin."""
from functools import wraps
from types import SimpleNamespace

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.badges import issuer_settings
from app.badges.issuers import IssuerProfile, issuer_by_public_id, issuer_for, issuer_profile, logo_version
from app.badges.keys import external_url, kid_url
from app.errors import NotFound
from app.http_limits import accepts_upload
from app.lti.session import organisation_admin_launch, public_endpoint
from app.rate_limits import rate_limits
from app.tenancy.services import country_choices

bp = Blueprint("badge_issuer", __name__)

# Larger than the logo's own limit, so a photo of a few MB gets the page that says "at most 1 MB", not a bare 413.
UPLOAD_LIMIT = 5 * 1024 * 1024
FOR_GOOD = "public, max-age=31536000, immutable"  # a logo's URL names its version: a new logo is a new URL


# --- the organisation admin, inside the LMS ---------------------------------------------------------------------


@bp.get("/organisation/issuer")
def settings():
    """The organisation's badge issuer profile: the form, the logo and a preview of what verifiers see."""
    launch = organisation_admin_launch()
    return _settings_page(launch.organisation_id, issuer_settings.profile_values(launch.organisation_id))


@bp.post("/organisation/issuer")
def save():
    """Save the profile's fields; a wrong one shows the form again with everything typed and what to fix."""
    launch = organisation_admin_launch()
    values = {name: request.form.get(name, "") for name in issuer_settings.FIELDS}
    try:
        changed = issuer_settings.save_profile(launch.organisation_id, values)
    except issuer_settings.ProfileRefused as refused:
        return _settings_page(launch.organisation_id, values, errors=refused.errors, status=400)
    flash(_("Your badge issuer profile is saved; badges show it from now on.") if changed
          else _("Your badge issuer profile is saved (nothing in it changed)."), "success")
    return redirect(url_for("badge_issuer.settings"), 303)


@bp.post("/organisation/issuer/logo")
@accepts_upload(UPLOAD_LIMIT)
def upload_logo():
    """Take a new logo (PNG or JPEG, at most 1 MB), re-encoded; a refused one leaves the current logo in place."""
    launch = organisation_admin_launch()
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        return _settings_page(launch.organisation_id, issuer_settings.profile_values(launch.organisation_id),
                              logo_error=_("Choose a PNG or JPEG file for your logo, then upload it."), status=400)
    try:
        issuer_settings.store_logo(launch.organisation_id, upload.read(issuer_settings.MAX_LOGO_BYTES + 1),
                                   upload.filename)
    except issuer_settings.LogoRefused as refused:
        return _settings_page(launch.organisation_id, issuer_settings.profile_values(launch.organisation_id),
                              logo_error=f"{refused.message} {refused.hint}", status=400)
    flash(_("Your logo is saved; badges show it from now on."), "success")
    return redirect(url_for("badge_issuer.settings", _anchor="logo-title"), 303)


@bp.post("/organisation/issuer/logo/remove")
def remove_logo():
    launch = organisation_admin_launch()
    issuer_settings.remove_logo(launch.organisation_id)
    flash(_("Your logo is removed; badges show none from now on."), "success")
    return redirect(url_for("badge_issuer.settings", _anchor="logo-title"), 303)


def _settings_page(organisation_id: int, values: dict[str, str], *, errors: dict[str, str] | None = None,
                   logo_error: str | None = None, status: int = 200):
    issuer = issuer_for(organisation_id)
    saved = issuer_profile(issuer)
    # What a blank field falls back to (the installation's defaults), for the hints and the live preview.
    defaults = issuer_profile(SimpleNamespace(
        organisation_id=organisation_id, public_id=issuer.public_id, name=None, url=None, email=None,
        description=None, image_url=issuer.image_url, logo_sha256=issuer.logo_sha256))
    countries = country_choices()
    return render_template(
        "badges/issuer_settings.html", values=values, errors=errors or {}, logo_error=logo_error, saved=saved,
        defaults=defaults, countries=countries, country_names=dict(countries), has_logo=bool(issuer.logo_sha256),
        public_page=external_url("badges.issuer_profile", issuer_id=issuer.public_id),
        max_description=issuer_settings.MAX_DESCRIPTION, title=_("Badge issuer profile"),
    ), status


# --- public: the logo, and the issuer's page for people ---------------------------------------------------------


@bp.get("/badges/issuers/<issuer_id>/logo/<version>.png")
@public_endpoint
@rate_limits.limit("BADGE_RATE_LIMIT", lambda: _("Too many requests from your network; wait a minute and try again."))
def logo(issuer_id, version):
    """The issuer's uploaded logo (a PNG re-encoded on upload); 404 for any version but the current one."""
    issuer = issuer_by_public_id(issuer_id)
    if issuer is None or not issuer.logo_sha256 or version != logo_version(issuer.logo_sha256):
        raise NotFound(_("There is no such logo of a badge issuer."))
    response = Response(issuer.logo, mimetype="image/png")
    response.headers["Cache-Control"] = FOR_GOOD
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and backpacks show it on their own pages
    return response


def wants_issuer_page() -> bool:
    """The issuer's id URL was opened by a person: their browser prefers HTML to JSON-LD (programs that send no
    Accept, */* or a JSON type get the JSON-LD; ?format=jsonld asks for it from a browser)."""
    if request.args.get("format") == "jsonld":
        return False
    return request.accept_mimetypes.best_match(["application/ld+json", "application/json", "text/html"]) == "text/html"


def varies_by_accept(view):
    """The answer depends on the Accept header: caches must keep the page and the JSON-LD apart."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        response = current_app.make_response(view(*args, **kwargs))
        response.vary.add("Accept")
        return response

    return wrapped


def issuer_page(issuer: IssuerProfile, keys: list) -> Response:
    """The issuer's public page: who they are, how to reach them, and the keys their badges are signed with."""
    from flask_babel import get_locale

    country = get_locale().territories.get(issuer.country, issuer.country) if issuer.country else None
    own_url = external_url("badges.issuer_profile", issuer_id=issuer.public_id)
    return current_app.make_response(render_template(
        "badges/issuer.html", issuer=issuer, country=country, keys=[kid_url(key) for key in keys],
        own_url=own_url, json_url=own_url + "?format=jsonld", title=issuer.name))

