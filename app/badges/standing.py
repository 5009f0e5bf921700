"""A person's badge standing: their valid awards, their submissions' states, and what waits for them (work to
review, badges revoked since they last opened My badges), read in one statement once per request.

Every page of a launch counts what waits for its navigation, and the path page (every launch's first page) shows the
badge strip, the levels demonstrated badges show and the demonstrated-badges panel too. Each statement costs more
Python (SQLAlchemy and the driver) than the database takes to answer it, so the page asks once for all of it."""
import functools
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)

from app.badges.catalogue import badge_catalogue
from app.badges.definitions import REVIEWERS_WITH_PEERS
from app.badges.models import BadgeAward, BadgeReviewer, Submission
from app.badges.revocation import unseen_revocations_count
from app.models_base import TaggedRead, read_once_per_request, read_together


class ValidAward(NamedTuple):
    """An unrevoked award, as much of it as the path page shows."""

    badge_id: str
    public_id: str
    is_private: bool


@dataclass(frozen=True)
class BadgeStanding:
    awards: list[ValidAward]  # unrevoked, newest first
    submission_states: dict[str, str]  # badge id → the state of the person's submission (at most one per badge)
    revoked: int  # awards revoked since the person last opened My badges
    to_review: int  # submitted work the person may review

    @property
    def returned(self) -> int:
        """The person's submissions returned with feedback."""
        return sum(state == Submission.RETURNED for state in self.submission_states.values())


def badge_standing(organisation_id: int, person_id: int) -> BadgeStanding:
    """The person's standing in their organisation, read once per request (afresh after the request writes); the
    path page reads it in its own statement (standing_read, app.learning.path_reads)."""
    return read_once_per_request(_standing_key(organisation_id, person_id), lambda: read_together(
        [standing_read(organisation_id, person_id)], {"organisation_id": organisation_id, "person_id": person_id})[0])


def standing_read(organisation_id: int, person_id: int) -> TaggedRead:
    """The standing as a read that can share a statement with the rest of a page's (app.models_base.read_together);
    the statement takes the organisation and the person as bind parameters."""
    return TaggedRead(_standing_key(organisation_id, person_id), _standing_statement(*review_key()), _standing_of)


def _standing_key(organisation_id: int, person_id: int) -> tuple:
    return "badge standing", organisation_id, person_id


def _standing_of(rows) -> BadgeStanding:
    awards, states, counts = [], {}, {"revoked": 0, "to_review": 0}
    for kind, badge_id, detail, is_private, count, awarded_at, award_id in rows:
        if kind == "award":
            awards.append((awarded_at, award_id, ValidAward(badge_id, detail, is_private)))
        elif kind == "submission":
            states[badge_id] = detail
        else:
            counts[kind] = count
    awards.sort(key=lambda award: award[:2], reverse=True)  # newest first (a few rows: sorted here, not in SQL)
    return BadgeStanding([award for *_sort_key, award in awards], states, **counts)


@functools.lru_cache(maxsize=16)
def _standing_statement(demonstrated_ids: tuple[str, ...], peer_badges: tuple[str, ...]):
    """Tagged rows, one statement portable to PostgreSQL and SQLite: ("award", badge id, public id, is_private,
    NULL, awarded at, award id), ("submission", badge id, state), and ("revoked" or "to_review", count). Built once
    per catalogue with the organisation and the person as bind parameters: building a statement and its cache key
    costs more than running it."""
    organisation_id, person_id = bindparam("organisation_id", type_=Integer), bindparam("person_id", type_=Integer)
    awards = select(literal_column("'award'", String).label("kind"), BadgeAward.badge_id,
                    BadgeAward.public_id.label("detail"), BadgeAward.is_private,
                    type_coerce(null(), Integer).label("count"), BadgeAward.awarded_at,
                    BadgeAward.id.label("award_id")).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person_id,
        BadgeAward.revoked_at.is_(None))

    def count_row(kind: str, count):
        return select(literal_column(f"'{kind}'"), null(), null(), null(), count, null(), null())

    parts = [awards, count_row("revoked", unseen_revocations_count(organisation_id, person_id))]
    if demonstrated_ids:  # without demonstrated badges, nothing is submitted or reviewed
        parts.append(select(literal_column("'submission'"), Submission.badge_id, Submission.state,
                            null(), null(), null(), null()).where(
            Submission.organisation_id == organisation_id, Submission.person_id == person_id))
        parts.append(count_row("to_review", select(func.count()).select_from(Submission).where(
            review_condition(organisation_id, person_id, demonstrated_ids, peer_badges)).scalar_subquery()))
    return union_all(*parts)


def review_key() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the review condition depends on in the catalogue: the demonstrated badges, and those peers review."""
    demonstrated = badge_catalogue().demonstrated
    return (tuple(badge.id for badge in demonstrated),
            tuple(badge.id for badge in demonstrated if badge.reviewers == REVIEWERS_WITH_PEERS))


def review_condition(organisation_id, person_id, demonstrated_ids: tuple[str, ...], peer_badges: tuple[str, ...]):
    """SQL condition on Submission: submitted work for a demonstrated badge that the person may review (named for
    it or for all, or a peer holding it), never their own. The review queue lists it; the standing counts it. The
    ids may be values or bind parameters (the standing's statement is built once)."""
    may_review = select(BadgeReviewer.id).where(
        BadgeReviewer.organisation_id == organisation_id, BadgeReviewer.person_id == person_id,
        or_(BadgeReviewer.badge_id.is_(None), BadgeReviewer.badge_id == Submission.badge_id)).exists()
    if peer_badges:
        holds = select(BadgeAward.id).where(
            BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person_id,
            BadgeAward.badge_id == Submission.badge_id, BadgeAward.revoked_at.is_(None)).exists()
        may_review = or_(may_review, and_(Submission.badge_id.in_(_each_bound(peer_badges)), holds))
    return and_(Submission.organisation_id == organisation_id, Submission.state == Submission.SUBMITTED,
                Submission.person_id != person_id, Submission.badge_id.in_(_each_bound(demonstrated_ids)), may_review)


def _each_bound(badge_ids: tuple[str, ...]) -> list:
    """One bind parameter per id, fixed when the statement is compiled: a plain list would be an "expanding"
    parameter, rendered again at each execution (a sixth of the path page's badge read, py-spy)."""
    return [literal(badge_id) for badge_id in badge_ids]
