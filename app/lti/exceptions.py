"""Why a launch was refused, as types: each says what was wrong and how the LMS admin can fix it."""
from app.errors import AppError


class LaunchError(AppError):
    """A launch we refuse; the page explains it and the log keeps the reference."""

    status = 400
    title = "The launch from your LMS could not be accepted"


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
