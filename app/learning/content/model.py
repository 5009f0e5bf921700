"""The path model and its modules as loaded from `modules/`: immutable, with text in several locales
(docs/content.md)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType

DEFAULT_LOCALE = "en"

ACTIVITY_TYPES = ("single_choice", "multiple_choice", "scenario", "reflection", "checklist")
CHOICE_TYPES = ("single_choice", "multiple_choice", "scenario")


@dataclass(frozen=True)
class Source:
    """Where a thing was written: a file relative to the content directory and a 1-based line."""

    file: str
    line: int | None = None


@dataclass(frozen=True)
class Text:
    """One text in several locales; English is always there and is what a missing locale shows."""

    values: Mapping[str, str]

    def __post_init__(self):
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def localised(self, locale: str) -> str:
        return self.values.get(locale) or self.values.get(DEFAULT_LOCALE, "")

    def has(self, locale: str) -> bool:
        return bool(self.values.get(locale))

    @property
    def english(self) -> str:
        return self.values.get(DEFAULT_LOCALE, "")

    def with_locale(self, locale: str, text: str | None) -> "Text":
        if not text:
            return self
        return Text({**self.values, locale: text})


def english(text: str) -> Text:
    return Text({DEFAULT_LOCALE: text})


@dataclass(frozen=True)
class Level:
    id: str
    order: int
    title: Text
    source: Source = field(compare=False, default=None)

    def localised(self, locale: str) -> str:
        return self.title.localised(locale)


@dataclass(frozen=True)
class Statement:
    """A can-do statement a teacher rates themselves on, in one area at one level."""

    id: str
    area: str
    level: str
    text: Text
    source: Source = field(compare=False, default=None)

    def localised(self, locale: str) -> str:
        return self.text.localised(locale)


@dataclass(frozen=True)
class Area:
    id: str
    title: Text
    description: Text
    statements: Mapping[str, tuple[Statement, ...]]  # level id → statements, for the levels this area defines
    source: Source = field(compare=False, default=None)

    def __post_init__(self):
        object.__setattr__(self, "statements", MappingProxyType(dict(self.statements)))

    def localised(self, locale: str) -> str:
        return self.title.localised(locale)

    def statements_at(self, level_id: str) -> tuple[Statement, ...]:
        return self.statements.get(level_id, ())


@dataclass(frozen=True)
class Option:
    """One answer of a question or one choice of a scenario, with the feedback the learner sees after picking it."""

    id: str
    text: Text
    correct: bool
    feedback: Text
    source: Source = field(compare=False, default=None)
    keep_place: bool = False  # shown where the file puts it ("none of the above"), not shuffled

    def localised(self, locale: str) -> str:
        return self.text.localised(locale)


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: Text
    source: Source = field(compare=False, default=None)

    def localised(self, locale: str) -> str:
        return self.text.localised(locale)


@dataclass(frozen=True)
class Activity:
    """A question, scenario, reflection prompt or checklist inside a section.

    A scored activity may carry variants: other versions of the question (the same type and weight, their own
    prompt, options and feedback) with ids under the activity's, e.g. `ka1-who.v2`. Each attempt at the module
    shows one version of it (app.learning.attempts); the activity itself is the first version.
    """

    id: str
    type: str
    prompt: Text
    options: tuple[Option, ...] = ()
    items: tuple[ChecklistItem, ...] = ()
    source: Source = field(compare=False, default=None)
    variants: tuple["Activity", ...] = ()

    def localised(self, locale: str) -> str:
        return self.prompt.localised(locale)

    @property
    def versions(self) -> tuple["Activity", ...]:
        return (self, *self.variants)

    def version(self, version_id: str) -> "Activity | None":
        return next((version for version in self.versions if version.id == version_id), None)

    @property
    def correct_option_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)

    @property
    def is_scored(self) -> bool:
        """Questions always count towards the score; a scenario only when it marks its best choice."""
        return self.type in ("single_choice", "multiple_choice") or (
            self.type == "scenario" and any(option.correct for option in self.options)
        )


@dataclass(frozen=True)
class Section:
    """One screen: a heading, Markdown text, then its activities."""

    id: str
    title: Text
    body: Text  # Markdown; render with app.learning.content.rendering
    activities: tuple[Activity, ...] = ()
    source: Source = field(compare=False, default=None)

    def localised(self, locale: str) -> str:
        return self.title.localised(locale)


@dataclass(frozen=True)
class CompletionRule:
    """When a module counts as completed: every section seen and, if set, at least min_score % of the scored answers
    right."""

    all_sections_seen: bool = True
    min_score: int | None = None


def attempt_score(right: int, scored: int) -> int:
    """The percentage an attempt scores: scored activities right at the first answer, of all scored ones.

    Here, with the completion rule it is compared with, so the content checks (quality.py) and the attempt rules
    (app.learning.attempts, which re-exports it) share it without importing each other."""
    return round(100 * right / scored) if scored else 100


@dataclass(frozen=True)
class Module:
    id: str
    title: Text
    area: str
    level: str
    minutes: int
    outcomes: tuple[Text, ...]
    completion: CompletionRule
    sections: tuple[Section, ...]
    translations: tuple[str, ...] = ()  # locales with a translation file
    teaches: tuple[str, ...] = ()  # ids of the can-do statements of its cell it teaches
    sources: tuple[str, ...] = ()  # the published pages its facts come from
    checked: date | None = None  # the day its facts were last verified against those pages
    source: Source = field(compare=False, default=None)
    key_lines: Mapping[str, int] = field(compare=False, default_factory=dict)  # front-matter key → line

    def localised(self, locale: str) -> str:
        return self.title.localised(locale)

    def is_in(self, locale: str) -> bool:
        """Whether a reader of `locale` gets the module in their language (English is the source)."""
        return locale == DEFAULT_LOCALE or locale in self.translations

    def source_of(self, key: str) -> Source:
        """Where a front-matter key is written, so a problem with it points at its own line."""
        return Source(self.source.file, self.key_lines.get(key, self.source.line))

    def section(self, section_id: str) -> Section | None:
        return next((section for section in self.sections if section.id == section_id), None)

    @property
    def activities(self) -> tuple[Activity, ...]:
        return tuple(activity for section in self.sections for activity in section.activities)


@dataclass(frozen=True)
class PathModel:
    """The whole path: levels in order, the competence areas with their can-do statements, and the modules."""

    levels: tuple[Level, ...]
    areas: tuple[Area, ...]
    modules: tuple[Module, ...] = ()

    def level(self, level_id: str) -> Level | None:
        return next((level for level in self.levels if level.id == level_id), None)

    def area(self, area_id: str) -> Area | None:
        return next((area for area in self.areas if area.id == area_id), None)

    def module(self, module_id: str) -> Module | None:
        return self._modules_by_id.get(module_id)

    def modules_for(self, area_id: str, level_id: str) -> tuple[Module, ...]:
        return self._modules_by_area_and_level.get((area_id, level_id), ())

    @cached_property
    def _modules_by_id(self) -> dict[str, Module]:
        modules: dict[str, Module] = {}
        for module in self.modules:
            modules.setdefault(module.id, module)  # the first of a repeated id, as a scan in order would find
        return modules

    @cached_property
    def _modules_by_area_and_level(self) -> dict[tuple[str, str], tuple[Module, ...]]:
        # Placement asks for every area and level of every row of the dashboard (and the rows name each member's
        # modules): index the modules once per model.
        found: dict[tuple[str, str], list[Module]] = {}
        for module in self.modules:
            found.setdefault((module.area, module.level), []).append(module)
        return {key: tuple(modules) for key, modules in found.items()}

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(
            statement
            for area in self.areas
            for level in self.levels
            for statement in area.statements_at(level.id)
        )
