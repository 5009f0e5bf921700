"""Forms for registering an LMS by hand: its platform values, a registration file, a deployment.

Labels name each value as the LMSs' own pages mostly call it, with our file format's name in the hint.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.forms import RegistrationForm, optional_id
from app.lti.constants import SUPPORTED_ALGORITHMS
from app.tenancy.deployments import MAX_DEPLOYMENT_ID_LENGTH
from app.tenancy.organisations import MAX_ORGANISATION_NAME_LENGTH

_URL = {"type": "url", "spellcheck": "false", "autocomplete": "off"}
_TEXT = {"spellcheck": "false", "autocomplete": "off"}


class PlatformValuesForm(FlaskForm):
    """The values the LMS shows after the tool is added to it; the rules are `registration_problems`'."""

    name = StringField(_l("Name"), render_kw={"maxlength": 200})
    issuer = StringField(_l("Issuer (Platform ID)"), render_kw=_URL)
    client_id = StringField(_l("Client ID"), render_kw=_TEXT)
    auth_login_url = StringField(_l("Authentication request URL (OIDC authorization endpoint)"), render_kw=_URL)
    auth_token_url = StringField(_l("Access token URL"), render_kw=_URL)
    auth_audience = StringField(_l("Access token audience (optional)"), render_kw=_TEXT)
    key_set_url = StringField(_l("Public keyset URL (the LMS's JWKS)"), render_kw=_URL)
    service_hosts = StringField(_l("Other service hosts (optional)"), render_kw=_TEXT)
    allowed_algorithms = SelectMultipleField(
        _l("Signing algorithms the LMS may use"),
        choices=[SelectChoice(algorithm, algorithm) for algorithm in SUPPORTED_ALGORITHMS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )


class NewRegistrationForm(PlatformValuesForm):
    new_deployment_policy = RegistrationForm.new_deployment_policy
    default_organisation_id = SelectField(_l("Default organisation"), coerce=optional_id, validate_choice=False)


class RegistrationFileForm(FlaskForm):
    registration_file = FileField(
        _l("Registration file (JSON, the lti_config/ format)"), render_kw={"accept": ".json,application/json"}
    )


class NewDeploymentForm(FlaskForm):
    deployment_id = StringField(_l("Deployment ID"), render_kw={**_TEXT, "maxlength": MAX_DEPLOYMENT_ID_LENGTH})
    organisation_id = SelectField(_l("Existing organisation"), coerce=optional_id, validate_choice=False)
    new_organisation_name = StringField(
        _l("Or the name of a new organisation"), render_kw={"maxlength": MAX_ORGANISATION_NAME_LENGTH}
    )
    frame_origins = TextAreaField(
        _l("Allowed frame origins, one per line"), render_kw={"rows": 3, "spellcheck": "false"}
    )
