"""LTI data: the tool's signing keys, OIDC logins in flight, and validated launches (the tool session)."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.lti.constants import CUSTOM, MODULE_PARAMETER
from app.models_base import JSONType, TimestampMixin
from app.tenancy.models import Course, Deployment, Organisation, Person, site_record


class ToolKey(TimestampMixin, db.Model):
    """An RSA key the tool signs with; the private half encrypted with the key-encryption key.

    Life of a key: next (published, signs nothing yet) → active (the one key that signs) → retiring
    (still published, signs nothing, until retire_at) → retired (unpublished, private half erased).
    """

    __tablename__ = "tool_keys"
    NEXT, ACTIVE, RETIRING, RETIRED = "next", "active", "retiring", "retired"
    PUBLISHED = (NEXT, ACTIVE, RETIRING)

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)
    algorithm: Mapped[str] = mapped_column(String(10), default="RS256")
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    activates_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retire_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SpentLogin(db.Model):
    """A login whose launch came: its state is never accepted again (LTI 1.3 Security §5.1.1, state and nonce used
    once). Kept until the state expires, when its signature's expiry refuses it anyway (app/lti/login.py)."""

    __tablename__ = "lti_spent_logins"

    state_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@site_record  # moving a site (app.tenancy.moves) brings the people who launched from it
class Launch(TimestampMixin, db.Model):
    """A validated launch: who, where, in which role and locale; the tool session points at it."""

    __tablename__ = "lti_launches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    message_type: Mapped[str] = mapped_column(String(50))
    course_role: Mapped[str] = mapped_column(String(30))
    is_organisation_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(20))
    resource_link_id: Mapped[str | None] = mapped_column(String(255))
    # The claims later features need (custom, AGS and NRPS endpoints, deep-linking settings, return URL).
    claims: Mapped[dict] = mapped_column(JSONType, default=dict)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The tool session of this launch: its token (kept as a hash) travels with every page of the
    # launch, so two launches in two tabs never mix and no cookie is needed; the data is Flask's session.
    session_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_data: Mapped[dict] = mapped_column(JSONType, default=dict)
    # A Deep Linking request takes one signed answer: set, by a conditional UPDATE, by the one request that sends it.
    deep_linking_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()
    deployment: Mapped[Deployment] = relationship()
    person: Mapped[Person] = relationship()
    course: Mapped[Course | None] = relationship()

    @property
    def requested_module_id(self) -> str | None:
        """The module the link asks to open: its `module` custom parameter; empty or an unsubstituted variable
        (`$…`, as itslearning sends) is none."""
        value = ((self.claims or {}).get(CUSTOM) or {}).get(MODULE_PARAMETER)
        if not isinstance(value, str) or not value.strip() or value.strip().startswith("$"):
            return None
        return value.strip()


class RegistrationInvitation(TimestampMixin, db.Model):
    """A one-time registration URL the installation admin made: the only thing that lets Dynamic Registration call
    an LMS. It attaches the LMS to an existing organisation, or (organisation_id None) to a new one named
    organisation_name.

    Only the token's SHA-256 is kept; the URL is shown once. It expires, and is spent by the registration it made.
    """

    __tablename__ = "lti_registration_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # The name of the organisation the registration makes, for an invitation that names no existing one.
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation | None] = relationship()
