"""Badge classes as loaded from `badge_templates/`: what each badge is called, what earns it, how it looks."""
from dataclasses import dataclass, field

from app.learning.content.model import Source, Text

# The rule types (docs/badges.md). Every rule counts completed modules only: a self-rating never earns a badge.
MODULE_COMPLETED = "module_completed"  # module X completed
AREA_LEVEL_COMPLETED = "area_level_completed"  # every module of area A at level L
LEVEL_IN_AREAS = "level_in_areas"  # every module of level L in at least N areas
PATH_COMPLETED = "path_completed"  # every module of the path
RULE_TYPES = (MODULE_COMPLETED, AREA_LEVEL_COMPLETED, LEVEL_IN_AREAS, PATH_COMPLETED)

# The two kinds of badge (docs/badges.md). A participation badge is awarded by its rule when modules are
# completed and claims only what their questions assessed; a demonstrated badge is awarded when a reviewer of
# the organisation accepts the artefact its brief asks for, and may claim the competence the criteria describe.
PARTICIPATION, DEMONSTRATED = "participation", "demonstrated"
KINDS = (PARTICIPATION, DEMONSTRATED)
# Who may review a demonstrated badge's submissions: the organisation's named reviewers, or also learners who
# hold the badge (peers). Never the submitter.
REVIEWERS_ORGANISATION, REVIEWERS_WITH_PEERS = "organisation", "organisation-and-peers"
REVIEWER_CHOICES = (REVIEWERS_ORGANISATION, REVIEWERS_WITH_PEERS)


@dataclass(frozen=True)
class Rule:
    type: str
    module: str | None = None
    area: str | None = None
    level: str | None = None
    areas: int | None = None  # LEVEL_IN_AREAS: how many areas


@dataclass(frozen=True)
class BriefCriterion:
    """One assessment criterion of a brief: what is judged, and what "meets" looks like."""

    id: str
    text: Text
    meets: Text
    source: Source = field(compare=False, default=None)


@dataclass(frozen=True)
class Brief:
    """What a demonstrated badge asks the learner to produce, for which real situation, judged how."""

    title: Text
    task: Text
    situation: Text
    expected_hours: int
    criteria: tuple[BriefCriterion, ...]

    def criterion(self, criterion_id: str) -> BriefCriterion | None:
        return next((criterion for criterion in self.criteria if criterion.id == criterion_id), None)


@dataclass(frozen=True)
class CredentialFacts:
    """The micro-credential facts a badge file states (Council Recommendation 2022/C 243/02, Annex I); the
    workload, type of assessment, supervision and stackability are derived (app.badges.facts)."""

    outcomes: tuple[Text, ...]
    participation: Text  # form of participation, e.g. online, self-paced, individual
    quality_assurance: Text
    eqf_level: int | None = None  # only where the college claims one


@dataclass(frozen=True)
class BadgeDefinition:
    """One badge class: texts in several locales (English fallback), its rule, alignment and image template."""

    id: str
    name: Text
    description: Text
    criteria: Text  # the narrative: what an earner did
    rule: Rule | None  # participation: what awards it; demonstrated: None (a reviewer does)
    image: str  # an SVG template under badge_templates/images/
    colour: str
    tags: tuple[str, ...] = ()
    align_area: str | None = None
    align_level: str | None = None
    valid_for_days: int | None = None  # awards expire this long after issue; None: never
    source: Source = field(compare=False, default=None)
    kind: str = PARTICIPATION
    prerequisites: Rule | None = None  # demonstrated: what must hold before a submission
    brief: Brief | None = None  # demonstrated: the artefact asked for
    reviewers: str = REVIEWERS_ORGANISATION
    facts: CredentialFacts | None = None

    def localised(self, locale: str) -> str:
        return self.name.localised(locale)

    @property
    def is_demonstrated(self) -> bool:
        return self.kind == DEMONSTRATED


@dataclass(frozen=True)
class BadgeCatalogue:
    """Every valid badge of the installation, in file order."""

    badges: tuple[BadgeDefinition, ...] = ()
    directory: str = ""

    def badge(self, badge_id: str) -> BadgeDefinition | None:
        return next((badge for badge in self.badges if badge.id == badge_id), None)

    @property
    def participation(self) -> tuple[BadgeDefinition, ...]:
        """The badges their rules award when modules are completed."""
        return tuple(badge for badge in self.badges if not badge.is_demonstrated)

    @property
    def demonstrated(self) -> tuple[BadgeDefinition, ...]:
        """The badges a reviewer awards by accepting a submission."""
        return tuple(badge for badge in self.badges if badge.is_demonstrated)
