"""The lti_message_hint: what the platform is launching, carried through the tool and back, signed."""

from dataclasses import asdict, dataclass, field

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from devlms import clock
from devlms.errors import InvalidAuthRequest

HINT_LIFETIME_SECONDS = 5 * 60


@dataclass(frozen=True)
class LaunchRequest:
    """One launch the platform started: who, where, which message, and the test options."""

    message_type: str
    user_id: str
    course_id: str
    deployment_id: str
    link_id: str | None = None
    locale: str | None = None
    tamper: tuple[str, ...] = field(default_factory=tuple)
    # The tool launched (its client_id); None: the default tool of the settings.
    client_id: str | None = None
    # Deep Linking only: whether the platform takes several content items back (accept_multiple).
    accept_multiple: bool = True
    expires_at: int = 0


def issue_message_hint(launch: LaunchRequest) -> str:
    """An opaque token for `launch`, valid for five minutes."""
    payload = asdict(launch) | {"expires_at": clock.now() + HINT_LIFETIME_SECONDS}
    return _serializer().dumps(payload)


def read_message_hint(hint: str) -> LaunchRequest:
    """The launch a hint stands for; refused if it was altered or has expired."""
    try:
        payload = _serializer().loads(hint)
    except BadSignature:
        raise InvalidAuthRequest("lti_message_hint was not issued by this platform, or was altered") from None
    launch = LaunchRequest(**{**payload, "tamper": tuple(payload["tamper"])})
    if launch.expires_at < clock.now():
        raise InvalidAuthRequest("lti_message_hint has expired (it is valid for 5 minutes)")
    return launch


def _serializer() -> URLSafeSerializer:
    """HMAC signing with the platform secret, under a salt of its own."""
    return URLSafeSerializer(current_app.config["DEVLMS_SECRET_KEY"], salt="devlms.lti_message_hint")
