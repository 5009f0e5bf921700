"""Badge data: each organisation's issuer, the awards, the earners' choices, the badge signing keys, baked images."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import JSONType, TimestampMixin


class BadgeIssuer(TimestampMixin, db.Model):
    """An organisation as the issuer of its badges; blank fields take the installation's defaults (BADGE_ISSUER_*)."""

    __tablename__ = "badge_issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # in the issuer's public URLs
    name: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(500))
    # The first bit of the issuer's revocation status lists no process has reserved yet (one bit per award, never
    # reused; reserved in blocks, so some bits stay unused: app/badges/issuers.py).
    next_status_index: Mapped[int] = mapped_column(Integer, default=0)


class BadgeAward(db.Model):
    """A badge awarded to a person: once per organisation, person and badge (the unique key makes it exactly once).

    The OB 3.0 credential is signed when the badge is awarded and stored with it (one RS256 signature), and
    kept: the same signed credential is served, baked and verified from then on (re-issuing signs it again).
    """

    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_id", "badge_id"),
        UniqueConstraint("organisation_id", "status_index"),
    )
    AUTOMATIC, MANUAL = "automatic", "manual"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # unguessable: the award's public URLs
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # None once the person is erased: the award stays, revoked, so exported copies fail verification.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    badge_id: Mapped[str] = mapped_column(String(200))
    awarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    how: Mapped[str] = mapped_column(String(20), default=AUTOMATIC)
    awarded_by: Mapped[str | None] = mapped_column(String(200))  # the admin of a manual award
    # [{"module": id, "title": English title, "completed_at": ISO date}], and a narrative for manual awards
    evidence: Mapped[list] = mapped_column(JSONType, default=list)
    narrative: Mapped[str | None] = mapped_column(Text)
    recipient_salt: Mapped[str] = mapped_column(String(64))
    status_index: Mapped[int] = mapped_column(Integer)  # this award's bit in the issuer's status lists
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    is_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When a page told the earner "You earned the badge …" (the module summary after the completion); None: not yet.
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    credential: Mapped[dict | None] = mapped_column(JSONType)  # the signed OB 3.0 credential's payload
    credential_jwt: Mapped[str | None] = mapped_column(Text)
    signed_with_kid: Mapped[str | None] = mapped_column(String(500))

    person = relationship("Person")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class BadgeEarner(TimestampMixin, db.Model):
    """An earner's choices: the email for OB 2.0 (when the LMS sent none), showing their name, a personal share link."""

    __tablename__ = "badge_earners"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(320))
    show_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    share_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # revocable link to all their badges


class BadgeKey(TimestampMixin, db.Model):
    """A badge signing key (never an LTI key). Retired keys lose their private half but stay published by kid."""

    __tablename__ = "badge_keys"
    ACTIVE, RETIRED = "active", "retired"

    id: Mapped[int] = mapped_column(primary_key=True)
    thumbprint: Mapped[str] = mapped_column(String(100), unique=True)  # RFC 7638; the kid URL ends with it
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict] = mapped_column(JSONType)  # kty, n, e only
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BakedImage(db.Model):
    """A baked badge image, made on first download and kept while what it carries is unchanged."""

    __tablename__ = "badge_baked_images"
    __table_args__ = (UniqueConstraint("award_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("badge_awards.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # ob2.png, ob2.svg, ob3.png, ob3.svg
    carries: Mapped[str] = mapped_column(String(64))  # sha256 of the baked-in payload and image
    data: Mapped[bytes] = mapped_column(LargeBinary)
