"""Spent OIDC login states and launches are deleted by the worker's periodic purge once they expire."""
from datetime import datetime

from sqlalchemy import delete

from app.extensions import db
from app.lti.models import Launch, SpentLogin


def purge_expired_lti_data(now: datetime) -> int:
    """Delete spent login states and launches that expired before now; return how many rows went."""
    removed = 0
    for model in (SpentLogin, Launch):
        removed += db.session.execute(delete(model).where(model.expires_at < now)).rowcount
    return removed
