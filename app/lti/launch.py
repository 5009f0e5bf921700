"""Launch validation: every check LTI 1.3 Core and Security require, in one place, on PyJWT.

We own the validation rather than extend pylti1p3's `MessageLaunch`: its public API has no place for what a
launch here needs (state and nonce spent in one statement in shared storage, the key set cached for all
processes and refreshed only for an unknown kid, algorithms allowed per registration, `azp` rules, the
deployment policy, typed errors with hints), so extending it meant reading and writing its private
attributes. pylti1p3's public message validators still check each message type's own rules.
"""
import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from flask import current_app
from flask_babel import gettext as _
from pylti1p3.exception import LtiException
from pylti1p3.message_validators import get_validators

from app.extensions import db
from app.lti import constants as claims
from app.lti.binding import has_state_cookie, proves_login_by_secret
from app.lti.exceptions import DeploymentNotActive, InvalidClaim, InvalidToken, StateMismatch, UnknownPlatform
from app.lti.launch_writes import spend_login, was_spent, write_launch
from app.lti.login import StartedLogin, started_login
from app.lti.models import Launch
from app.lti.platform_keys import platform_signing_key
from app.lti.session import issue_session_token
from app.tenancy.mentors import MAX_MENTEES, record_mentees
from app.tenancy.models import Course, Deployment, Organisation, Person, Registration
from app.tenancy.roles import MENTOR, tool_role_for
from app.tenancy.services import clean_optional, find_or_create_deployment, find_registration_with_deployment

# Claims kept with the launch for later features (grades, rosters, deep linking, return to the LMS).
KEPT_CLAIMS = (
    claims.CUSTOM, claims.AGS_ENDPOINT, claims.NRPS_SERVICE, claims.DEEP_LINKING_SETTINGS,
    claims.LAUNCH_PRESENTATION, claims.RESOURCE_LINK, claims.TARGET_LINK_URI, claims.TOOL_PLATFORM,
)

# pylti1p3's per-message-type rules (a resource link's id; Deep Linking settings that accept resource links
# and name a presentation target; the common sub, version and roles), through its public validators.
# They keep no state, so one set serves every launch.
_MESSAGE_VALIDATORS = tuple(get_validators())


@dataclass
class ValidatedLaunch:
    registration: Registration
    deployment: Deployment
    claims: dict
    login: StartedLogin  # spent when the launch is recorded


class ToolMessageLaunch:
    """One id_token POST, checked in the spec's order; each check raises a typed LaunchError."""

    def __init__(self, params: dict, cookies: dict, now: datetime):
        self._params, self._cookies, self._now = params, cookies, now
        self._header: dict = {}
        self._body: dict = {}
        self._registration_row: Registration | None = None
        self._deployment_row: Deployment | None = None
        self._login: StartedLogin | None = None

    def validate(self) -> "ToolMessageLaunch":
        # The order matters: nothing is written or fetched for a token we cannot attribute to a
        # registration; state and nonce are spent once the token is proven and well-formed, by the statement
        # that records the launch (app/lti/launch_writes.py; one commit per launch). A token refused for its site
        # (inactive) has them spent and committed before the refusal, so it is never accepted later.
        self.validate_jwt_format()
        self.validate_registration()
        self.validate_jwt_signature()
        self.validate_times()
        self.validate_message()
        self.validate_nonce()
        self.validate_state()
        self.validate_deployment()
        return self

    def validate_jwt_format(self):
        """RFC 7519 §7.2: three base64url parts, the first two JSON objects; the signature is checked later."""
        id_token = self._params.get("id_token")
        if not id_token:
            raise InvalidClaim(
                _("The launch has no id_token."), hint=_("The LMS must POST an id_token to the launch URL.")
            )
        parts = id_token.split(".")
        if len(parts) != 3:
            raise InvalidClaim(_("The id_token is not a well-formed JWT."), detail="a JWT has 3 parts")
        try:
            header, body = (json.loads(_base64url_text(part)) for part in parts[:2])
        except Exception as exc:  # anything an attacker can make base64 or JSON raise (deep nesting included)
            raise InvalidClaim(
                _("The id_token is not a well-formed JWT."), detail=f"cannot be decoded: {str(exc)[:200]}"
            ) from exc
        if not isinstance(body, dict) or not isinstance(header, dict) or not _plain_json(body):
            raise InvalidClaim(_("The id_token is not a well-formed JWT."))
        _refuse_unstorable_text({"header": header, "body": body})
        self._header, self._body = header, body
        return self

    def validate_registration(self):
        body, header = self._body, self._header
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or not algorithm or algorithm == "none" or algorithm.startswith("HS"):
            raise InvalidToken(
                _("The id_token uses the algorithm %(algorithm)s, which is never accepted.", algorithm=repr(algorithm)),
                hint=_("LTI 1.3 requires an asymmetric signature (RS256) with a key from the LMS's key set."),
            )
        issuer = body.get("iss")
        if not isinstance(issuer, str) or not issuer:
            raise InvalidClaim(_("The id_token has no issuer (iss)."))
        client_id = self._client_id_from_audience(body)
        registration, self._deployment_row = find_registration_with_deployment(
            issuer, client_id, body.get(claims.DEPLOYMENT_ID)
        )
        if registration is None:
            raise UnknownPlatform(
                _("This LMS is not registered with REX VET Path."),
                hint=_(
                    "No registration for issuer %(issuer)s with client_id %(client_id)s. "
                    "An LMS administrator must register the tool (or correct the client id).",
                    issuer=repr(issuer), client_id=repr(client_id),
                ),
            )
        if registration.status == Registration.PENDING:
            raise DeploymentNotActive(
                _("This LMS's registration is waiting for approval by the REX VET Path administrator."),
                hint=_("Ask the tool's administrator to approve the registration; launches work from then on."),
            )
        if registration.status != Registration.ACTIVE:
            raise DeploymentNotActive(
                _("This LMS's registration with REX VET Path is disabled."),
                hint=_("Ask the tool's administrator to re-enable it."),
            )
        if algorithm not in registration.allowed_algorithms:
            raise InvalidToken(
                _(
                    "The id_token is signed with %(algorithm)s, which this registration does not allow.",
                    algorithm=algorithm,
                ),
                hint=_("Allowed: %(algorithms)s.", algorithms=", ".join(registration.allowed_algorithms)),
            )
        self._registration_row = registration
        return self

    @staticmethod
    def _client_id_from_audience(body: dict) -> str:
        """OIDC Core §3.1.3.7: with several audiences, `azp` must name us; with one, `azp` (if any) must equal it."""
        audience, azp = body.get("aud"), body.get("azp")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
            raise InvalidClaim(_("The id_token has no audience (aud)."), hint=_("aud must be the tool's client_id."))
        if len(audiences) > 1 and not azp:
            raise InvalidClaim(
                _("The id_token has several audiences but no authorized party (azp)."),
                hint=_("With more than one aud, LTI 1.3 requires azp set to the tool's client_id."),
            )
        if azp is not None and (not isinstance(azp, str) or azp not in audiences):
            raise InvalidClaim(
                _("The id_token's authorized party (azp) is not among its audiences."),
                hint=_("azp must be the tool's client_id and appear in aud."),
            )
        return azp or audiences[0]

    def validate_jwt_signature(self):
        registration = self._registration_row
        header = self._header
        key = platform_signing_key(registration, header.get("kid"), header["alg"])
        try:
            # Times are checked by validate_times against the injectable clock.
            jwt.decode(
                self._params["id_token"], key=key.key, algorithms=[header["alg"]],
                audience=registration.client_id, issuer=registration.issuer,
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken(
                _("The id_token's signature does not verify with the LMS's key."),
                hint=_("The token was altered or signed with another key."),
            ) from exc
        except (jwt.exceptions.InvalidSubjectError, jwt.exceptions.InvalidJTIError) as exc:
            # PyJWT checks these two claims' types as it verifies: the same refusal as every other wrong type.
            raise InvalidClaim(
                _("The launch has claims of the wrong type: %(claims)s.", claims="sub" if isinstance(
                    exc, jwt.exceptions.InvalidSubjectError) else "jti"),
                hint=_("The LMS must send them as the LTI 1.3 specification defines (text, list or object)."),
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidClaim(
                _("The id_token is not addressed to this tool (aud)."),
                hint=_("aud must contain the client_id %(client_id)s.", client_id=repr(registration.client_id)),
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(_("The id_token could not be verified."), detail=str(exc)) from exc
        return self

    def validate_times(self):
        body = self._body
        skew = current_app.config["LTI_CLOCK_SKEW"]
        now = self._now.timestamp()
        for name in ("exp", "iat"):
            if not isinstance(body.get(name), (int, float)):
                raise InvalidClaim(_("The id_token has no valid `%(claim)s` time.", claim=name))
        if body["exp"] < now - skew:
            raise InvalidToken(
                _("The id_token has expired."),
                hint=_("The launch took too long, or the LMS's clock is wrong. Launch again from the LMS."),
            )
        if body["iat"] > now + skew:
            raise InvalidToken(
                _("The id_token was issued in the future."),
                hint=_("The LMS's clock is ahead of ours by more than a minute; its administrator should check it."),
            )
        if isinstance(body.get("nbf"), (int, float)) and body["nbf"] > now + skew:
            raise InvalidToken(_("The id_token is not valid yet (nbf)."))
        return self

    def validate_nonce(self):
        # The nonce is spent with its login (validate_state): every login signs a fresh state that carries a fresh
        # nonce, a launch records the state as spent with its own rows and must carry the same nonce, so an id_token
        # is accepted once, by any process, with no second store of nonces.
        nonce = self._body.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise InvalidClaim(_("The id_token has no nonce."))
        return self

    def validate_state(self):
        state = self._params.get("state")
        if not state:
            raise StateMismatch(_("The launch has no state."), hint=_("The LMS must return the state it was given."))
        login = started_login(state) if isinstance(state, str) else None
        if login is None or login.registration_id != self._registration_row.id:
            raise already_used()
        # A replay is told it is one, though its login is spent only when a launch is recorded (its cookie went
        # with the first launch, and its time may have run out since).
        if login.expires_at < self._now:
            raise already_used() if was_spent(login) else StateMismatch(
                _("The login took too long."), hint=_("Launch again from the LMS."))
        if not has_state_cookie(self._cookies, state) and not proves_login_by_secret(self._params, login):
            raise already_used() if was_spent(login) else self._not_this_browser()
        if login.nonce != self._body["nonce"]:
            raise StateMismatch(
                _("The id_token's nonce does not match the login."), hint=_("Launch again from the LMS.")
            )
        self._login = login  # spent when the launch is recorded
        return self

    @staticmethod
    def _not_this_browser() -> StateMismatch:
        return StateMismatch(
            _("This launch did not come back to the browser that started it."),
            hint=_(
                "Neither the login's state cookie nor a secret kept in the LMS page came back. "
                "Launch again from the LMS; if it fails again, open the activity in a new window."
            ),
        )

    def validate_message(self):
        body = self._body
        if body.get(claims.VERSION) != claims.LTI_VERSION:
            raise InvalidClaim(
                _("Unsupported LTI version %(version)s.", version=repr(body.get(claims.VERSION))),
                hint=_("REX VET Path speaks LTI 1.3.0."),
            )
        message_type = body.get(claims.MESSAGE_TYPE)
        if message_type not in claims.SUPPORTED_MESSAGE_TYPES:
            raise InvalidClaim(
                _("Unsupported LTI message type %(message_type)s.", message_type=repr(message_type)),
                hint=_("Supported: %(message_types)s.", message_types=", ".join(claims.SUPPORTED_MESSAGE_TYPES)),
            )
        # Claims of the wrong JSON type are refused here, so nothing after this step meets one (a garbage LMS).
        wrong = [
            name
            for name, kind in _CLAIM_TYPES.items()
            if body.get(name) is not None and not isinstance(body[name], kind)
        ]
        if isinstance(body.get(claims.ROLES), list) and not all(isinstance(role, str) for role in body[claims.ROLES]):
            wrong.append(claims.ROLES)
        mentees = body.get(claims.ROLE_SCOPE_MENTOR)
        if mentees is not None and (not isinstance(mentees, list) or not all(isinstance(sub, str) for sub in mentees)):
            wrong.append(claims.ROLE_SCOPE_MENTOR)  # a list of user ids (LTI 1.3 Core, "Role-scope mentor claims")
        wrong += [name + " id" for name in (claims.CONTEXT, claims.RESOURCE_LINK)
                  if isinstance(body.get(name), dict) and not isinstance(body[name].get("id", ""), str)]
        wrong += [_claim_name(path) for path in _IDENTIFIER_LIMITS
                  if _claim_name(path) not in wrong and not isinstance(_nested(body, path) or "", str)]
        scopes = _nested(body, (claims.AGS_ENDPOINT, "scope")) or []
        if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
            wrong.append(_claim_name((claims.AGS_ENDPOINT, "scope")))  # the grades feature looks a scope up in it
        if wrong:
            raise InvalidClaim(
                _("The launch has claims of the wrong type: %(claims)s.", claims=", ".join(wrong)),
                hint=_("The LMS must send them as the LTI 1.3 specification defines (text, list or object)."),
            )
        missing = [name for name in claims.REQUIRED_CLAIMS[message_type] if body.get(name) in (None, "", {})]
        if message_type == claims.RESOURCE_LINK_REQUEST and not (body.get(claims.RESOURCE_LINK) or {}).get("id"):
            missing.append(claims.RESOURCE_LINK + " id")
        if missing:
            raise InvalidClaim(
                _("The launch lacks required claims: %(claims)s.", claims=", ".join(missing)),
                hint=_("An %(message_type)s must carry them (LTI 1.3 Core §5.3).", message_type=message_type),
            )
        if not isinstance(body[claims.ROLES], list):
            raise InvalidClaim(_("The roles claim must be a list of role URIs."))
        _refuse_identifiers_too_long(body)
        _refuse_too_many_mentees(body)
        try:
            _validate_with_pylti1p3(body)
        except LtiException as exc:
            raise InvalidClaim(_("The launch message is invalid: %(problem)s.", problem=exc)) from exc
        return self

    def validate_deployment(self):
        body = self._body
        deployment_id = body[claims.DEPLOYMENT_ID]
        # Shortened to fit the organisation a new site gets, which is named after it.
        platform_name = _fitted(clean_optional((body.get(claims.TOOL_PLATFORM) or {}).get("name")), Organisation.name)
        deployment = find_or_create_deployment(
            self._registration_row, deployment_id, platform_name, known=self._deployment_row
        )
        if deployment.status != Deployment.ACTIVE:
            # Committed before the refusal, whose error page rolls the request back: the token stays spent (state
            # and nonce), and a new site shows up for the admin, though this launch is refused.
            if not spend_login(self._login):
                raise already_used()
            db.session.commit()
        if deployment.status == Deployment.PENDING:
            raise DeploymentNotActive(
                _("Your LMS site is waiting for approval before it can use REX VET Path."),
                hint=_(
                    "An administrator of your organisation or of REX VET Path must approve this LMS site "
                    "(deployment %(deployment_id)s). Try again after approval.",
                    deployment_id=repr(deployment_id),
                ) if deployment.organisation_id is not None else _(  # a shared registration's site: in no organisation
                    "An administrator of REX VET Path must approve this LMS site (deployment %(deployment_id)s). "
                    "Try again after approval.",
                    deployment_id=repr(deployment_id),
                ),
            )
        if deployment.status != Deployment.ACTIVE:
            raise DeploymentNotActive(
                _("This LMS site's access to REX VET Path is disabled."),
                hint=_(
                    "Deployment %(deployment_id)s was disabled by an administrator.", deployment_id=repr(deployment_id)
                ),
            )
        self._deployment_row = deployment
        return self

    def result(self) -> ValidatedLaunch:
        return ValidatedLaunch(self._registration_row, self._deployment_row, self._body, self._login)


def already_used() -> StateMismatch:
    """The refusal of a launch whose login was spent (or never started here): a replay, or a second tab's POST."""
    return StateMismatch(
        _("This launch was already used, or it does not match a login started here."),
        hint=_("A launch can be used once. Launch again from the LMS."),
    )


def _base64url_text(part: str) -> str:
    """A JWT part's text: base64url with its padding restored (RFC 7515 §2 leaves it out), as UTF-8."""
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8")


def _validate_with_pylti1p3(body: dict) -> None:
    """The one pylti1p3 validator for this message type; it raises LtiException for what it refuses."""
    matching = [validator for validator in _MESSAGE_VALIDATORS if validator.can_validate(body)]
    if len(matching) != 1:
        raise LtiException("Unrecognized message type" if not matching else "Validator conflict")
    if not matching[0].validate(body):
        raise LtiException("Message validation failed")


def _plain_json(body: dict) -> bool:
    """Standard JSON only: Python's parser also reads NaN and Infinity, which no database column can hold."""
    try:
        json.dumps(body, allow_nan=False)
    except ValueError:
        return False
    return True


_CLAIM_TYPES = {
    "sub": str, claims.DEPLOYMENT_ID: str, claims.TARGET_LINK_URI: str, claims.ROLES: list, claims.RESOURCE_LINK: dict,
    claims.CONTEXT: dict, claims.TOOL_PLATFORM: dict, claims.LAUNCH_PRESENTATION: dict, claims.CUSTOM: dict,
    claims.DEEP_LINKING_SETTINGS: dict, claims.AGS_ENDPOINT: dict, claims.NRPS_SERVICE: dict,
}


def validate_launch(params: dict, cookies: dict, *, now: datetime) -> ValidatedLaunch:
    """Validate an id_token POST completely, or raise a LaunchError that explains what was wrong."""
    return ToolMessageLaunch(params, cookies, now).validate().result()


def _joined_name(body: dict) -> str | None:
    parts = [clean_optional(body.get(claim)) for claim in ("given_name", "family_name")]
    return " ".join(part for part in parts if part) or None


def language_tag(value) -> str | None:
    """The launch's locale as a BCP 47 tag that fits its 20-character columns, or None.

    A valid tag may be longer (`de-DE-x-verylongprivateuse-tag`): its trailing subtags go, one by one, until it
    fits, so the language and region stay (the page speaks the best language we have for them); a dangling
    singleton (`x`, `u`) goes with the subtags it introduced. A value of no subtag that fits is not kept.
    """
    value = clean_optional(value)
    if value is None:
        return None
    subtags = value.replace("_", "-").split("-")
    limit = Person.locale.type.length
    while subtags and (len("-".join(subtags)) > limit or len(subtags[-1]) == 1):
        subtags.pop()
    return "-".join(subtags) or None


def record_launch(validated: ValidatedLaunch, *, now: datetime) -> tuple[Launch, str]:
    """Record who launched where and in which role, as a Launch with a new session: the launch and its token."""
    body, deployment = validated.claims, validated.deployment
    role = tool_role_for(body[claims.ROLES])
    presentation = body.get(claims.LAUNCH_PRESENTATION) or {}
    locale = language_tag(presentation.get("locale"))
    email = clean_optional(body.get("email"))
    person = dict(
        name=_fitted(clean_optional(body.get("name")) or _joined_name(body), Person.name),
        # Longer than a column of 320 holds is no address (RFC 5321 allows 254): not kept, the launch goes on.
        email=email if email is None or len(email) <= Person.email.type.length else None, locale=locale, now=now,
    )
    context = body.get(claims.CONTEXT)
    if context and context.get("id"):
        context = {**context, "title": _display_text(context.get("title")),
                   "label": _fitted(_display_text(context.get("label")), Course.label)}
    else:
        context = None
    launch = Launch(
        id=secrets.token_urlsafe(32),
        organisation_id=deployment.organisation_id,
        deployment_id=deployment.id,
        person_id=None,  # written with the person (write_launch)
        course_id=None,
        message_type=body[claims.MESSAGE_TYPE],
        course_role=role.course_role,
        is_organisation_admin=role.is_organisation_admin,
        locale=locale,
        resource_link_id=(body.get(claims.RESOURCE_LINK) or {}).get("id"),
        claims={name: body[name] for name in KEPT_CLAIMS if name in body},
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["LTI_LAUNCH_LIFETIME"]),
        session_data={},
        deep_linking_answered_at=None,
    )
    token = issue_session_token(launch)
    ids = write_launch(launch, validated.login, dict(
        organisation_id=deployment.organisation_id, deployment_id=deployment.id, issuer=validated.registration.issuer,
        subject=body["sub"], role=role, lti_roles=body[claims.ROLES], roster_url=_roster_url(body), **person,
    ), context=context)
    if ids is None:
        raise already_used()
    # Only a mentor's launch (or one naming mentees) writes the list: every other launch costs no statement more.
    if ids.membership_id is not None and (role.course_role == MENTOR or claims.ROLE_SCOPE_MENTOR in body):
        record_mentees(ids.membership_id, _mentee_subjects(body) if role.course_role == MENTOR else None)
    return launch, token


def _roster_url(body: dict) -> str | None:
    """Where the course's roster is (NRPS), as a link to a resource tells it; kept with the course."""
    if body[claims.MESSAGE_TYPE] != claims.RESOURCE_LINK_REQUEST:
        return None
    url = (body.get(claims.NRPS_SERVICE) or {}).get("context_memberships_url")
    return url if isinstance(url, str) and url else None


# --- claims that end up in columns of limited size -----------------------------------------------------------
#
# Identifiers and service URLs must be text (anything else is refused with the other claims of the wrong type)
# and fit their columns: a longer one is refused, as cutting it would merge two people, courses or links, or
# break the URL. Display text the LMS got wrong costs a name on a page, not the launch: a value that is not
# text is not kept (`clean_optional`, `_display_text`), a long one is shortened to fit (`_fitted`), an
# over-long e-mail is not kept, and a locale keeps its leading subtags (`language_tag`). Everything else
# (custom parameters, tool_platform, launch_presentation) is kept as the JSON it came as.
# Column lengths are read from the models, so a widened column widens what is accepted (the AGS URLs' limits are
# lti's own constants, which the grades feature's columns are sized from).
_IDENTIFIER_LIMITS = {
    ("sub",): Person.subject.type.length,
    (claims.DEPLOYMENT_ID,): Deployment.deployment_id.type.length,
    (claims.CONTEXT, "id"): Course.context_id.type.length,
    (claims.RESOURCE_LINK, "id"): Launch.resource_link_id.type.length,
    (claims.NRPS_SERVICE, "context_memberships_url"): Course.roster_url.type.length,
    (claims.AGS_ENDPOINT, "lineitem"): claims.LINE_ITEM_URL_MAX_LENGTH,
    (claims.AGS_ENDPOINT, "lineitems"): claims.LINE_ITEMS_URL_MAX_LENGTH,
}


def _display_text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _nested(body: dict, path: tuple):
    value = body
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _claim_name(path: tuple) -> str:
    return " ".join(path)


def _refuse_identifiers_too_long(body: dict) -> None:
    too_long = [(path, len(value), limit) for path, limit in _IDENTIFIER_LIMITS.items()
                if isinstance(value := _nested(body, path), str) and len(value) > limit]
    if too_long:
        details = [_("%(claim)s has %(length)s characters, at most %(limit)s are accepted",
                     claim=_claim_name(path), length=length, limit=limit) for path, length, limit in too_long]
        raise InvalidClaim(
            _("The launch has claims too long for REX VET Path: %(claims)s.", claims="; ".join(details)),
            hint=_("These identifiers and service URLs cannot be shortened without changing what they name; "
                   "the LMS's administrator can check the values it sends."),
        )


def _refuse_too_many_mentees(body: dict) -> None:
    """The mentor claim's user ids are identifiers too: refused rather than cut (a cut list would hide mentees)."""
    mentees = body.get(claims.ROLE_SCOPE_MENTOR) or []
    if len(mentees) > MAX_MENTEES:
        raise InvalidClaim(
            _("The launch names %(count)s mentees; REX VET Path accepts at most %(limit)s.", count=len(mentees),
              limit=MAX_MENTEES),
            hint=_("The LMS's administrator can check the mentor's role scope in the LMS."),
        )


def _mentee_subjects(body: dict) -> list[str]:
    """The mentor claim's user ids that can name a person here: an id longer than any `sub` kept names nobody."""
    limit = Person.subject.type.length
    return [sub for sub in body.get(claims.ROLE_SCOPE_MENTOR) or [] if sub and len(sub) <= limit]


def _fitted(value: str | None, column) -> str | None:
    """Display text shortened to its column (with an ellipsis saying so); None stays None."""
    limit = column.type.length
    return value if value is None or len(value) <= limit else value[:limit - 1].rstrip() + "…"


def _refuse_unstorable_text(token: dict) -> None:
    """No text can be stored with a NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8): refuse them
    anywhere in the token, keys included, before any query or JSON column meets one."""
    stack = [("", token)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                stack.append((key, key))
                stack.append((key, inner))
        elif isinstance(value, list):
            stack.extend((where, inner) for inner in value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise InvalidClaim(
                    _("The id_token contains a NUL character (in %(claim)s), which no text may hold.", claim=where),
                    hint=_("The LMS must not send control characters in its claims; its administrator can check "
                           "the value."),
                )
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidClaim(
                    _("The id_token contains text that is not valid Unicode (in %(claim)s).", claim=where),
                    hint=_("The LMS must send its claims as UTF-8 text; its administrator can check the value."),
                ) from None
