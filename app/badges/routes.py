"""Badge pages and documents: the public credential URLs verifiers and backpacks fetch, the award page, and
the learner's "My badges" inside the LMS."""
import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from app.badges import earners, ob2, ob3, portfolio
from app.badges.catalogue import badge_catalogue, facts_of
from app.badges.credentials import (
    award_by_public_id,
    badge_for,
    badge_png,
    baked_image,
    issuer_of,
    ob2_assertion,
    signed_credential,
    signed_json,
    status_list_jwt,
    verify_award,
)
from app.badges.issuer_routes import issuer_page, varies_by_accept, wants_issuer_page
from app.badges.issuers import issuer_by_public_id, issuer_for, issuer_profile
from app.badges.keys import JWS_ALGORITHMS, external_url, key_by_thumbprint, kid_url, published_keys
from app.badges.models import BadgeKey
from app.badges.revocation import mark_revocations_seen
from app.clock import current_clock
from app.errors import AppError, NotFound, answers_json
from app.extensions import db
from app.learning.content import path_model
from app.lti.session import current_launch, launch_required, public_endpoint
from app.rate_limits import rate_limits

bp = Blueprint("badges", __name__, url_prefix="/badges")
# Every badge URL, public verification documents first, counted per client address (BADGE_RATE_LIMIT).
rate_limits.limit_blueprint(bp, "BADGE_RATE_LIMIT",
                            lambda: _("Too many requests from your network; wait a minute and try again."))

JSON_LD = "application/ld+json"


def _document(document: dict, status: int = 200, mimetype: str = "application/json") -> Response:
    response = Response(json.dumps(document, indent=2, ensure_ascii=False), status=status, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and backpacks fetch from their own pages
    return response


def _issuer_or_404(issuer_id: str):
    issuer = issuer_by_public_id(issuer_id)
    if issuer is None:
        raise NotFound(_("There is no badge issuer at this address."))
    return issuer


# --- Open Badges 2.0 (hosted) --------------------------------------------------------------------------------


@bp.get("/ob2/assertions/<award_id>", endpoint="ob2_assertion")
@public_endpoint
@answers_json
def ob2_assertion_document(award_id):
    """The hosted OB 2.0 Assertion; a revoked one answers 410 with its reason (OB 2.0 hosted revocation)."""
    award = award_by_public_id(award_id)
    if award.is_revoked:
        return _document(ob2.revoked_assertion(award), status=410)
    assertion = ob2_assertion(award)
    if assertion is None:
        raise NotFound(_("This badge has no Open Badges 2.0 version: its earner has not given an email address."))
    return _document(assertion)


@bp.get("/ob2/issuers/<issuer_id>")
@public_endpoint
@answers_json
def ob2_issuer(issuer_id):
    return _document(ob2.issuer_document(issuer_profile(_issuer_or_404(issuer_id))))


@bp.get("/ob2/issuers/<issuer_id>/badges/<badge_id>")
@public_endpoint
@answers_json
def ob2_badge_class(issuer_id, badge_id):
    badge = _badge_or_404(badge_id)
    return _document(ob2.badge_class(badge, issuer_profile(_issuer_or_404(issuer_id)), path_model(), facts_of(badge)))


@bp.get("/ob2/issuers/<issuer_id>/revocations")
@public_endpoint
@answers_json
def ob2_revocations(issuer_id):
    from sqlalchemy import select

    from app.badges.models import BadgeAward

    issuer = _issuer_or_404(issuer_id)
    revoked = list(db.session.scalars(select(BadgeAward).where(
        BadgeAward.organisation_id == issuer.organisation_id, BadgeAward.revoked_at.is_not(None))))
    return _document(ob2.revocation_list(issuer_profile(issuer), revoked))


# --- Open Badges 3.0 ------------------------------------------------------------------------------------------


@bp.get("/credentials/<award_id>")
@public_endpoint
@answers_json
def credential(award_id):
    """The award's OpenBadgeCredential as JSON with its embedded eddsa-rdfc-2022 proof (its VC-JWT is at .jwt)."""
    award = award_by_public_id(award_id)
    if request.args.get("download"):
        _refuse_download_if_revoked(award)
    response = _document(signed_json(award), mimetype="application/json")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{award.badge_id}-credential.json"'
    return response


@bp.get("/credentials/<award_id>.jwt")
@public_endpoint
@answers_json
def credential_jwt(award_id):
    award = award_by_public_id(award_id)
    if request.args.get("download"):
        _refuse_download_if_revoked(award)
    _document_, token = signed_credential(award)
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{award.badge_id}-credential.jwt"'
    return response


@bp.get("/issuers/<issuer_id>", endpoint="issuer_profile")
@public_endpoint
@answers_json
@varies_by_accept
def issuer_profile_document(issuer_id):
    """The OB 3.0 issuer Profile with its public signing keys (also at /jwks, and each at its kid URL); a browser
    gets the issuer's page instead (issuer_routes.issuer_page)."""
    issuer_row = _issuer_or_404(issuer_id)
    issuer = issuer_profile(issuer_row)
    if wants_issuer_page():
        return issuer_page(issuer, published_keys(issuer_row.organisation_id))
    return _document(ob3.published_profile(issuer, published_keys(issuer_row.organisation_id)), mimetype=JSON_LD)


@bp.get("/issuers/<issuer_id>/did.json")
@public_endpoint
@answers_json
def issuer_did(issuer_id):
    """The issuer's did:web document (did:web:<host>:badges:issuers:<id> resolves here)."""
    issuer_row = _issuer_or_404(issuer_id)
    return _document(ob3.did_document(issuer_profile(issuer_row), published_keys(issuer_row.organisation_id)),
                     mimetype="application/did+json")


@bp.get("/issuers/<issuer_id>/jwks")
@public_endpoint
@answers_json
def issuer_keys(issuer_id):
    issuer = _issuer_or_404(issuer_id)
    return _document({"keys": [{**key.public_jwk, "kid": kid_url(key), "alg": JWS_ALGORITHMS[key.algorithm],
                                "use": "sig"} for key in published_keys(issuer.organisation_id)]})


@bp.get("/achievements/<issuer_id>/<badge_id>")
@public_endpoint
@answers_json
def achievement(issuer_id, badge_id):
    badge = _badge_or_404(badge_id)
    document = ob3.achievement(badge, issuer_profile(_issuer_or_404(issuer_id)), path_model(), facts_of(badge))
    return _document({"@context": ob3.CONTEXTS, **document}, mimetype=JSON_LD)


@bp.get("/status/<issuer_id>/<thumbprint>/<int:number>")
@public_endpoint
@answers_json
def status_list(issuer_id, thumbprint, number):
    """The issuer's Bitstring Status List credential as one of its keys signs it, as it is now (a revocation shows
    at once in every key's copy)."""
    issuer = _issuer_or_404(issuer_id)
    key = key_by_thumbprint(thumbprint)
    if key is None or key.organisation_id != issuer.organisation_id:
        raise NotFound(_("This issuer has no status list signed by that key."))
    return _status_list_response(status_list_jwt(issuer_profile(issuer), issuer.organisation_id, key, number,
                                                 now=current_clock().now()))


@bp.get("/status/<issuer_id>/<int:number>", endpoint="legacy_status_list")
@public_endpoint
@answers_json
def legacy_status_list(issuer_id, number):
    """The status list that credentials signed before keys were per organisation name (signed by that key)."""
    issuer = _issuer_or_404(issuer_id)
    return _status_list_response(status_list_jwt(issuer_profile(issuer), issuer.organisation_id, None, number,
                                                 now=current_clock().now()))


def _status_list_response(token: str) -> Response:
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/keys/<thumbprint>")
@public_endpoint
@answers_json
def public_key(thumbprint):
    """A badge key, for as long as any credential it signed is valid (for good): an RSA key as its bare public JWK
    (kty, n, e: what a VC-JWT's kid dereferences to), an Ed25519 key as the Multikey its embedded proofs name."""
    key = key_by_thumbprint(thumbprint)
    if key is None:
        raise NotFound(_("There is no badge signing key with this id."))
    if key.algorithm == BadgeKey.ED25519:
        controller = ob3.profile_url(issuer_profile(issuer_for(key.organisation_id)))
        return _document(ob3.verification_method(key, controller, with_context=True), mimetype=JSON_LD)
    return _document(key.public_jwk)


# --- images and the path targets badges align to ---------------------------------------------------------------


@bp.get("/images/<issuer_id>/<badge_id>.png")
@public_endpoint
def badge_image(issuer_id, badge_id):
    _issuer_or_404(issuer_id)
    response = Response(badge_png(_badge_or_404(badge_id)), mimetype="image/png")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/path/<kind>/<target_id>")
@public_endpoint
def path_target(kind, target_id):
    """What a badge's alignment points at: an area or a level of the path, described."""
    path = path_model()
    target = (
        (path.area(target_id) if kind == "areas" else path.level(target_id) if kind == "levels" else None)
        if path
        else None
    )
    if target is None:
        raise NotFound(_("The path has no such area or level."))
    return render_template("badges/path_target.html", target=target, kind=kind, title=target.title.localised(_locale()))


@bp.get("/awards/<award_id>/<kind>")
@public_endpoint
def download(award_id, kind):
    """The badge image with the award baked in: ob2.png, ob2.svg, ob3.png or ob3.svg; 410 once revoked."""
    award = award_by_public_id(award_id)
    _refuse_download_if_revoked(award)
    data = baked_image(award, kind)
    mimetype = "image/png" if kind.endswith(".png") else "image/svg+xml"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{award.badge_id}-{kind.replace(".", "-", 1)}"'
    return response


@bp.get("/awards/<award_id>")
@public_endpoint
def award_page(award_id):
    """The public verification page: issuer, criteria, evidence, skills, status and a live check (again with
    ?verify=1, "Verify now", which shows when it checked); none for a private award."""
    award = award_by_public_id(award_id)
    if award.is_private:
        raise NotFound(_("There is no badge award at this address."))
    badge = badge_for(award)
    checked_at = current_clock().now()
    verification = verify_award(award, now=checked_at)
    issuer = issuer_of(award)
    return render_template(
        "badges/award.html", award=award, badge=badge, issuer=issuer, verification=verification,
        facts=facts_of(badge), country=_country_name(issuer.country), reviews=_reviews(award, badge),
        earner_name=earners.shown_name(award), has_ob2=ob2_assertion(award) is not None,
        share=earners.share_links(award, badge, issuer, _locale()), title=badge.localised(_locale()),
        skills=earners.skills_of(badge, path_model()),
        verified_now=checked_at if request.args.get("verify") == "1" else None,
        urls={"page": external_url("badges.award_page", award_id=award.public_id),
              "issuer": external_url("badges.issuer_profile", issuer_id=issuer.public_id),
              "image": external_url("badges.badge_image", issuer_id=issuer.public_id, badge_id=badge.id)},
    )


@bp.get("/evidence/<award_id>", endpoint="evidence")
@public_endpoint
def evidence_page(award_id):
    """A demonstrated award's evidence: the reviewer's decision on each criterion and the submission's narrative,
    only where the earner agreed to a public page (and the award is public); 404 otherwise."""
    award = award_by_public_id(award_id)
    reviews = [review for review in ob2.reviewed_submissions(award) if review.get("public_page")]
    if award.is_private or not reviews:
        raise NotFound(_("There is no public evidence at this address."))
    badge = badge_for(award)
    response = current_app.make_response(render_template(
        "badges/evidence.html", award=award, badge=badge, reviews=_reviews(award, badge, public_only=True),
        title=_("Evidence for %(badge)s", badge=badge.localised(_locale()))))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _reviews(award, badge, *, public_only: bool = False) -> list[dict]:
    """The award's reviewed submissions with each criterion's text (in the page's language) and result."""
    locale = _locale()
    reviews = []
    for review in ob2.reviewed_submissions(award):
        if public_only and not review.get("public_page"):
            continue
        criteria = []
        for entry in review.get("criteria") or []:
            criterion = badge.brief.criterion(entry.get("id")) if badge.brief else None
            criteria.append({"text": criterion.text.localised(locale) if criterion else entry.get("id"),
                             "meets": entry.get("result") == ob3.MEETS, "comment": entry.get("comment")})
        reviews.append({"reviewed_at": (review.get("reviewed_at") or "")[:10], "criteria": criteria,
                        "narrative": review.get("narrative"), "reviewer_role": review.get("reviewer_role"),
                        "public": bool(review.get("public_page"))})
    return reviews


def _country_name(code: str | None) -> str | None:
    if not code:
        return None
    from babel import Locale

    try:
        return Locale.parse(_locale()).territories.get(code, code)
    except (ValueError, LookupError):
        return code


# --- the learner, inside the LMS --------------------------------------------------------------------------------


@bp.get("/mine")
@launch_required()
def mine():
    """My badges: earned ones with their links, revoked ones apart (which stops their notice), and the next ones
    within reach with what is missing."""
    launch = current_launch()
    summary = earners.my_badges(launch.organisation_id, launch.person_id, path_model(), now=current_clock().now(),
                                locale=_locale())
    if summary.revoked:
        mark_revocations_seen(launch.organisation_id, launch.person_id, now=current_clock().now())
    token = portfolio.share_token_of(launch.organisation_id, launch.person_id)
    share_url = external_url("badges.shared", token=token) if token else None
    return render_template("badges/mine.html", summary=summary, share_url=share_url, title=_("My badges"))


@bp.post("/mine/settings")
@launch_required()
def save_settings():
    """The earner's email for OB 2.0, whether award pages show their name, and their own DID (optional)."""
    launch = current_launch()
    earners.save_settings(launch.organisation_id, launch.person_id, email=request.form.get("email", ""),
                          show_name=request.form.get("show_name") == "yes", did=request.form.get("did", ""),
                          now=current_clock().now())
    flash(_("Your badge settings are saved."), "success")
    return redirect(url_for("badges.mine"))


@bp.post("/mine/name")
@launch_required()
def choose_name():
    """The answer to "show your name on the public pages of your badges?", asked at the first badge."""
    launch = current_launch()
    show_name = request.form.get("show_name") == "yes"
    earners.choose_name_shown(launch.organisation_id, launch.person_id, show_name=show_name,
                              now=current_clock().now())
    flash(_("The public pages of your badges now show your name.") if show_name
          else _("The public pages of your badges do not show your name."), "success")
    return redirect(url_for("badges.mine"))


@bp.post("/mine/awards/<award_id>/privacy")
@launch_required()
def set_privacy(award_id):
    """Make an award private (no public page, no share links) or public again."""
    launch = current_launch()
    award = earners.own_award(launch.organisation_id, launch.person_id, award_id)
    award.is_private = request.form.get("private") == "yes"
    flash(_("The badge is now private.") if award.is_private else _("The badge is now public."), "success")
    return redirect(url_for("badges.mine"))


@bp.get("/mine/all-badges.zip")
@launch_required()
def download_all():
    """Every unrevoked award in one ZIP: credentials (JSON, JWT) and baked images, OB 3.0 and, with an email, OB 2.0."""
    launch = current_launch()
    data = portfolio.awards_archive(launch.organisation_id, launch.person_id)
    response = Response(data, mimetype="application/zip")
    name = portfolio.archive_name(current_clock().now())
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/mine/share")
@launch_required()
def share():
    """Make a personal share link (a new one replaces the old) or stop sharing."""
    launch = current_launch()
    if request.form.get("action") == "stop":
        portfolio.stop_sharing(launch.organisation_id, launch.person_id)
        message = _("Your share link no longer works.")
    else:
        portfolio.make_share_link(launch.organisation_id, launch.person_id)
        message = _("Your new share link is ready; any earlier link no longer works.")
    flash(message, "success")
    return redirect(url_for("badges.mine") + "#share")


@bp.get("/shared/<token>")
@public_endpoint
def shared(token):
    """A learner's public badges, for anyone with their share link, outside the LMS."""
    collection = portfolio.shared_badges(token)
    response = current_app.make_response(render_template(
        "badges/shared.html", collection=collection,
        title=_("Badges of %(name)s", name=collection.earner_name) if collection.earner_name else _("Shared badges")))
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak to the pages it links to
    return response


def _refuse_download_if_revoked(award) -> None:
    """A revoked award is no longer handed out to keep or share (verifiers still read its credential and status)."""
    if award.is_revoked:
        raise AppError(_("This badge was revoked on %(date)s and can no longer be downloaded.",
                         date=format_date(award.revoked_at)),
                       hint=_("Its earlier copies no longer verify. My badges shows the reason to its earner."),
                       status=410)


def _badge_or_404(badge_id: str):
    badge = badge_catalogue().badge(badge_id)
    if badge is None:
        raise NotFound(_("There is no badge “%(badge)s”.", badge=badge_id))
    return badge


def _locale() -> str:
    from app.i18n import current_language

    return current_language()
