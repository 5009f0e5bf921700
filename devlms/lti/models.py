"""What the platform keeps for LTI security: its signing keys, the tool's keys, tokens, used assertions."""

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from devlms.extensions import db


class SigningKey(db.Model):
    """The platform's RSA key that signs id_tokens; its public half is in the platform JWKS."""

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int]


class ToolKeySet(db.Model):
    """The tool's JWKS as last fetched from its URL."""

    __tablename__ = "tool_key_set"

    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    jwks: Mapped[dict] = mapped_column(JSON)
    fetched_at: Mapped[int]


class AccessToken(db.Model):
    """An OAuth 2.0 access token given to the tool; only its hash is kept."""

    __tablename__ = "access_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    scopes: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[int]

    @property
    def scope_list(self) -> list[str]:
        """The granted scopes."""
        return self.scopes.split()


class UsedAssertion(db.Model):
    """The jti of a client assertion already exchanged for a token, kept until the assertion expires."""

    __tablename__ = "used_assertion"

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[int]
