"""Send to my backpack (app.badges.backpack): connect an Open Badges 3.0 host, its redirect back, send, disconnect."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.badges import backpack
from app.clock import current_clock
from app.http_limits import database_id
from app.lti.session import current_launch, launch_required, public_endpoint

bp = Blueprint("backpack", __name__, url_prefix="/badges/backpack")
PENDING = "backpack_authorization"  # in the launch's server-side session: the host's URL to open in a new tab


def _connection_id() -> int:
    """The form's connection id; 0 (no connection of anyone's) when it is missing or no id at all."""
    return request.form.get("connection", type=database_id) or 0


def _back_to_my_badges():
    return redirect(url_for("badges.mine", _anchor="backpack"))


@bp.post("/connect")
@launch_required()
def connect():
    """Discover and register with the host the earner typed; the link to allow access waits on My badges."""
    launch = current_launch()
    try:
        url = backpack.start_authorization(launch.organisation_id, launch.person_id, request.form.get("host", ""),
                                           now=current_clock().now())
    except backpack.BackpackError as error:
        flash(error.message, "error")
    else:
        session[PENDING] = url
    return _back_to_my_badges()


@bp.get("/callback")
@public_endpoint  # opened by the host's redirect in a tab of its own: no launch; the state names the request
def callback():
    """The host's answer to the authorization request: connected, or why not."""
    try:
        connection = backpack.finish_authorization(
            request.args.get("state", ""), code=request.args.get("code"), error=request.args.get("error"),
            now=current_clock().now())
    except backpack.BackpackError as error:
        return render_template("badges/backpack_callback.html", connected=None, message=error.message,
                               title=_("Backpack not connected")), error.status
    return render_template("badges/backpack_callback.html", connected=connection, message=None,
                           title=_("Backpack connected"))


@bp.post("/send")
@launch_required()
def send():
    """Send one earned badge to one connected backpack; the host's refusal is shown, nothing is lost."""
    launch = current_launch()
    connection_id = _connection_id()
    try:
        new = backpack.send_award(launch.organisation_id, launch.person_id, connection_id,
                                  request.form.get("award", ""), now=current_clock().now())
    except backpack.BackpackError as error:
        flash(error.message, "error")
    else:
        host = backpack.own_connection(launch.organisation_id, launch.person_id, connection_id).host
        flash(_("The badge is now in your backpack at %(host)s.", host=host.base_url) if new else
              _("The badge in your backpack at %(host)s is updated.", host=host.base_url), "success")
    return _back_to_my_badges()


@bp.post("/disconnect")
@launch_required()
def disconnect():
    """Forget a backpack connection and its tokens."""
    launch = current_launch()
    connection_id = _connection_id()
    host = backpack.disconnect(launch.organisation_id, launch.person_id, connection_id)
    flash(_("Your backpack at %(host)s is disconnected. The badges already there stay.", host=host.base_url),
          "success")
    return _back_to_my_badges()
