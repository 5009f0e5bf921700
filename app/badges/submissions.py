"""Demonstrated badges: a learner's submission (draft, submitted, returned, accepted), the organisation's reviewers
and their decisions; accepting awards the badge with the reviewed criteria as evidence (docs/badges.md).

Rules kept here, whatever page or command calls: a submission only once the badge's prerequisites hold; edits only
while it is a draft or returned; a review only by a reviewer of the same organisation who is not the submitter;
one decision per submitted revision (the row is locked, so two reviewers accepting at once award once).
"""
import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, or_, select, update

from app.badges.awarding import award_badge
from app.badges.catalogue import badge_catalogue, demonstrated_prerequisites
from app.badges.criteria import module_groups
from app.badges.definitions import REVIEWERS_WITH_PEERS, BadgeDefinition
from app.badges.evidence_files import MAX_FILES, FileRefused, check_file
from app.badges.models import BadgeAward, BadgeReviewer, Review, ReviewerInvitation, Submission, SubmissionFile
from app.badges.standing import badge_standing, review_condition, review_key
from app.errors import AppError, Forbidden, NotFound
from app.extensions import db
from app.i18n import current_language
from app.jobs.mail import queue_email
from app.learning.content.model import PathModel
from app.learning.progress import completed_module_ids
from app.models_base import among
from app.tenancy.services import scoped

log = logging.getLogger(__name__)

MAX_TEXT_CHARACTERS = 30_000
MAX_LINKS = 10
INVITATION_DAYS = 14
NAMED, PEER = "named", "peer"
REVIEWER_ROLES = {  # how a reviewer came to review, as the credential's evidence says it (English)
    NAMED: "A colleague the organisation's administrator named reviewer",
    PEER: "A colleague who holds this badge",
}


class SubmissionRefused(AppError):
    status = 409


# --- the learner's side ---------------------------------------------------------------------------------------


def demonstrated_badge(badge_id: str) -> BadgeDefinition:
    badge = badge_catalogue().badge(badge_id)
    if badge is None or not badge.is_demonstrated:
        raise NotFound(_("There is no badge “%(badge)s” to submit work for.", badge=badge_id),
                       hint=_("Go back to My badges and choose a badge there."))
    return badge


def prerequisites_met(path: PathModel, badge: BadgeDefinition, organisation_id: int, person_id: int) -> bool:
    """Whether the person completed the modules the badge builds on, against `path`: the same module groups the path
    page asks of every demonstrated badge (demonstrated_prerequisites keeps them for the current path), so the page
    and the submit check never disagree."""
    return module_groups(badge.prerequisites, path).met(completed_module_ids(organisation_id, person_id))


def submission_of(organisation_id: int, person_id: int, badge_id: str, *, lock: bool = False) -> Submission | None:
    query = scoped(Submission, organisation_id).where(Submission.person_id == person_id,
                                                      Submission.badge_id == badge_id)
    return db.session.scalars(query.with_for_update() if lock else query).first()


def submissions_of(organisation_id: int, person_id: int) -> dict[str, Submission]:
    rows = db.session.scalars(_submissions_of_person(), {"organisation_id": organisation_id, "person_id": person_id})
    return {submission.badge_id: submission for submission in rows}


@functools.cache
def _submissions_of_person():
    """Built once: the path page runs it on every launch, and building it cost more than running it."""
    return scoped(Submission, bindparam("organisation_id")).where(Submission.person_id == bindparam("person_id"))


def draft_for(organisation_id: int, person_id: int, badge: BadgeDefinition, path: PathModel, *,
              now: datetime) -> Submission:
    """The person's submission for the badge, started as a draft the first time (once the prerequisites hold)."""
    submission = submission_of(organisation_id, person_id, badge.id, lock=True)
    if submission is not None:
        return submission
    if not prerequisites_met(path, badge, organisation_id, person_id):
        raise SubmissionRefused(
            _("You can submit work for this badge once you have completed the modules it builds on."),
            hint=_("The badge's page lists them; complete them first."))
    submission = Submission(public_id=secrets.token_urlsafe(18), organisation_id=organisation_id,
                            person_id=person_id, badge_id=badge.id, state=Submission.DRAFT, text="", links=[],
                            revision=1, created_at=now, updated_at=now)
    db.session.add(submission)
    db.session.flush()
    return submission


def save_draft(submission: Submission, *, text: str, links: list[str], evidence_public: bool,
               now: datetime) -> None:
    """Keep the text (Markdown), the links and the earner's choice about a public evidence page."""
    _editable(submission)
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_CHARACTERS:
        raise SubmissionRefused(_("Your text is too long: keep it under %(count)s characters.",
                                  count=MAX_TEXT_CHARACTERS), status=400)
    links = [link.strip() for link in links if link and link.strip()]
    if len(links) > MAX_LINKS:
        raise SubmissionRefused(_("Add at most %(count)s links.", count=MAX_LINKS), status=400)
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 2000:
            raise SubmissionRefused(
                _("“%(link)s” is not a web address. Write links in full, starting with https://.", link=link[:200]),
                status=400)
    submission.text, submission.links, submission.evidence_public = text, links, evidence_public
    submission.updated_at = now


def add_file(submission: Submission, filename: str, content: bytes, *, now: datetime) -> SubmissionFile:
    _editable(submission)
    if len(submission.files) >= MAX_FILES:
        raise SubmissionRefused(_("A submission holds at most %(count)s files: remove one before adding another.",
                                  count=MAX_FILES), status=400)
    try:
        checked = check_file(filename, content)
    except FileRefused as refused:
        raise SubmissionRefused({
            "too_big": _("“%(name)s” is larger than 10 MB. Attach a smaller file, or put it online and add a link.",
                         name=filename[:200]),
            "empty": _("“%(name)s” is empty.", name=filename[:200]),
            "wrong_type": _("“%(name)s” is not a PDF, ODT, DOCX, PNG or JPEG file. Save it in one of these "
                            "formats and attach it again.", name=filename[:200]),
        }[refused.reason], status=400) from None
    attached = SubmissionFile(public_id=secrets.token_urlsafe(18), filename=checked.filename,
                              media_type=checked.media_type, size=checked.size, sha256=checked.sha256,
                              content=checked.content, uploaded_at=now)
    submission.files.append(attached)
    submission.updated_at = now
    db.session.flush()
    return attached


def remove_file(submission: Submission, file_id: str, *, now: datetime) -> None:
    _editable(submission)
    attached = next((item for item in submission.files if item.public_id == file_id), None)
    if attached is None:
        raise NotFound(_("That file is not part of this submission."))
    submission.files.remove(attached)
    submission.updated_at = now


def submit(submission: Submission, badge: BadgeDefinition, path: PathModel, *, now: datetime) -> None:
    """Send the draft (or the revised returned submission) to the reviewers."""
    _editable(submission)
    if not prerequisites_met(path, badge, submission.organisation_id, submission.person_id):
        raise SubmissionRefused(
            _("You can submit work for this badge once you have completed the modules it builds on."))
    if not (submission.text or submission.files or submission.links):
        raise SubmissionRefused(_("Your submission is empty: write your work, attach a file or add a link first."),
                                status=400)
    if submission.state == Submission.RETURNED:
        submission.revision += 1
    submission.state, submission.submitted_at, submission.updated_at = Submission.SUBMITTED, now, now
    log.info("submission %s for badge %s submitted (revision %s)", submission.id, badge.id, submission.revision)
    _email_reviewers(submission, badge)


def _editable(submission: Submission) -> None:
    if not submission.is_editable:
        raise SubmissionRefused(
            _("This submission was submitted and cannot be changed now.") if submission.state == Submission.SUBMITTED
            else _("This submission was accepted and cannot be changed."),
            hint=_("A reviewer's decision comes first; a returned submission can be revised."))


# --- reviewers ---------------------------------------------------------------------------------------------------


def reviewer_roles(organisation_id: int, person_id: int) -> dict[str, str]:
    """Badge id → NAMED or PEER, for every demonstrated badge the person may review in their organisation (two
    queries, whatever the number of badges)."""
    demonstrated = badge_catalogue().demonstrated
    named = set(db.session.scalars(select(BadgeReviewer.badge_id).where(
        BadgeReviewer.organisation_id == organisation_id, BadgeReviewer.person_id == person_id)))
    roles = {badge.id: NAMED for badge in demonstrated if None in named or badge.id in named}
    peer_badges = [badge.id for badge in demonstrated if badge.reviewers == REVIEWERS_WITH_PEERS
                   and badge.id not in roles]
    if peer_badges:
        roles.update((badge_id, PEER) for badge_id in db.session.scalars(select(BadgeAward.badge_id).where(
            BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person_id,
            BadgeAward.badge_id.in_(peer_badges), BadgeAward.revoked_at.is_(None))))
    return roles


def reviewer_role(organisation_id: int, person_id: int, badge: BadgeDefinition) -> str | None:
    """NAMED, PEER or None: whether the person may review this badge's submissions in their organisation."""
    return reviewer_roles(organisation_id, person_id).get(badge.id)


def reviewable_badges(organisation_id: int, person_id: int) -> list[BadgeDefinition]:
    roles = reviewer_roles(organisation_id, person_id)
    return [badge for badge in badge_catalogue().demonstrated if badge.id in roles]


def _to_review(organisation_id: int, person_id: int):
    """SQL condition on Submission: submitted work for a demonstrated badge that the person may review, never their
    own (app.badges.standing: the navigation counts it)."""
    return review_condition(organisation_id, person_id, *review_key())


def review_queue(organisation_id: int, person_id: int) -> list[Submission]:
    """Submitted work the person may review, oldest first; never their own."""
    return list(db.session.scalars(select(Submission).where(_to_review(organisation_id, person_id))
                                   .order_by(Submission.submitted_at, Submission.id)))


def submission_for_review(organisation_id: int, person_id: int, public_id: str, *,
                          lock: bool = False) -> tuple[Submission, BadgeDefinition, str]:
    """(submission, badge, reviewer role), or Forbidden/NotFound: another organisation's work does not exist here."""
    query = scoped(Submission, organisation_id).where(Submission.public_id == public_id)
    submission = db.session.scalars(query.with_for_update() if lock else query).first()
    if submission is None:
        raise NotFound(_("There is no such submission."), hint=_("Go back to the review queue."))
    badge = demonstrated_badge(submission.badge_id)
    if submission.person_id == person_id:
        raise Forbidden(_("Nobody reviews their own submission."))
    role = reviewer_role(organisation_id, person_id, badge)
    if role is None:
        raise Forbidden(_("You are not a reviewer of this badge."),
                        hint=_("Your organisation's administrator names reviewers."))
    return submission, badge, role


def decide(organisation_id: int, reviewer_person_id: int, public_id: str, *, results: dict[str, tuple[str, str]],
           accept: bool, feedback: str, now: datetime) -> Review:
    """Record a reviewer's decision on the submitted revision; accepting awards the badge (exactly once)."""
    submission, badge, role = submission_for_review(organisation_id, reviewer_person_id, public_id, lock=True)
    if submission.state != Submission.SUBMITTED:
        raise SubmissionRefused(
            _("This submission was already decided (%(state)s); nothing was changed.", state=_state_word(submission)),
            hint=_("Reload the review queue to see what waits."))
    criteria = []
    for criterion in badge.brief.criteria:
        result, comment = results.get(criterion.id, (None, ""))
        if result not in (Review.MEETS, Review.NOT_YET):
            raise SubmissionRefused(_("Judge every criterion (meets or not yet) before deciding."), status=400)
        criteria.append({"id": criterion.id, "result": result, "comment": (comment or "").strip()[:2000]})
    if accept and any(item["result"] != Review.MEETS for item in criteria):
        raise SubmissionRefused(
            _("A submission is accepted only when it meets every criterion; return it with feedback instead."),
            status=400)
    feedback = (feedback or "").strip()[:5000]
    if not accept and not feedback:
        raise SubmissionRefused(_("Say what to improve before returning the submission."), status=400)
    review = Review(revision=submission.revision, reviewer_person_id=reviewer_person_id, reviewer_role=role,
                    decision=Review.ACCEPTED if accept else Review.RETURNED, criteria=criteria, feedback=feedback,
                    decided_at=now)
    submission.reviews.append(review)
    submission.state = Submission.ACCEPTED if accept else Submission.RETURNED
    submission.decided_at = submission.updated_at = now
    db.session.flush()
    if accept:
        award_badge(organisation_id, submission.person_id, badge, now=now, how=BadgeAward.REVIEWED,
                    evidence=[_evidence(submission, badge, review)], narrative=_narrative(badge, review))
    _email_learner(submission, badge, accepted=accept)
    log.info("submission %s for badge %s %s by person %s", submission.id, badge.id, review.decision,
             reviewer_person_id)
    return review


def _evidence(submission: Submission, badge: BadgeDefinition, review: Review) -> dict:
    """The award's evidence (app.badges.ob2/ob3 turn it into the credentials' evidence and results)."""
    return {"type": "reviewed_submission", "submission": submission.public_id,
            "reviewed_at": review.decided_at.isoformat(), "reviewer_role": REVIEWER_ROLES[review.reviewer_role],
            "criteria": review.criteria, "public_page": bool(submission.evidence_public),
            "narrative": _narrative(badge, review)}


def _narrative(badge: BadgeDefinition, review: Review) -> str:
    met = "; ".join(badge.brief.criterion(item["id"]).text.english for item in review.criteria
                    if badge.brief.criterion(item["id"]))
    return f"{badge.brief.title.english}: reviewed by {REVIEWER_ROLES[review.reviewer_role].lower()}; meets: {met}."


def _state_word(submission: Submission) -> str:
    return {Submission.ACCEPTED: _("accepted"), Submission.RETURNED: _("returned"),
            Submission.DRAFT: _("draft"), Submission.SUBMITTED: _("submitted")}[submission.state]


# --- e-mail (only where the installation sets SMTP_URL; the notices in the tool are always there) -----------------


def _email_reviewers(submission: Submission, badge: BadgeDefinition) -> None:
    """Each named reviewer of the badge with an e-mail address hears that work waits, in their own language."""
    from app.tenancy.models import Person

    reviewers = db.session.scalars(select(Person).join(BadgeReviewer, BadgeReviewer.person_id == Person.id).where(
        BadgeReviewer.organisation_id == submission.organisation_id, Person.id != submission.person_id,
        or_(BadgeReviewer.badge_id.is_(None), BadgeReviewer.badge_id == badge.id)).distinct())
    for reviewer in reviewers:
        with force_locale(reviewer.locale or "en"):
            queue_email(reviewer.email, _("Work to review: %(title)s", title=badge.brief.title.localised(
                current_language())), _(
                "A colleague submitted work for the badge “%(badge)s” and it waits for a reviewer.\n\n"
                "Open REX VET Path from your course in the LMS: the submissions to review are linked at the top of "
                "every page.", badge=badge.localised(current_language())), organisation_id=submission.organisation_id)


def _email_learner(submission: Submission, badge: BadgeDefinition, *, accepted: bool) -> None:
    from app.badges.recipients import chosen_email, earner_settings
    from app.tenancy.models import Person

    learner = db.session.get(Person, submission.person_id)
    earner = earner_settings(submission.organisation_id, submission.person_id)
    address = chosen_email(earner.email if earner else None, learner.email if learner else None)
    with force_locale((learner.locale if learner else None) or "en"):
        name = badge.localised(current_language())
        if accepted:
            subject, body = _("Your badge “%(badge)s” is awarded", badge=name), _(
                "A reviewer accepted your work and the badge “%(badge)s” is yours. Open REX VET Path from your "
                "course in the LMS and go to My badges to keep and share it.", badge=name)
        else:
            subject, body = _("Your work for “%(badge)s” was returned with feedback", badge=name), _(
                "A reviewer read your work for the badge “%(badge)s” and returned it with feedback. Open REX VET "
                "Path from your course in the LMS to read it, revise your work and submit it again.", badge=name)
        queue_email(address, subject, body, organisation_id=submission.organisation_id)


# --- naming reviewers (organisation admins) ------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonChoice:
    """A person as the reviewers page lists them: the LMS name, or where the LMS sends none (itslearning's default)
    their roles and courses in the LMS and their last launch, so the admin can tell people apart."""

    person: object  # app.tenancy.models.Person
    roles: list[str]
    courses: list[str]


def people_to_choose(organisation_id: int) -> list[PersonChoice]:
    from app.tenancy.models import Course, Membership, Person

    memberships: dict[int, list[tuple[str, str]]] = {}
    for person_id, role, title, context_id in db.session.execute(
        select(Membership.person_id, Membership.role, Course.title, Course.context_id)
        .join(Course, Course.id == Membership.course_id).where(Membership.organisation_id == organisation_id)
        .order_by(Course.title)
    ):
        memberships.setdefault(person_id, []).append((role, title or context_id))
    people = db.session.scalars(scoped(Person, organisation_id).order_by(Person.name, Person.id))
    return [PersonChoice(person, sorted({role for role, _ in memberships.get(person.id, [])}),
                         [title for _, title in memberships.get(person.id, [])][:3]) for person in people]


def reviewers_of(organisation_id: int) -> list[BadgeReviewer]:
    return list(db.session.scalars(scoped(BadgeReviewer, organisation_id).order_by(BadgeReviewer.named_at)))


def name_reviewer(organisation_id: int, person_id: int | None, badge_id: str | None, *, named_by: str,
                  now: datetime) -> BadgeReviewer:
    from app.tenancy.models import Person

    person = db.session.get(Person, person_id) if person_id else None
    if person is None or person.organisation_id != organisation_id:
        raise NotFound(_("There is no such person in your organisation."))
    if badge_id is not None:
        demonstrated_badge(badge_id)
    existing = db.session.scalars(scoped(BadgeReviewer, organisation_id).where(
        BadgeReviewer.person_id == person_id, BadgeReviewer.badge_id.is_(None) if badge_id is None
        else BadgeReviewer.badge_id == badge_id)).first()
    if existing is not None:
        return existing
    reviewer = BadgeReviewer(organisation_id=organisation_id, person_id=person_id, badge_id=badge_id,
                             named_by=named_by[:300], named_at=now)
    db.session.add(reviewer)
    db.session.flush()
    return reviewer


def remove_reviewer(organisation_id: int, reviewer_id: int) -> None:
    db.session.execute(delete(BadgeReviewer).where(BadgeReviewer.organisation_id == organisation_id,
                                                   BadgeReviewer.id == reviewer_id))


def invite_reviewer(organisation_id: int, badge_id: str | None, *, created_by: str, now: datetime) -> str:
    """A one-time token for a reviewer link; only its hash is stored."""
    if badge_id is not None:
        demonstrated_badge(badge_id)
    token = secrets.token_urlsafe(24)
    db.session.add(ReviewerInvitation(organisation_id=organisation_id, token_hash=_hash(token), badge_id=badge_id,
                                      created_by=created_by[:300], created_at=now,
                                      expires_at=now + timedelta(days=INVITATION_DAYS)))
    return token


def accept_invitation(organisation_id: int, person_id: int, token: str, *, now: datetime) -> BadgeReviewer:
    """The colleague opened the link from their own launch: they become reviewer in the link's organisation."""
    invitation = db.session.scalars(select(ReviewerInvitation).where(
        ReviewerInvitation.token_hash == _hash(token)).with_for_update()).first()
    if invitation is None or invitation.organisation_id != organisation_id:
        raise NotFound(_("This reviewer link is not valid here."),
                       hint=_("Open it from the LMS of the organisation that sent it, or ask for a new link."))
    from app.clock import as_utc

    if invitation.used_at is not None or as_utc(invitation.expires_at) < now:
        raise SubmissionRefused(_("This reviewer link was already used or has expired."),
                                hint=_("Ask your organisation's administrator for a new link."))
    invitation.used_at, invitation.used_by_person_id = now, person_id
    return name_reviewer(organisation_id, person_id, invitation.badge_id, named_by=invitation.created_by, now=now)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- what waits for a course (the instructor's dashboard) ----------------------------------------------------------


def waiting_in_course_subquery(organisation_id: int, course_id: int):
    """Submissions of the course's members waiting for a reviewer (the instructor's dashboard shows the count): a
    scalar subquery, so that the dashboard reads it in a statement it makes anyway."""
    from app.tenancy.models import Membership

    members = select(Membership.person_id).where(Membership.organisation_id == organisation_id,
                                                 Membership.course_id == course_id)
    return select(db.func.count()).select_from(Submission).where(
        Submission.organisation_id == organisation_id, Submission.state == Submission.SUBMITTED,
        Submission.person_id.in_(members)).scalar_subquery()


# --- people's data -------------------------------------------------------------------------------------------------


def erase_submissions(sender, *, organisation_id: int, person) -> None:
    """Erasure deletes the person's submissions with their files and reviews, and their reviewer roles; reviews
    they gave stay with the submissions (anonymous: the reviewer is unlinked)."""
    for submission in submissions_of(organisation_id, person.id).values():
        db.session.delete(submission)  # with its files and reviews (the ORM's cascade: SQLite may not enforce FKs)
    db.session.execute(delete(BadgeReviewer).where(BadgeReviewer.organisation_id == organisation_id,
                                                   BadgeReviewer.person_id == person.id))
    db.session.execute(update(Review).where(Review.reviewer_person_id == person.id)
                       .values(reviewer_person_id=None))


def move_submissions(sender, *, organisation_id: int, kept, merged) -> None:
    """Merged people: the merged one's submissions move unless the kept one has one for that badge."""
    kept_badges = set(submissions_of(organisation_id, kept.id))
    for submission in submissions_of(organisation_id, merged.id).values():
        if submission.badge_id in kept_badges:
            db.session.delete(submission)
        else:
            submission.person_id = kept.id
    db.session.execute(update(Review).where(Review.reviewer_person_id == merged.id)
                       .values(reviewer_person_id=kept.id))


def move_submissions_to_organisation(sender, *, source_organisation_id: int, target_organisation_id: int, person,
                                     into_id: int, deployment_id: int | None, **_) -> None:
    """person_moved: a person who moves wholly takes their submissions along; reviewer roles stay behind (they were
    given by the old organisation's administrator). A site move alone (deployment_id set) leaves both."""
    if deployment_id is not None:
        return
    db.session.execute(update(Submission).where(Submission.organisation_id == source_organisation_id,
                                                Submission.person_id == person.id)
                       .values(organisation_id=target_organisation_id, person_id=into_id))
    db.session.execute(delete(BadgeReviewer).where(BadgeReviewer.organisation_id == source_organisation_id,
                                                   BadgeReviewer.person_id == person.id))


def submissions_of_person(organisation_id: int, person_id: int) -> list[dict]:
    """The person's submissions for their data export: texts, links, files (names, types, sizes, checksums) and
    the reviews with criteria results."""
    return [{
        "badge": submission.badge_id, "state": submission.state, "revision": submission.revision,
        "text": submission.text, "links": submission.links, "evidence_public": submission.evidence_public,
        "created_at": submission.created_at.isoformat(), "submitted_at":
            submission.submitted_at.isoformat() if submission.submitted_at else None,
        "files": [{"name": item.filename, "type": item.media_type, "bytes": item.size, "sha256": item.sha256}
                  for item in submission.files],
        "reviews": [{"revision": review.revision, "decision": review.decision, "criteria": review.criteria,
                     "feedback": review.feedback, "at": review.decided_at.isoformat()}
                    for review in submission.reviews],
    } for submission in submissions_of(organisation_id, person_id).values()]


# --- what the learner sees on My badges and the path page ------------------------------------------------------------


@dataclass(frozen=True)
class DemonstratedBadge:
    """A demonstrated badge as one learner stands with it: may they submit yet, and their submission's state if any."""

    badge: BadgeDefinition
    ready: bool
    submission_state: str | None

    @property
    def state(self) -> str:
        return self.submission_state or ("open" if self.ready else "locked")


def demonstrated_for(organisation_id: int, person_id: int,
                     completed: frozenset[str] | None = None) -> list[DemonstratedBadge]:
    """The demonstrated badges as the person stands with them, against the current path; `completed` is their
    completed module ids when the caller has read them already (the path page has)."""
    if not badge_catalogue().demonstrated:
        return []
    if completed is None:
        completed = completed_module_ids(organisation_id, person_id)
    prerequisites = demonstrated_prerequisites()
    states = badge_standing(organisation_id, person_id).submission_states
    return [DemonstratedBadge(badge, prerequisites[badge.id].met(completed), states.get(badge.id))
            for badge in badge_catalogue().demonstrated]


def demonstrated_levels_by_person(organisation_id: int, person_ids) -> dict[int, dict[str, set[str]]]:
    """person id → area id → the levels their accepted work shows (valid awards of demonstrated badges)."""
    aligned = _aligned_levels()
    if not aligned or not person_ids:
        return {}
    return demonstrated_levels_in(db.session.execute(select(BadgeAward.person_id, BadgeAward.badge_id).where(
        BadgeAward.organisation_id == organisation_id, among(BadgeAward.person_id, person_ids),
        BadgeAward.badge_id.in_(list(aligned)), BadgeAward.revoked_at.is_(None))))


def demonstrated_levels_in(awards) -> dict[int, dict[str, set[str]]]:
    """The same, from (person id, badge id) of valid awards the caller has read anyway (the dashboard's badges)."""
    aligned = _aligned_levels()
    found: dict[int, dict[str, set[str]]] = {}
    for person_id, badge_id in awards:
        if badge_id in aligned:
            area, level = aligned[badge_id]
            found.setdefault(person_id, {}).setdefault(area, set()).add(level)
    return found


def _aligned_levels() -> dict[str, tuple[str, str]]:
    """Demonstrated badge id → the area and level it shows."""
    return {badge.id: (badge.align_area, badge.align_level) for badge in badge_catalogue().demonstrated
            if badge.align_area and badge.align_level}


def demonstrated_levels(organisation_id: int, person_id: int) -> dict[str, set[str]]:
    """One person's, from their valid awards (the path page reads them once for this and its badge strip)."""
    if not _aligned_levels():
        return {}
    awards = badge_standing(organisation_id, person_id).awards
    return demonstrated_levels_in((person_id, award.badge_id) for award in awards).get(person_id, {})
