"""Accounts of the installation's administrators: the people who run the tool, not LMS users."""
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import TimestampMixin


class AdminUser(TimestampMixin, db.Model):
    """An installation admin, who logs in with a username and a password (stored only as a scrypt hash)."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every admin session carries the version it started under; logging out or a new password raises it, which
    # ends every session of this admin at its next request (the session is a signed cookie: this is its server state).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    def __repr__(self) -> str:
        # Never the hash: reprs end up in logs and tracebacks.
        return f"<AdminUser {self.id} {self.username!r}>"

