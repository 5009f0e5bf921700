"""Finding people of one organisation by what the admin knows of them (part of a name, an email, the LMS user id):
the merge form picks its two records from a search, never from a list of everyone (5,000 names in two selects).

Each search returns a bounded number of records, so a page built on it stays small in any organisation; more
matches than that ask for a narrower search instead of a longer page.
"""
from dataclasses import dataclass

from sqlalchemy import or_

from app.extensions import db
from app.tenancy.models import Person
from app.tenancy.paging import Page, page_of
from app.tenancy.services import scoped

SEARCH_LIMIT = 20  # records one search shows; "refine your search" beyond
SEARCH_MAX_LENGTH = 200  # characters of a search kept (a longer one cannot match a name or email anyway)
PEOPLE_PAGE_SIZE = 50  # the browsable list of everyone, one page at a time


@dataclass(frozen=True)
class PeopleFound:
    """The records matching one search: at most `limit`; `more` when others match too."""

    query: str
    people: list[Person]
    more: bool
    limit: int = SEARCH_LIMIT


def _like_pattern(text: str) -> str:
    """`text` anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _present_people(organisation_id: int):
    # Erased records are emptied rows kept for references: nobody to merge.
    return scoped(Person, organisation_id).where(Person.erased_at.is_(None))


def _by_name():
    return Person.name.is_(None), Person.name, Person.subject, Person.id


def find_people(organisation_id: int, query: str | None, *, limit: int = SEARCH_LIMIT) -> PeopleFound:
    """Records of the organisation whose name, email or LMS user id contains `query` (case-insensitive)."""
    text = " ".join((query or "").split())[:SEARCH_MAX_LENGTH]
    if not text:
        return PeopleFound(query="", people=[], more=False, limit=limit)
    pattern = _like_pattern(text)
    matches = _present_people(organisation_id).where(or_(
        Person.name.ilike(pattern, escape="\\"), Person.email.ilike(pattern, escape="\\"),
        Person.subject.ilike(pattern, escape="\\"),
    ))
    # One more than shown: whether to ask for a narrower search, without counting every match.
    found = db.session.scalars(matches.order_by(*_by_name()).limit(limit + 1)).all()
    return PeopleFound(query=text, people=list(found[:limit]), more=len(found) > limit, limit=limit)


def people_page(organisation_id: int, number: int, *, size: int = PEOPLE_PAGE_SIZE) -> Page:
    """Page `number` (from 1; past the end: the last page) of the organisation's people, by name."""
    return page_of(_present_people(organisation_id).order_by(*_by_name()), number, size)
