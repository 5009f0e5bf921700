"""Badge data: each organisation's issuer, the awards, the earners' choices, the badge signing keys, baked images;
for demonstrated badges, the reviewers an organisation names, the learners' submissions with their files, and every
review decision with its criteria results (docs/badges.md)."""
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

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
    image_url: Mapped[str | None] = mapped_column(String(500))  # an outside logo URL (installation admin only)
    # The logo the organisation admin uploads, re-encoded (PNG), served at the issuer's logo URL; its hash names the
    # version in that URL, so a new logo is a new URL and verifiers never see a stale cached one.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
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
    AUTOMATIC, MANUAL, REVIEWED = "automatic", "manual", "reviewed"  # REVIEWED: a demonstrated badge, accepted

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
    # The same credential as JSON with an embedded eddsa-rdfc-2022 proof: made after the award commits (a job) or
    # at first use, never while a learner's completion waits (RDF canonicalisation costs milliseconds).
    credential_signed_json: Mapped[dict | None] = mapped_column(JSONType(none_as_null=True))  # SQL NULL: not yet
    revoked_by: Mapped[str | None] = mapped_column(String(300))  # who revoked (an admin's name or LMS id)
    revocation_reason_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the earner was shown that the badge was revoked (the notice on every page until then).
    revocation_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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
    # The earner's id in this organisation's credentials (credentialSubject.id and the VC-JWT's `sub`): a
    # `urn:uuid:` kept for good, or the earner's own DID when they give one on "My badges".
    subject_uuid: Mapped[str | None] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    did: Mapped[str | None] = mapped_column(String(500))
    # When they answered "show my name?" (the question on "My badges" or the settings form); None: never asked.
    name_chosen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BadgeKey(TimestampMixin, db.Model):
    """An organisation's badge signing key (never an LTI key): RS256 for the VC-JWT, Ed25519 for the embedded
    proof. A retired key signs no new credential, but keeps its (encrypted) private half to re-sign its own status
    list, which verifiers check with the key that signed the credential (docs/badges.md). Keys without an
    organisation are the installation's from before keys were per organisation: still published, still signing
    their lists."""

    __tablename__ = "badge_keys"
    ACTIVE, RETIRED = "active", "retired"
    RS256, ED25519 = "RS256", "Ed25519"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    algorithm: Mapped[str] = mapped_column(String(20), default=RS256, server_default=RS256)
    thumbprint: Mapped[str] = mapped_column(String(100), unique=True)  # RFC 7638; the kid URL ends with it
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict] = mapped_column(JSONType)  # RSA: kty, n, e; Ed25519: kty OKP, crv, x
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


class BadgeReviewer(db.Model):
    """A person of the organisation named reviewer, for one demonstrated badge or (badge_id None) for all."""

    __tablename__ = "badge_reviewers"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id", "badge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    badge_id: Mapped[str | None] = mapped_column(String(200))
    named_by: Mapped[str] = mapped_column(String(300))  # who named them (an admin's name or LMS id), for the record
    named_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewerInvitation(db.Model):
    """A one-time link an organisation admin sends a colleague: opened from their own LMS launch, it names them
    reviewer. Only the token's hash is kept."""

    __tablename__ = "badge_reviewer_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    badge_id: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class Submission(db.Model):
    """A learner's work for one demonstrated badge: draft → submitted → returned (revise, submit again) or
    accepted (the badge is awarded). One per person and badge; its revisions are counted in `revision`."""

    __tablename__ = "badge_submissions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_id", "badge_id"),
        Index("ix_badge_submissions_queue", "organisation_id", "state", "submitted_at"),
    )
    DRAFT, SUBMITTED, RETURNED, ACCEPTED = "draft", "submitted", "returned", "accepted"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # in URLs: never a guessable number
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    badge_id: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    text: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised as the modules are
    links: Mapped[list] = mapped_column(JSONType, default=list)  # http(s) URLs
    revision: Mapped[int] = mapped_column(Integer, default=1)  # 1, then +1 each time a returned one is revised
    evidence_public: Mapped[bool] = mapped_column(default=False)  # the earner lets the evidence page show it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    files: Mapped[list["SubmissionFile"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionFile.id"
    )
    reviews: Mapped[list["Review"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Review.id"
    )

    @property
    def is_editable(self) -> bool:
        return self.state in (self.DRAFT, self.RETURNED)

    @property
    def latest_review(self) -> "Review | None":
        return self.reviews[-1] if self.reviews else None


class SubmissionFile(db.Model):
    """A file attached to a submission, kept in the database (PostgreSQL or SQLite alike)."""

    __tablename__ = "badge_submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("badge_submissions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, cleaned; shown and used for the download
    media_type: Mapped[str] = mapped_column(String(100))  # found from the content, never taken from the upload
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))  # loaded only to download
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    submission: Mapped[Submission] = relationship(back_populates="files")


class Review(db.Model):
    """A reviewer's decision on one revision of a submission: each criterion meets / not yet with a comment, and
    accepted or returned with feedback. Kept for the record, never changed."""

    __tablename__ = "badge_reviews"
    ACCEPTED, RETURNED = "accepted", "returned"
    MEETS, NOT_YET = "meets", "not_yet"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("badge_submissions.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    reviewer_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    reviewer_role: Mapped[str] = mapped_column(String(40))  # "named" (by the admin) or "peer" (holds the badge)
    decision: Mapped[str] = mapped_column(String(20))
    criteria: Mapped[list] = mapped_column(JSONType)  # [{"id", "result": meets|not_yet, "comment"}], brief order
    feedback: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    submission: Mapped[Submission] = relationship(back_populates="reviews")
