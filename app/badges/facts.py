"""A badge's micro-credential facts (Council Recommendation 2022/C 243/02, Annex I): what the badge file states
(outcomes, form of participation, quality assurance, EQF level) and what follows from the path and the catalogue
(notional workload, type of assessment, supervision and identity verification, prerequisites, stackability).

The workload is the reading time of the modules the badge rests on, plus a demonstrated badge's expected hours:
a module's section words at WORDS_PER_MINUTE and REFLECTION_MINUTES per reflection activity, rounded up to the
half hour over all the modules. A participation badge rests on the fewest modules that meet its rule; a
demonstrated badge on those of its prerequisites.

Derived sentences are Texts in every language of the installation (gettext under each locale), so the award
page shows them in the reader's language and the credentials in English.
"""
import math
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from app.badges.criteria import modules_needed, rule_modules
from app.badges.definitions import (
    AREA_LEVEL_COMPLETED,
    LEVEL_IN_AREAS,
    MODULE_COMPLETED,
    BadgeCatalogue,
    BadgeDefinition,
    Rule,
)
from app.learning.content.model import DEFAULT_LOCALE, Module, PathModel, Text
from app.learning.content.validation import count_words

WORDS_PER_MINUTE = 150
REFLECTION_MINUTES = 3
REFLECTION = "reflection"


@dataclass(frozen=True)
class BadgeFacts:
    """Everything an employer needs to read a badge as a micro-credential."""

    badge_id: str
    demonstrated: bool
    outcomes: tuple[Text, ...]  # empty when the badge file states no facts yet
    modules: tuple[Module, ...]  # the modules the badge rests on
    reading_hours: float  # of those modules, rounded up to the half hour
    workload_hours: float  # reading_hours + a demonstrated badge's brief.expected_hours
    workload: Text  # "2.5 h"
    assessment: Text
    participation: Text | None
    supervision: Text
    prerequisites: Text | None  # demonstrated: what must hold before a submission; participation: None
    counts_towards: tuple[BadgeDefinition, ...]  # other badges whose rules count modules this one rests on
    eqf_level: int | None
    quality_assurance: Text | None

    def english_lines(self) -> list[tuple[str, str | list[str]]]:
        """(label, value) pairs in English, for the credentials' descriptions (no stated fact: no line); the
        outcomes are a list."""
        lines = []
        if self.outcomes:
            lines.append(("Learning outcomes", [outcome.english for outcome in self.outcomes]))
        lines += [("Notional workload", f"{_hours(self.workload_hours)} hours"),
                  ("Type of assessment", self.assessment.english)]
        if self.participation:
            lines.append(("Form of participation", self.participation.english))
        lines.append(("Supervision and identity verification", self.supervision.english))
        if self.prerequisites:
            lines.append(("Prerequisites", self.prerequisites.english))
        if self.counts_towards:
            lines.append(("Counts towards", "; ".join(badge.name.english for badge in self.counts_towards)))
        if self.eqf_level:
            lines.append(("EQF level", str(self.eqf_level)))
        if self.quality_assurance:
            lines.append(("Quality assurance", self.quality_assurance.english))
        return lines

    def english_summary(self) -> str:
        """The facts as a Markdown list (OB 3.0 description and narratives are Markdown; OB 2.0 shows it as text)."""
        return "\n".join(
            f"- {label}:" + "".join(f"\n  - {item}" for item in value) if isinstance(value, list)
            else f"- {label}: {value}" for label, value in self.english_lines())

    def tags(self) -> list[str]:
        """Short searchable keywords for the credentials' tags."""
        tags = ["micro-credential", f"workload {_hours(self.workload_hours)} h",
                "assessment: reviewed artefact" if self.demonstrated else "assessment: automatic quiz"]
        if self.eqf_level:
            tags.append(f"EQF level {self.eqf_level}")
        return tags


def badge_facts(badge: BadgeDefinition, path: PathModel | None, catalogue: BadgeCatalogue) -> BadgeFacts:
    """The facts of a badge of the catalogue, read against the path the app serves."""
    rule = badge.prerequisites if badge.is_demonstrated else badge.rule
    modules = modules_needed(rule, path) if (rule and path) else ()
    reading = reading_hours(modules)
    extra = badge.brief.expected_hours if badge.brief else 0
    workload = reading + extra
    stated = badge.facts
    return BadgeFacts(
        badge_id=badge.id,
        demonstrated=badge.is_demonstrated,
        outcomes=stated.outcomes if stated else (),
        modules=modules,
        reading_hours=reading,
        workload_hours=workload,
        workload=_text(lambda: _("%(hours)s h", hours=format_decimal(workload))),
        assessment=_assessment(badge, modules),
        participation=stated.participation if stated else None,
        supervision=_text(lambda: _("unsupervised; identity from the LMS login")),
        prerequisites=_prerequisites(badge.prerequisites, path) if badge.is_demonstrated and path else None,
        counts_towards=counts_towards(badge, modules, path, catalogue),
        eqf_level=stated.eqf_level if stated else None,
        quality_assurance=stated.quality_assurance if stated else None,
    )


def module_reading_minutes(module: Module) -> float:
    """The English section words at WORDS_PER_MINUTE, plus REFLECTION_MINUTES per reflection activity."""
    words = sum(count_words(section.body.english) for section in module.sections)
    reflections = sum(1 for activity in module.activities if activity.type == REFLECTION)
    return words / WORDS_PER_MINUTE + REFLECTION_MINUTES * reflections


def reading_hours(modules) -> float:
    """The modules' reading time, rounded up to the half hour (0 for no module)."""
    minutes = sum(module_reading_minutes(module) for module in modules)
    return math.ceil(round(minutes, 6) / 30) / 2


def counts_towards(badge: BadgeDefinition, modules, path: PathModel | None,
                   catalogue: BadgeCatalogue) -> tuple[BadgeDefinition, ...]:
    """The other badges whose rules count a module this badge rests on: what earning it also brings closer."""
    if path is None:
        return ()
    own = {module.id for module in modules}
    return tuple(other for other in catalogue.participation
                 if other.id != badge.id and other.rule
                 and own & {module.id for module in rule_modules(other.rule, path)})


def _assessment(badge: BadgeDefinition, modules) -> Text:
    if badge.is_demonstrated:
        return _text(lambda: _("artefact reviewed by a named colleague against the criteria"))
    scores = sorted({module.completion.min_score for module in modules if module.completion.min_score is not None})
    if not scores:
        return _text(lambda: _("automatic: every section of the modules seen, no quiz"))
    if len(scores) == 1:
        return _text(lambda: _("automatic quiz: first answers count, at least %(score)s %% right", score=scores[0]))
    return _text(lambda: _("automatic quiz: first answers count, at least %(lowest)s–%(highest)s %% right "
                           "depending on the module", lowest=scores[0], highest=scores[-1]))


def _prerequisites(rule: Rule | None, path: PathModel) -> Text | None:
    if rule is None:
        return None
    if rule.type == MODULE_COMPLETED:
        module = path.module(rule.module)
        return _text(lambda locale: _("the module “%(module)s” completed", module=module.title.localised(locale)))
    level = path.level(rule.level) if rule.level else None
    if rule.type == AREA_LEVEL_COMPLETED:
        area = path.area(rule.area)
        return _text(lambda locale: _("every module of “%(area)s” at level “%(level)s” completed",
                                      area=area.title.localised(locale), level=level.title.localised(locale)))
    if rule.type == LEVEL_IN_AREAS:
        return _text(lambda locale: _("every module of level “%(level)s” completed in %(count)s of the path's areas",
                                      level=level.title.localised(locale), count=rule.areas))
    return _text(lambda: _("every module of the path completed"))


def _text(render: Callable) -> Text:
    """A sentence in every language of the installation: `render` (optionally taking the locale) called under
    each locale; English when there is no app (its gettext then formats the msgid)."""
    def call(locale):
        return render(locale) if render.__code__.co_argcount else render()

    if not has_app_context():
        return Text({DEFAULT_LOCALE: call(DEFAULT_LOCALE)})
    values = {}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            values[locale] = call(locale)
    return Text(values)


def _hours(hours: float) -> str:
    return f"{hours:g}"
