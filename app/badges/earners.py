"""The earner's side: "My badges" (earned, and the next within reach with what is missing), their choices, and
the links to share an award."""
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from app.badges.awarding import awards_of
from app.badges.catalogue import badge_catalogue
from app.badges.criteria import RuleProgress, rule_progress
from app.badges.definitions import BadgeDefinition
from app.badges.issuers import IssuerProfile, issuer_for, issuer_profile
from app.badges.keys import external_url
from app.badges.models import BadgeAward, BadgeEarner
from app.badges.recipients import earner_settings, recipient_email
from app.badges.standing import badge_standing
from app.clock import as_utc
from app.errors import AppError, NotFound
from app.extensions import db
from app.learning.content.model import Area, Level, PathModel
from app.learning.progress import completed_module_ids
from app.tenancy.models import Person
from app.tenancy.services import scoped

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# W3C DID Core §3.1: did:<method>:<method-specific id>, idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded, and
# the id may hold ":" but not end with one.
DID = re.compile(r"^did:[a-z0-9]+:(?:[A-Za-z0-9._:-]|%[0-9A-Fa-f]{2})*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})$")
WITHIN_REACH = 3  # how many unearned badges "My badges" suggests


@dataclass(frozen=True)
class ShareLinks:
    """Where an award is shared from: its public page, LinkedIn's "add to profile", and an email."""

    page: str
    linkedin: str
    email: str  # mailto: with the badge's name as subject and the public page as body


@dataclass(frozen=True)
class EarnedBadge:
    award: BadgeAward
    badge: BadgeDefinition | None
    share: ShareLinks | None = None  # None: nothing to share (no definition any more, or private)
    expired: bool = False  # its expiry date has passed (it is still listed, and says so)


@dataclass(frozen=True)
class ReachableBadge:
    badge: BadgeDefinition
    progress: RuleProgress


@dataclass(frozen=True)
class MyBadges:
    earned: list[EarnedBadge]  # not revoked (expired ones included)
    revoked: list[EarnedBadge]  # newest revocation first: shown apart, without downloads or sharing
    within_reach: list[ReachableBadge]
    email: str | None  # the email OB 2.0 versions name (None: no OB 2.0 version)
    settings: BadgeEarner | None
    email_source: str | None = None  # "earner" (given on My badges), "lms" (sent by the LMS) or None
    issuer: IssuerProfile | None = None  # None when nothing is earned
    ask_name: bool = False  # badges earned, and never asked whether award pages show their name

    @property
    def issuer_id(self) -> str | None:
        return self.issuer.public_id if self.issuer else None


def my_badges(organisation_id: int, person_id: int, path: PathModel | None, *, now: datetime,
              locale: str = "en") -> MyBadges:
    catalogue = badge_catalogue()
    awards = awards_of(organisation_id, person_id)
    held = {award.badge_id for award in awards}
    issuer = issuer_profile(issuer_for(organisation_id)) if awards else None
    earned = [_earned(award, catalogue.badge(award.badge_id), issuer, locale, now=now)
              for award in awards if not award.is_revoked]
    revoked = sorted((EarnedBadge(award, catalogue.badge(award.badge_id)) for award in awards if award.is_revoked),
                     key=lambda item: (as_utc(item.award.revoked_at), item.award.id), reverse=True)
    within_reach = []
    if path is not None:
        completed = completed_module_ids(organisation_id, person_id)
        candidates = [ReachableBadge(badge, rule_progress(badge.rule, path, completed))
                      for badge in catalogue.participation if badge.id not in held]
        candidates = [candidate for candidate in candidates if candidate.progress.missing]
        # Closest first: fewest modules missing, then the larger share done.
        candidates.sort(key=lambda c: (len(c.progress.missing), -c.progress.done))
        within_reach = candidates[:WITHIN_REACH]
    settings = earner_settings(organisation_id, person_id)
    email = recipient_email(awards[0]) if awards else _email_of(organisation_id, person_id)
    source = "earner" if settings and settings.email else "lms" if email else None
    ask_name = bool(earned) and (settings is None or settings.name_chosen_at is None)
    return MyBadges(earned, revoked, within_reach, email, settings, source, issuer, ask_name)


def _earned(award: BadgeAward, badge: BadgeDefinition | None, issuer: IssuerProfile | None, locale: str, *,
            now: datetime) -> EarnedBadge:
    shareable = badge is not None and issuer is not None and not award.is_private and not award.is_revoked
    expires = as_utc(award.expires_at)
    return EarnedBadge(award, badge, share_links(award, badge, issuer, locale) if shareable else None,
                       expired=bool(expires and expires <= now))


def _email_of(organisation_id: int, person_id: int) -> str | None:
    settings = earner_settings(organisation_id, person_id)
    person = db.session.get(Person, person_id)
    return (settings.email if settings and settings.email else None) or (person.email if person else None)


def choose_name_shown(organisation_id: int, person_id: int, *, show_name: bool, now: datetime) -> BadgeEarner:
    """The earner's answer to "show my name on the public pages of my badges?", asked at their first badge."""
    settings = earner_settings(organisation_id, person_id)
    if settings is None:
        settings = BadgeEarner(organisation_id=organisation_id, person_id=person_id)
        db.session.add(settings)
    settings.show_name, settings.name_chosen_at = show_name, now
    return settings


def save_settings(organisation_id: int, person_id: int, *, email: str, show_name: bool,
                  did: str = "", now: datetime | None = None) -> BadgeEarner:
    """Keep the earner's email for OB 2.0 (a backpack checks they own it on import), the name choice, and their own
    DID if they give one (their OB 3.0 credentials then name them by it instead of the tool's urn:uuid)."""
    from flask_babel import gettext as _

    from app.badges.credentials import reissue

    email, did = email.strip(), did.strip()
    if email and (len(email) > 320 or not EMAIL.match(email)):
        raise AppError(_("“%(email)s” is not an email address.", email=email),
                       hint=_("Write the address your badge backpack knows, like name@example.org, or leave it empty."))
    if did and (len(did) > 500 or not DID.match(did)):
        raise AppError(_("“%(did)s” is not a DID.", did=did[:100]),
                       hint=_("Copy the DID your digital wallet shows, like did:key:z6Mk…, or leave it empty."))
    settings = earner_settings(organisation_id, person_id)
    if settings is None:
        settings = BadgeEarner(organisation_id=organisation_id, person_id=person_id)
        db.session.add(settings)
    changed_email = (settings.email or None) != (email or None) or (settings.did or None) != (did or None)
    settings.email, settings.show_name, settings.did = email or None, show_name, did or None
    if now is not None and settings.name_chosen_at is None:  # the form's checkbox answers the name question too
        settings.name_chosen_at = now
    if changed_email:  # the credentials name the earner by these: sign them again at their next use
        for award in awards_of(organisation_id, person_id):
            if not award.is_revoked:
                reissue(award)
    return settings


def own_award(organisation_id: int, person_id: int, public_id: str) -> BadgeAward:
    award = db.session.scalars(scoped(BadgeAward, organisation_id).where(
        BadgeAward.person_id == person_id, BadgeAward.public_id == public_id)).first()
    if award is None:
        raise NotFound("You have no such badge award.")
    return award


def shown_name(award: BadgeAward) -> str | None:
    from app.badges.recipients import earner_name

    return earner_name(award)


def linkedin_url(award: BadgeAward, badge: BadgeDefinition, issuer: IssuerProfile) -> str:
    """LinkedIn's "add to profile" link for a certification: startTask=CERTIFICATION_NAME with the name, the
    issuing organisation, the year and month issued, and the award page as certUrl (its public id as certId).

    An expiring award adds expirationYear and expirationMonth: other badge issuers send them and LinkedIn's form
    has the fields, but LinkedIn's own documents name only the parameters above (docs/badges.md)."""
    awarded = as_utc(award.awarded_at)
    query = {
        "startTask": "CERTIFICATION_NAME", "name": badge.name.english, "organizationName": issuer.name,
        "issueYear": awarded.year, "issueMonth": awarded.month,
        "certUrl": external_url("badges.award_page", award_id=award.public_id), "certId": award.public_id,
    }
    if award.expires_at:
        expires = as_utc(award.expires_at)
        query |= {"expirationYear": expires.year, "expirationMonth": expires.month}
    return "https://www.linkedin.com/profile/add?" + urlencode(query)


def share_links(award: BadgeAward, badge: BadgeDefinition, issuer: IssuerProfile, locale: str) -> ShareLinks:
    """The share row's links (My badges, the completion banner, the award page): every URL built here."""
    page = external_url("badges.award_page", award_id=award.public_id)
    email = "mailto:?" + urlencode({"subject": badge.localised(locale), "body": page}, quote_via=quote)
    return ShareLinks(page=page, linkedin=linkedin_url(award, badge, issuer), email=email)


ON_PATH_PAGE = 6  # how many earned badges the path page shows before "and N more"


@dataclass(frozen=True)
class PathBadges:
    """The path page's "Your badges": the newest valid awards (image and link each), and how many more there are."""

    shown: list[EarnedBadge]
    more: int
    issuer_id: str | None  # the issuer's public id, for the badge image URLs


def path_badges(organisation_id: int, person_id: int) -> PathBadges:
    """Earned, unrevoked badges, newest first, whose definitions still exist (`award` of each is a standing.ValidAward:
    badge_id, public_id and is_private, all the strip shows)."""
    catalogue = badge_catalogue()
    awards = badge_standing(organisation_id, person_id).awards
    earned = [EarnedBadge(award, catalogue.badge(award.badge_id)) for award in awards]
    earned = [item for item in earned if item.badge is not None]
    issuer_id = issuer_for(organisation_id).public_id if earned else None
    return PathBadges(earned[:ON_PATH_PAGE], max(0, len(earned) - ON_PATH_PAGE), issuer_id)


@dataclass(frozen=True)
class NewBadges:
    """Badges the earner has not been told of: awarded by the completion just made (or while they were away)."""

    earned: list[EarnedBadge]
    issuer_id: str | None  # the issuer's public id, for the badge image URLs


def announce_new_badges(organisation_id: int, person_id: int, *, now: datetime, locale: str = "en") -> NewBadges:
    """The person's valid awards not announced yet, marked announced now: a page says "You earned …" once."""
    catalogue = badge_catalogue()
    awards = list(db.session.scalars(scoped(BadgeAward, organisation_id).where(
        BadgeAward.person_id == person_id, BadgeAward.announced_at.is_(None), BadgeAward.revoked_at.is_(None),
    ).order_by(BadgeAward.awarded_at, BadgeAward.id)))
    for award in awards:
        award.announced_at = now
    issuer = issuer_profile(issuer_for(organisation_id)) if awards else None
    earned = [_earned(award, catalogue.badge(award.badge_id), issuer, locale, now=now) for award in awards]
    earned = [item for item in earned if item.badge is not None]
    return NewBadges(earned, issuer.public_id if earned else None)


@dataclass(frozen=True)
class BadgeSkills:
    """What a badge says its earner can do: the path's area and level it aligns to, and its tags (its keywords)."""

    area: Area | None
    level: Level | None
    tags: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.area or self.level or self.tags)


def skills_of(badge: BadgeDefinition, path: PathModel | None) -> BadgeSkills:
    """The award page's skills: the same alignment and tags the OB 3.0 Achievement carries (ob3.achievement)."""
    area = path.area(badge.align_area) if path and badge.align_area else None
    level = path.level(badge.align_level) if path and badge.align_level else None
    return BadgeSkills(area, level, tuple(badge.tags))
