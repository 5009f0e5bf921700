"""The earners' Open Badges 3.0 backpacks ("Send to my backpack", OB 3.0 §6–7): each host the tool registered
with (installation-wide), each earner's connection to one, and the authorizations waiting for the host's answer.
Secrets (the client secret, the tokens) are stored encrypted with the key-encryption keys, as badge keys are."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import JSONType, TimestampMixin


class BackpackHost(TimestampMixin, db.Model):
    """A backpack host by its base URL: the endpoints its Service Description Document names and the client the
    tool registered there (once, RFC 7591), kept for every earner who connects to it."""

    __tablename__ = "backpack_hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))  # the discovery document's info.title
    registration_url: Mapped[str] = mapped_column(String(500))
    authorization_url: Mapped[str] = mapped_column(String(500))
    token_url: Mapped[str] = mapped_column(String(500))
    refresh_url: Mapped[str | None] = mapped_column(String(500))
    scopes: Mapped[list] = mapped_column(JSONType)  # the scopes the host offers
    client_id: Mapped[str | None] = mapped_column(String(500))
    client_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BackpackConnection(db.Model):
    """An earner's permission to put credentials into their backpack on one host (OAuth 2.0 tokens, encrypted)."""

    __tablename__ = "backpack_connections"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id", "host_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("backpack_hosts.id"))
    access_token_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scope: Mapped[str] = mapped_column(Text)
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    host: Mapped[BackpackHost] = relationship(lazy="joined")


class BackpackAuthorization(db.Model):
    """An authorization request sent to a host, waiting for its redirect back: found by `state` alone (the
    callback opens in a tab of its own, with no launch and maybe no cookie), with its PKCE verifier kept here."""

    __tablename__ = "backpack_authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the state: the state is a secret
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("backpack_hosts.id"))
    code_verifier_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    host: Mapped[BackpackHost] = relationship(lazy="joined")
