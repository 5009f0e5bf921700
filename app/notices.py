"""What waits for the person in the tool (work to review, a submission returned): a registry the features fill
and the page layout reads, so the layout never imports a feature (docs/architecture.md)."""
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, has_request_context
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

PROVIDERS = "notice_providers"


@dataclass(frozen=True)
class Notice:
    text: str  # translated, with the count in it
    url: str
    count: int


def register_notices(app, provider: Callable[[], list[Notice]]) -> None:
    """A feature's notices for the current launch's person (called on pages that have a launch)."""
    app.extensions.setdefault(PROVIDERS, []).append(provider)


def waiting_notices() -> list[Notice]:
    """Every feature's notices; none when the database cannot say (an error page must still render)."""
    if not has_request_context():
        return []
    try:
        return [notice for provider in current_app.extensions.get(PROVIDERS, []) for notice in provider()]
    except SQLAlchemyError:
        log.warning("notices left out: the database did not answer", exc_info=True)
        return []
