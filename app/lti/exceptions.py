"""Why a launch was refused, as types: each says what was wrong and how the LMS admin can fix it."""
from flask_babel import lazy_gettext as _l

from app.errors import AppError


class LaunchError(AppError):
    """A launch we refuse; the page explains it and the log keeps the reference."""

    status = 400
    title = _l("The launch from your LMS could not be accepted")


class UnknownPlatform(LaunchError):
    status = 401


class InvalidToken(LaunchError):
    """The id_token's signature, algorithm, key or times are wrong."""

    status = 401


class InvalidClaim(LaunchError):
    """A claim is missing or has a value the spec does not allow."""

    status = 400


class StateMismatch(LaunchError):
    """The launch does not continue a login this browser started (missing, expired, replayed)."""

    status = 401


class DeploymentNotActive(LaunchError):
    status = 403


class PlatformKeysUnavailable(LaunchError):
    """We could not fetch the LMS's public keys."""

    status = 502


class LoginError(LaunchError):
    """The LMS's login initiation request was incomplete or names an unknown registration."""

    status = 400


class DynamicRegistrationError(AppError):
    """LTI Dynamic Registration could not finish; the page tells the LMS admin what was wrong and what to do."""

    status = 400
    title = _l("The LMS registration could not be completed")
    # Its page ends the registration in the LMS's frame: it offers "Done", which asks the LMS to close the frame.
    ends_registration = True


class InvalidRegistrationRequest(DynamicRegistrationError):
    """The registration URL was opened without what the LMS must add to it, or with an unusable invitation."""


class InvalidPlatformConfiguration(DynamicRegistrationError):
    """The LMS's OpenID configuration cannot be fetched, is not JSON, or breaks the spec's rules."""

    status = 502


class PlatformRefusedRegistration(DynamicRegistrationError):
    """The LMS's registration endpoint did not accept our client registration, or answered something unusable."""

    status = 502


class RegistrationBusy(DynamicRegistrationError):
    """Too many registrations are calling LMSs in this process right now; the LMS admin tries again shortly."""

    status = 503
    headers = {"Retry-After": "60"}


class InvitationRequired(InvalidRegistrationRequest):
    """The registration URL was opened without an invitation: the page says how to get one, and nothing was called."""

    status = 403


class InvalidDeepLinkingRequest(LaunchError):
    """A Deep Linking request the tool cannot answer (not one, or its settings lack what the spec requires)."""

    status = 400
    title = _l("Your LMS's request to add content could not be answered")
