"""Content problems with file and line, and the rules a loaded path model must meet (docs/content.md, "Rules")."""
import re
from collections import Counter
from dataclasses import dataclass

from app.learning.content.model import CHOICE_TYPES, Module, PathModel, Source

ERROR, WARNING = "error", "warning"

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
LINK = re.compile(r"\[[^\]]+\]\((https?://[^)\s]+)[^)]*\)|<(https?://[^>\s]+)>")
WORD = re.compile(r"[^\W_](?:[\w'’-]*[^\W_])?")

# The training-content minimums a module must meet to be worth a teacher's time. Without --strict they are
# warnings: a college's own shorter module may run; with --strict (CI on the shipped modules) they are errors.
MIN_MINUTES, MAX_MINUTES = 10, 25
# Honest time: a non-native reader reads about 150 words a minute; a reflection asks for about 3 minutes of
# thought and writing. `minutes:` may differ from that measure by at most 30 %.
READING_WORDS_PER_MINUTE = 150
REFLECTION_MINUTES = 3
MINUTES_TOLERANCE = 0.3
MIN_SECTIONS, MAX_SECTIONS = 5, 8
MAX_SECTION_WORDS = 250
MIN_ACTIVITIES, MIN_ACTIVITY_TYPES = 3, 2


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    severity: str
    message: str
    fix: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self, directory: str = "") -> str:
        """`file:line: error: message — fix`, the form editors and CI logs can jump to."""
        path = f"{directory.rstrip('/')}/{self.file}" if directory else self.file
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.severity}: {self.message}" + (f" — {self.fix}" if self.fix else "")

    def __str__(self) -> str:
        return self.format()


class Problems(list):
    """The problems found so far, in the order found."""

    def error(self, source: Source, message: str, fix: str = "") -> None:
        self.append(Problem(source.file, source.line, ERROR, message, fix))

    def warning(self, source: Source, message: str, fix: str = "") -> None:
        self.append(Problem(source.file, source.line, WARNING, message, fix))

    def minimum(self, source: Source, message: str, fix: str, strict: bool) -> None:
        self.append(Problem(source.file, source.line, ERROR if strict else WARNING, message, fix))

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self if problem.is_error]


def count_words(markdown_text: str) -> int:
    """Words a reader reads: link targets and Markdown punctuation do not count."""
    without_urls = re.sub(r"\]\([^)]*\)", "]", markdown_text)
    without_urls = re.sub(r"<https?://[^>]*>", "link", without_urls)
    return len(WORD.findall(without_urls))


def words_read(module: Module) -> int:
    """The English words a learner reads going once through the module: every section's text and, of each activity
    as first shown (variants replace it, they do not add to it), its prompt, option and item texts and the feedback
    a learner who answers right reads: one option's (the mean of its options') and, for a multiple choice, as many
    as it has right options (the player shows the feedback of the options picked)."""
    words = 0
    for section in module.sections:
        words += count_words(section.body.english)
        for activity in section.activities:
            words += count_words(activity.prompt.english)
            words += sum(count_words(option.text.english) for option in activity.options)
            words += sum(count_words(item.text.english) for item in activity.items)
            if activity.options:
                mean_feedback = sum(count_words(option.feedback.english) for option in activity.options) / len(
                    activity.options)
                picked = len(activity.correct_option_ids) if activity.type == "multiple_choice" else 1
                words += round(mean_feedback * picked)
    return words


def measured_minutes(module: Module) -> float:
    """The module's time as measured from its text: reading at 150 words a minute plus 3 minutes per reflection."""
    reflections = sum(activity.type == "reflection" for activity in module.activities)
    return words_read(module) / READING_WORDS_PER_MINUTE + REFLECTION_MINUTES * reflections


def resource_links(markdown_text: str) -> list[str]:
    return [match.group(1) or match.group(2) for match in LINK.finditer(markdown_text)]


def check_model(model: PathModel, problems: Problems, *, strict: bool = False) -> None:
    """Every rule that spans files or looks at meaning rather than shape."""
    _check_path(model, problems)
    _check_module_ids(model, problems)
    for module in model.modules:
        check_module(module, model, problems, strict=strict)
    _check_every_statement_taught(model, problems, strict)


def _check_every_statement_taught(model: PathModel, problems: Problems, strict: bool) -> None:
    """A statement no module teaches is a level a learner can be placed at and sent to with nothing to learn from."""
    taught = {statement_id for module in model.modules for statement_id in module.teaches}
    for statement in model.statements:
        if statement.id not in taught:
            modules = model.modules_for(statement.area, statement.level)
            where = (f"add {statement.id!r} to `teaches:` of {_names(repr(module.id) for module in modules)} and "
                     "teach it there" if modules
                     else f"write a module for area {statement.area!r} at level {statement.level!r}")
            problems.minimum(statement.source, f"can-do statement {statement.id!r} is taught by no module", where,
                             strict)


def _check_path(model: PathModel, problems: Problems) -> None:
    _duplicates([(level.id, level.source) for level in model.levels], "level", problems)
    _duplicates([(area.id, area.source) for area in model.areas], "area", problems)
    _duplicates([(statement.id, statement.source) for statement in model.statements], "statement", problems)
    orders = Counter(level.order for level in model.levels)
    for level in model.levels:
        if orders[level.order] > 1:
            problems.error(level.source, f"level {level.id!r} has order {level.order}, as another level does",
                           "give each level its own order: 1 for the first level, 2 for the next …")
    for area in model.areas:
        for level_id, statements in area.statements.items():
            if model.level(level_id) is None:
                problems.error(statements[0].source if statements else area.source,
                               f"area {area.id!r} has statements for unknown level {level_id!r}",
                               f"use one of the levels: {_names(level.id for level in model.levels)}")
            elif not 2 <= len(statements) <= 4:
                problems.warning(statements[0].source if statements else area.source,
                                 f"area {area.id!r} has {len(statements)} can-do statements at level {level_id!r}",
                                 "write 2–4 statements a teacher can honestly rate themselves on")


def _check_module_ids(model: PathModel, problems: Problems) -> None:
    _duplicates([(module.id, module.source) for module in model.modules], "module", problems)


def check_module(module: Module, model: PathModel, problems: Problems, *, strict: bool = False) -> None:
    """The rules of one module: where it sits on the path, its ids, its activities and, with strict, the minimums."""
    area, level = model.area(module.area), model.level(module.level)
    if area is None:
        problems.error(module.source_of("area"), f"module {module.id!r} names unknown area {module.area!r}",
                       f"use one of the areas of path.yaml: {_names(area.id for area in model.areas)}")
    if level is None:
        problems.error(module.source_of("level"), f"module {module.id!r} names unknown level {module.level!r}",
                       f"use one of the levels of path.yaml: {_names(level.id for level in model.levels)}")
    if area and level and level.id not in area.statements:
        problems.error(module.source_of("level"), f"area {area.id!r} has no level {level.id!r} in path.yaml",
                       f"add `{level.id}:` with its can-do statements under area {area.id!r} in path.yaml, "
                       "or move the module to a level the area has")
    _duplicates(
        [(section.id, section.source) for section in module.sections], "section", problems, f" in module {module.id!r}"
    )
    _duplicates([(activity.id, activity.source) for activity in module.activities], "activity", problems,
                f" in module {module.id!r}")
    for activity in module.activities:
        _duplicates([(version.id, version.source) for version in activity.versions], "variant", problems,
                    f" in activity {activity.id!r}")
        for version in activity.versions:
            _check_activity(version, problems)
            if version.is_scored != activity.is_scored:
                problems.error(version.source,
                               f"variant {version.id!r} is {'' if version.is_scored else 'not '}scored and "
                               f"activity {activity.id!r} is {'' if activity.is_scored else 'not '}",
                               "every version of a scenario marks a best choice with `correct: true`, or none does")
    if area and level:
        _check_teaches(module, area, model, problems)
    _check_minimums(module, problems, strict)


def _check_teaches(module: Module, area, model: PathModel, problems: Problems) -> None:
    """A module claims only statements of its own cell: placement sends a learner to it for those."""
    cell = area.statements_at(module.level)
    cell_ids = {statement.id for statement in cell}
    for statement_id in module.teaches:
        if statement_id in cell_ids:
            continue
        statement = next((statement for statement in model.statements if statement.id == statement_id), None)
        where = (f"statement {statement_id!r} of {statement.area!r} at level {statement.level!r}" if statement
                 else f"unknown statement {statement_id!r}")
        problems.error(module.source_of("teaches"),
                       f"module {module.id!r} ({module.area!r} at level {module.level!r}) claims to teach {where}",
                       f"list only statements of its cell: {_names(statement.id for statement in cell)}")


def _check_activity(activity, problems: Problems) -> None:
    name = f"{activity.type} {activity.id!r}"
    if activity.type in CHOICE_TYPES:
        _duplicates([(option.id, option.source) for option in activity.options], "option", problems, f" in {name}")
        correct = [option for option in activity.options if option.correct]
        if activity.type == "scenario" and len(activity.options) < 2:
            problems.error(activity.source, f"scenario {activity.id!r} has no choices" if not activity.options
                           else f"scenario {activity.id!r} has only one choice",
                           "add `options:` with at least two choices, each with `text:` and `feedback:`")
        elif activity.type != "scenario" and len(activity.options) < 2:
            problems.error(activity.source, f"{name} has {len(activity.options)} option(s)",
                           "add `options:` with at least two answers, each with `text:`, `correct:` and `feedback:`")
        if activity.type == "single_choice" and len(correct) != 1 and activity.options:
            problems.error(
                activity.source,
                f"{name} has {len(correct)} correct answers; a single choice needs exactly one",
                "mark exactly one option `correct: true`, or make it a multiple_choice",
            )
        if activity.type == "multiple_choice" and not correct and activity.options:
            problems.error(activity.source, f"{name} has no correct answer",
                           "mark at least one option `correct: true`")
        for option in activity.options:
            if not option.feedback.english:
                problems.error(option.source, f"option {option.id!r} of {name} has no feedback",
                               "add `feedback:`: what the learner should know after choosing this option")
    if activity.type == "checklist":
        _duplicates([(item.id, item.source) for item in activity.items], "item", problems, f" in {name}")
        if not activity.items:
            problems.error(activity.source, f"{name} has no items",
                           "add `items:`, each with `id:` and `text:` (one action to take at work)")


def _check_minimums(module: Module, problems: Problems, strict: bool) -> None:
    def minimum(source, message, fix):
        problems.minimum(source, message, fix, strict)

    if not MIN_MINUTES <= module.minutes <= MAX_MINUTES:
        minimum(
            module.source_of("minutes"),
            f"module {module.id!r} takes {module.minutes} minutes",
            f"plan {MIN_MINUTES}–{MAX_MINUTES} minutes: split a longer module in two, or add practice to a shorter one",
        )
    if not MIN_SECTIONS <= len(module.sections) <= MAX_SECTIONS:
        minimum(module.source, f"module {module.id!r} has {len(module.sections)} sections",
                f"write {MIN_SECTIONS}–{MAX_SECTIONS} short sections (one screen each)")
    for section in module.sections:
        words = count_words(section.body.english)
        if words > MAX_SECTION_WORDS:
            minimum(section.source, f"section {section.id!r} has {words} words",
                    f"keep a screen to about {MAX_SECTION_WORDS} words: cut, or split it with a new `## ` heading")
    types = {activity.type for activity in module.activities}
    if len(module.activities) < MIN_ACTIVITIES or len(types) < MIN_ACTIVITY_TYPES:
        minimum(module.source,
                f"module {module.id!r} has {len(module.activities)} activities of {len(types)} type(s)",
                f"add activities: at least {MIN_ACTIVITIES}, of at least {MIN_ACTIVITY_TYPES} types")
    if not module.outcomes:
        minimum(module.source_of("outcomes"), f"module {module.id!r} has no learning outcomes",
                "add `outcomes:`, a list of what the learner can do after the module")
    if not any(resource_links(section.body.english) for section in module.sections):
        minimum(module.source, f"module {module.id!r} links to no resource",
                "link at least one real public resource: [name](https://…)")
    if not module.teaches:
        minimum(module.source, f"module {module.id!r} names no can-do statement it teaches",
                "add `teaches: [...]` with the ids of its cell's statements (path.yaml) that it teaches")
    if not module.sources:
        minimum(module.source, f"module {module.id!r} names no sources",
                "add `sources:`, the published pages its facts come from, one `- https://…` per line")
    if module.checked is None:
        minimum(module.source, f"module {module.id!r} does not say when its facts were checked",
                "add `checked: YYYY-MM-DD`, the day you verified its facts against its sources")
    measured = measured_minutes(module)
    if module.minutes and abs(module.minutes - measured) > MINUTES_TOLERANCE * measured:
        minimum(module.source_of("minutes"),
                f"module {module.id!r} says {module.minutes} minutes; its text measures {measured:.0f} "
                f"({words_read(module)} words at {READING_WORDS_PER_MINUTE} a minute, {REFLECTION_MINUTES} per "
                "reflection)",
                "add content to a module that reads shorter than it says (a section, a case, an activity); "
                "set `minutes:` to the measure if it reads longer" if measured < module.minutes else
                f"set `minutes:` within 30 % of {measured:.0f}, or cut")


def _duplicates(entries: list[tuple[str, Source]], kind: str, problems: Problems, where: str = "") -> None:
    first_seen: dict[str, Source] = {}
    for entry_id, source in entries:
        if entry_id in first_seen:
            first = first_seen[entry_id]
            problems.error(source, f"duplicate {kind} id {entry_id!r}{where} (first at {first.file}:{first.line})",
                           f"give each {kind} its own id; ids are stable, so rename the newer one")
        else:
            first_seen[entry_id] = source


def _names(ids) -> str:
    return ", ".join(ids) or "(none defined)"
