"""LTI data: the tool's signing keys, OIDC logins in flight, and validated launches (the tool session)."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import JSONType, TimestampMixin
from app.tenancy.models import Course, Deployment, Organisation, Person


class ToolKey(TimestampMixin, db.Model):
    """An RSA key the tool signs with; the private half encrypted with the key-encryption key."""

    __tablename__ = "tool_keys"
    ACTIVE, RETIRED = "active", "retired"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)
    algorithm: Mapped[str] = mapped_column(String(10), default="RS256")
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)


class LoginState(db.Model):
    """An OIDC login the tool started: the state and nonce it expects back, used once (LTI 1.3 Security §5.1.1)."""

    __tablename__ = "lti_login_states"

    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(100))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    target_link_uri: Mapped[str] = mapped_column(String(2000))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


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

    organisation: Mapped[Organisation] = relationship()
    deployment: Mapped[Deployment] = relationship()
    person: Mapped[Person] = relationship()
    course: Mapped[Course | None] = relationship()
