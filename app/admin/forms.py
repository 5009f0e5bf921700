"""The admin's forms: fields to render and read back. CSRFProtect checks every POST's token, and the
services decide which values are acceptable, so choices are not re-validated here."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from app.tenancy.models import Registration
from app.tenancy.organisations import MAX_ORGANISATION_NAME_LENGTH


def optional_id(value) -> int | None:
    """Coerce a select's value to an id, the empty choice to None."""
    return int(value) if value not in (None, "") else None


def organisation_choices(organisations, *, empty_label=None) -> list[SelectChoice]:
    """One option per organisation (its id shown too, as names need not be unique), after an optional empty one."""
    choices = [
        SelectChoice(organisation.id, f"{organisation.name} (#{organisation.id})") for organisation in organisations
    ]
    return [SelectChoice("", empty_label)] + choices if empty_label else choices


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), validators=[InputRequired()], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class ApproveDeploymentForm(FlaskForm):
    """Shown as two forms, one per field: into an existing organisation, or into a new one."""

    organisation_id = SelectField(_l("Organisation"), coerce=optional_id, validate_choice=False)
    new_organisation_name = StringField(
        _l("Name of the new organisation"), render_kw={"required": True, "maxlength": MAX_ORGANISATION_NAME_LENGTH}
    )


class FrameOriginsForm(FlaskForm):
    origins = TextAreaField(_l("Allowed frame origins, one per line"), render_kw={"rows": 5, "spellcheck": "false"})


class RegistrationForm(FlaskForm):
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(Registration.ACTIVE, _l("Active")), SelectChoice(Registration.DISABLED, _l("Disabled"))],
        validate_choice=False,
    )
    new_deployment_policy = SelectField(
        _l("When a launch comes from a deployment not seen before"),
        choices=[
            SelectChoice(
                Registration.POLICY_NEW_ORGANISATION, _l("Create a new organisation for it")
            ),
            SelectChoice(Registration.POLICY_HOLD_PENDING, _l("Hold it until an admin approves it")),
        ],
        validate_choice=False,
    )
    default_organisation_id = SelectField(_l("Default organisation"), coerce=optional_id, validate_choice=False)
    default_organisation_approves = BooleanField(
        _l("This LMS is the default organisation's own: its admins may approve held sites")
    )


class OrganisationNameForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"required": True, "maxlength": MAX_ORGANISATION_NAME_LENGTH})


class RegistrationApprovalSettingForm(FlaskForm):
    require_approval = BooleanField(
        _l("Require my approval of every LMS that registers itself before its launches are accepted")
    )


class InvitationForm(FlaskForm):
    """A one-time registration URL for an LMS of a new organisation (an existing one's page makes its own)."""

    organisation_name = StringField(
        _l("Name of the new organisation (optional)"), render_kw={"maxlength": MAX_ORGANISATION_NAME_LENGTH}
    )
