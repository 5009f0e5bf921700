"""Tools that registered themselves (LTI Dynamic Registration), and the one-time tokens that let them."""

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from devlms.extensions import db


class RegisteredTool(db.Model):
    """A tool registered through Dynamic Registration; like Moodle, it stays pending until the LMS admin activates
    it."""

    __tablename__ = "registered_tool"
    ACTIVE, PENDING = "active", "pending"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Like Moodle's tool type id: one deployment_id for every course that uses this tool.
    deployment_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    initiate_login_uri: Mapped[str] = mapped_column(String(1000))
    redirect_uris: Mapped[list] = mapped_column(JSON)
    jwks_uri: Mapped[str] = mapped_column(String(1000))
    target_link_uri: Mapped[str] = mapped_column(String(1000))
    deep_linking_uri: Mapped[str | None] = mapped_column(String(1000))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    # The client registration as the tool sent it, and as we answered it.
    registration: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[int]


class RegistrationToken(db.Model):
    """A registration_token handed to a tool's registration URL: single use, short-lived, kept as a hash."""

    __tablename__ = "registration_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    registration_url: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[int]
    used_at: Mapped[int | None]
