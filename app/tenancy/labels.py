"""Words for the tenancy values pages show: a status or a policy is stored as a code (`hold_pending`), and people
read a translated word. One table per value, next to the models that define the codes; the admin's and the
organisation admin's pages use them through the `status_label`, `policy_label` and `registration_label` filters."""
from flask_babel import lazy_gettext as _l

from app.tenancy.models import Deployment, Organisation, Registration

# Registration, Deployment and Organisation share these codes (an organisation is never disabled).
STATUS_LABELS = {
    Registration.ACTIVE: _l("active"),
    Registration.PENDING: _l("pending"),
    Registration.DISABLED: _l("disabled"),
}
assert {Deployment.ACTIVE, Deployment.PENDING, Deployment.DISABLED, Organisation.ACTIVE, Organisation.PENDING} \
    <= STATUS_LABELS.keys()

NEW_DEPLOYMENT_POLICY_LABELS = {
    Registration.POLICY_NEW_ORGANISATION: _l("a new organisation for each new site"),
    Registration.POLICY_HOLD_PENDING: _l("each new site waits for approval"),
}


def status_label(code: str | None) -> str:
    """The word for a status code; an unknown code as it is (a newer code must still show)."""
    return str(STATUS_LABELS.get(code, code or ""))


def policy_label(code: str | None) -> str:
    """The words for a registration's new-deployment policy."""
    return str(NEW_DEPLOYMENT_POLICY_LABELS.get(code, code or ""))


def registration_label(registration: Registration) -> str:
    """The registration's name with its issuer, so that two LMSs of one product ("Moodle") are told apart."""
    if registration.issuer in registration.name:
        return registration.name
    return f"{registration.name} ({registration.issuer})"


def register_filters(app_or_blueprint) -> None:
    """The filters the tenancy pages use; registered app-wide by each blueprint that renders those pages."""
    register = getattr(app_or_blueprint, "add_app_template_filter", None) or app_or_blueprint.add_template_filter
    register(status_label, "status_label")
    register(policy_label, "policy_label")
    register(registration_label, "registration_label")
