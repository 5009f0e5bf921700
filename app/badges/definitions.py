"""Badge classes as loaded from `badge_templates/`: what each badge is called, what earns it, how it looks."""
from dataclasses import dataclass, field

from app.learning.content.model import Source, Text

# The rule types (docs/badges.md). Every rule counts completed modules only: a self-rating never earns a badge.
MODULE_COMPLETED = "module_completed"  # module X completed
AREA_LEVEL_COMPLETED = "area_level_completed"  # every module of area A at level L
LEVEL_IN_AREAS = "level_in_areas"  # every module of level L in at least N areas
PATH_COMPLETED = "path_completed"  # every module of the path
RULE_TYPES = (MODULE_COMPLETED, AREA_LEVEL_COMPLETED, LEVEL_IN_AREAS, PATH_COMPLETED)


@dataclass(frozen=True)
class Rule:
    type: str
    module: str | None = None
    area: str | None = None
    level: str | None = None
    areas: int | None = None  # LEVEL_IN_AREAS: how many areas


@dataclass(frozen=True)
class BadgeDefinition:
    """One badge class: texts in several locales (English fallback), its rule, alignment and image template."""

    id: str
    name: Text
    description: Text
    criteria: Text  # the narrative: what an earner did
    rule: Rule
    image: str  # an SVG template under badge_templates/images/
    colour: str
    tags: tuple[str, ...] = ()
    align_area: str | None = None
    align_level: str | None = None
    valid_for_days: int | None = None  # awards expire this long after issue; None: never
    source: Source = field(compare=False, default=None)

    def localised(self, locale: str) -> str:
        return self.name.localised(locale)


@dataclass(frozen=True)
class BadgeCatalogue:
    """Every valid badge of the installation, in file order."""

    badges: tuple[BadgeDefinition, ...] = ()
    directory: str = ""

    def badge(self, badge_id: str) -> BadgeDefinition | None:
        return next((badge for badge in self.badges if badge.id == badge_id), None)
