"""Read `path.yaml` and the module folders into a PathModel, reporting every problem with its file and line."""
import datetime
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from app.learning.content.model import (
    ACTIVITY_TYPES,
    CHOICE_TYPES,
    DEFAULT_LOCALE,
    Activity,
    Area,
    ChecklistItem,
    CompletionRule,
    Level,
    Module,
    Option,
    PathModel,
    Section,
    Source,
    Statement,
    Text,
    english,
)
from app.learning.content.validation import ID_PATTERN, Problems, check_model

PATH_FILE = "path.yaml"
MODULE_FILE = "module.md"
DEFAULT_LOCALES = ("en", "fi", "et", "it", "nl", "es")
LOCALE_NAMES = {"en": "English", "fi": "Finnish", "et": "Estonian", "it": "Italian", "nl": "Dutch", "es": "Spanish"}

MODULE_KEYS = {"id", "title", "area", "level", "minutes", "outcomes", "completion", "teaches", "sources", "checked"}
TRANSLATION_KEYS = {"id", "title", "outcomes"}
COMPLETION_KEYS = {"all_sections_seen", "min_score"}
ACTIVITY_KEYS = {
    "single_choice": {"id", "type", "prompt", "options", "variants"},
    "multiple_choice": {"id", "type", "prompt", "options", "variants"},
    "scenario": {"id", "type", "prompt", "options", "variants"},
    "reflection": {"id", "type", "prompt"},
    "checklist": {"id", "type", "prompt", "items"},
}
VARIANT_KEYS = {"id", "prompt", "options"}
OPTION_KEYS = {"id", "text", "correct", "feedback", "keep_place"}
ITEM_KEYS = {"id", "text"}

HEADING = re.compile(r"^##(?!#)\s*(?P<title>.*?)\s*(?:\{#(?P<id>[^}\s]*)\})?\s*$")
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[\w-]*)")


@dataclass
class LoadedContent:
    """What the content directory holds: the usable model (modules with errors left out) and every problem."""

    model: PathModel | None
    problems: Problems
    rejected_modules: list[str] = field(default_factory=list)

    @property
    def errors(self):
        return self.problems.errors

    @property
    def warnings(self):
        return [problem for problem in self.problems if not problem.is_error]


def load_content(directory, *, locales=DEFAULT_LOCALES, strict: bool = False) -> LoadedContent:
    """Load and validate the content directory; never raises for content problems, it reports them."""
    directory = Path(directory)
    problems = Problems()
    reader = _PathReader(directory, tuple(locales), problems)
    if not directory.is_dir():
        problems.error(Source(str(directory)), "the content directory does not exist",
                       "set CONTENT_DIR (or --dir) to the folder holding path.yaml and the module folders")
        return LoadedContent(None, problems)
    levels, areas = reader.read_path()
    modules = [module for module in (reader.read_module(folder) for folder in _module_folders(directory)) if module]
    model = PathModel(levels=tuple(levels or ()), areas=tuple(areas), modules=tuple(modules))
    check_model(model, problems, strict=strict)
    broken = {problem.file.split("/", 1)[0] for problem in problems.errors if "/" in problem.file}
    rejected = [module.id for module in modules if module.source.file.split("/", 1)[0] in broken]
    model = replace(model, modules=tuple(module for module in modules if module.id not in rejected))
    for source, message, fix in reader.language_gaps + _untranslated_modules(modules, locales):
        problems.minimum(source, message, fix, strict)
    if levels is None:
        model = None
    return LoadedContent(model, problems, rejected)


def _untranslated_modules(modules, locales) -> list[tuple[Source, str, str]]:
    """A module without its `module.<locale>.md` for a language of the installation (docs/translation.md)."""
    return [
        (module.source, f"module {module.id!r} has no {LOCALE_NAMES.get(locale, locale)} translation; English is shown",
         f"write {module.id}/module.{locale}.md with the same ids (docs/content.md, docs/translation.md)")
        for module in modules for locale in locales if locale != DEFAULT_LOCALE and locale not in module.translations
    ]


def _module_folders(directory: Path) -> list[Path]:
    """Every folder is a module, except hidden ones and ones starting with `_` (drafts, shared images)."""
    return sorted(path for path in directory.iterdir() if path.is_dir() and not path.name.startswith((".", "_")))


# --- YAML with line numbers -------------------------------------------------------------------------------


class LineDict(dict):
    """A YAML mapping that remembers the file line of itself and of each key."""

    line: int = 0
    key_lines: dict


class LineList(list):
    line: int = 0
    item_lines: list


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    line_offset = 0


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1 + loader.line_offset
    mapping.key_lines = {}
    mapping.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1 + loader.line_offset
        if key in mapping.key_lines:
            mapping.duplicate_keys.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader, node):
    sequence = LineList(loader.construct_object(child, deep=True) for child in node.value)
    sequence.line = node.start_mark.line + 1 + loader.line_offset
    sequence.item_lines = [child.start_mark.line + 1 + loader.line_offset for child in node.value]
    return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, file: str, first_line: int, problems: Problems):
    """YAML whose first line is line `first_line` of `file`; None (with a problem) when it does not parse."""
    loader = _LineLoader(text)
    loader.line_offset = first_line - 1
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else first_line
        problems.error(Source(file, line), f"the YAML does not parse: {error.problem or error.context}",
                       "check the indentation and quote texts that contain `: ` or start with a special character")
        return None
    except yaml.YAMLError as error:
        problems.error(Source(file, first_line), f"the YAML does not parse: {error}", "check the YAML syntax")
        return None
    finally:
        loader.dispose()
    _report_duplicate_keys(data, file, problems)
    return data


def _report_duplicate_keys(data, file: str, problems: Problems) -> None:
    if isinstance(data, LineDict):
        for key, line in data.duplicate_keys:
            problems.error(
                Source(file, line), f"key {key!r} is written twice", "keep one; YAML would silently use the last"
            )
        for value in data.values():
            _report_duplicate_keys(value, file, problems)
    elif isinstance(data, LineList):
        for value in data:
            _report_duplicate_keys(value, file, problems)


# --- Markdown modules: front matter, sections, activity blocks --------------------------------------------


@dataclass
class RawSection:
    id: str
    title: str
    line: int
    body: list[str] = field(default_factory=list)
    activities: list = field(default_factory=list)  # parsed YAML mappings, with lines
    text_after_activity_reported: bool = False


@dataclass
class RawModule:
    front: dict | None
    front_line: int
    sections: list[RawSection]


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def parse_module_file(text: str, file: str, problems: Problems) -> RawModule:
    """Split a module file into its front matter and `## ` sections, parsing each ```activity block."""
    lines = text.splitlines()
    front, body_start = None, 0
    if lines and lines[0].strip() == "---":
        end = next((index for index in range(1, len(lines)) if lines[index].strip() in ("---", "...")), None)
        if end is None:
            problems.error(Source(file, 1), "the front matter is not closed", "end it with a line `---`")
            return RawModule(None, 1, [])
        front = parse_yaml("\n".join(lines[1:end]), file, 2, problems)
        if front is not None and not isinstance(front, dict):
            problems.error(Source(file, 2), "the front matter is not a mapping of `key: value` lines",
                           "write it as `id: …`, `title: …` and so on")
            front = None
        body_start = end + 1
    else:
        problems.error(Source(file, 1), "the file does not start with front matter",
                       "begin with a line `---`, the `key: value` lines (id, title, …), and another `---`")
    sections: list[RawSection] = []
    fence = None  # the opening fence while inside a fenced block: (marker, info, first line, lines)
    for index in range(body_start, len(lines)):
        line, number = lines[index], index + 1
        if fence:
            marker, info, start, block = fence
            if line.strip().startswith(marker[0] * len(marker)) and not line.strip().strip(marker[0]):
                fence = None
                if info == "activity":
                    _add_activity(sections, "\n".join(block), file, start, problems)
                else:
                    _add_prose(sections, line, number, file, problems)
            else:
                block.append(line)
                if info != "activity":
                    _add_prose(sections, line, number, file, problems)
            continue
        opening = FENCE.match(line)
        if opening:
            fence = (opening["fence"], opening["info"], number + 1, [])
            if opening["info"] != "activity":
                _add_prose(sections, line, number, file, problems)
            continue
        heading = HEADING.match(line)
        if heading:
            title = heading["title"]
            section_id = heading["id"] if heading["id"] is not None else slug(title)
            if not title:
                problems.error(Source(file, number), "a section heading without a title",
                               "write the screen's title after `## `")
            if not ID_PATTERN.match(section_id or ""):
                problems.error(Source(file, number), f"section id {section_id!r} is not a valid id",
                               "use lowercase letters, digits and hyphens: `## Title {#my-section}`")
            sections.append(RawSection(section_id, title, number))
            continue
        _add_prose(sections, line, number, file, problems)
    if fence:
        problems.error(
            Source(file, fence[2] - 1), "a fenced block is never closed", f"close it with a line `{fence[0]}`"
        )
    return RawModule(front, 2, sections)


def _add_prose(sections: list[RawSection], line: str, number: int, file: str, problems: Problems) -> None:
    if not sections:
        if line.strip():
            problems.error(Source(file, number), "text before the first section heading",
                           "start every screen with a `## ` heading; put the module's title in the front matter")
            sections.append(RawSection("", "", number))  # report it once; the section is ignored
        return
    section = sections[-1]
    if section.activities and line.strip():
        if not section.text_after_activity_reported:
            problems.error(Source(file, number), f"text after an activity in section {section.id!r}",
                           "put the text above the section's first activity, or start a new section with `## `")
            section.text_after_activity_reported = True
        return
    section.body.append(line)


def _add_activity(sections: list[RawSection], text: str, file: str, first_line: int, problems: Problems) -> None:
    if not sections:
        problems.error(Source(file, first_line - 1), "an activity before the first section heading",
                       "put every activity inside a section (after a `## ` heading)")
        return
    data = parse_yaml(text, file, first_line, problems)
    if data is not None and not isinstance(data, LineDict):
        problems.error(Source(file, first_line), "the activity is not a mapping of `key: value` lines",
                       "write `type:`, `id:`, `prompt:` … each on its own line")
        data = None
    sections[-1].activities.append(data if data is not None else None)


# --- building the model -------------------------------------------------------------------------------------


class ContentReader:
    """The readers every content file shares (ids, localised texts, unknown keys), each problem with file and line.

    The path and module files are read by `_PathReader` below; badge files (app.badges.loader) by a subclass too,
    so they get the same precise errors.
    """

    def __init__(self, directory: Path, locales: tuple[str, ...], problems: Problems):
        self.directory = directory
        self.locales = locales
        self.problems = problems
        self.missing_locales: dict[str, list[int]] = {}  # locale → lines of texts lacking it (English is shown)
        self.language_gaps: list[tuple[Source, str, str]] = []  # what a language lacks: load_content reports it

    def language_gap(self, source: Source, message: str, fix: str = "") -> None:
        """A text a language of the installation lacks (English is shown): a warning, an error with strict, and never
        a reason to leave a module out (it works, in English)."""
        self.language_gaps.append((source, message, fix))

    def localised_text(self, raw: LineDict, key: str, file: str, owner: str) -> Text | None:
        """`key: English text` or `key: {en: …, fi: …}`; English is required, other locales optional."""
        value, line = raw.get(key), raw.key_lines.get(key, raw.line)
        if isinstance(value, str) and value.strip():
            values = {DEFAULT_LOCALE: value.strip()}
        elif isinstance(value, LineDict):
            values = {}
            for locale, text in value.items():
                locale_line = value.key_lines[locale]
                if locale not in self.locales:
                    self.problems.error(Source(file, locale_line), f"{owner}: unknown locale {locale!r} in `{key}:`",
                                        f"use one of {', '.join(self.locales)}")
                elif not isinstance(text, str) or not text.strip():
                    self.problems.error(Source(file, locale_line), f"{owner}: `{key}` in {locale!r} is not a text",
                                        "write the text, in quotes if it looks like a number, yes/no or a date")
                else:
                    values[locale] = text.strip()
            if DEFAULT_LOCALE not in values:
                self.problems.error(Source(file, line), f"{owner}: `{key}:` has no English text",
                                    "add `en: …`; English is shown wherever a translation is missing")
                return None
        else:
            self.problems.error(Source(file, line), f"{owner} has no `{key}:`",
                                f"add `{key}:` with the English text, or `{key}: {{en: …, fi: …}}`")
            return None
        for locale in self.locales:
            if locale not in values:
                self.missing_locales.setdefault(locale, []).append(line)
        return Text(values)

    # small readers

    def entries(self, raw: LineDict, key: str, file: str) -> list[tuple[object, int]]:
        """The entries of the list under `key` with their lines (none if absent; an error if not a list)."""
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.problems.error(Source(file, raw.key_lines[key]), f"`{key}:` must be a list",
                                f"write each entry of `{key}:` on its own line starting with `- id: …`")
            return []
        return list(zip(value, value.item_lines, strict=True))

    def check_mapping(self, raw, file: str, line: int, what: str) -> bool:
        if isinstance(raw, LineDict):
            return True
        self.problems.error(Source(file, line), f"{what} must be a mapping (`id: …`, `text: …`)",
                            "indent its keys under the `- ` of the list entry")
        return False

    def read_id(self, raw: LineDict, file: str, kind: str) -> str | None:
        value = raw.get("id")
        line = raw.key_lines.get("id", raw.line)
        if value is None:
            self.problems.error(Source(file, raw.line), f"a {kind} without an `id:`",
                                "add a stable `id:` (lowercase letters, digits, hyphens); other data refers to it")
            return None
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problems.error(Source(file, line), f"{kind} id {value!r} is not a valid id",
                                "use lowercase letters, digits, hyphens and dots, starting with a letter or digit")
            return None
        return value

    def plain_text(self, raw: LineDict, key: str, file: str, owner: str, *, required: bool) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                self.problems.error(Source(file, raw.line), f"{owner} has no `{key}:`", f"add `{key}: …`")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.error(Source(file, raw.key_lines[key]), f"{owner}: `{key}:` is not a text",
                                "write the text, in quotes if it looks like a number, yes/no or a date")
            return None
        return value.strip()

    def text_list(self, raw: LineDict, key: str, file: str) -> list[tuple[str, int]]:
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.problems.error(Source(file, raw.key_lines[key]), f"`{key}:` must be a list",
                                f"write each of the `{key}` on its own line starting with `- `")
            return []
        texts = []
        for item, line in zip(value, value.item_lines, strict=True):
            if isinstance(item, str) and item.strip():
                texts.append((item.strip(), line))
            else:
                self.problems.error(Source(file, line), f"an entry of `{key}:` is not a text",
                                    "write the text, in quotes if it contains `: `")
        return texts

    def unknown_keys(self, raw: LineDict, allowed: set[str], file: str, what: str) -> None:
        for key in sorted(raw.keys() - allowed, key=str):
            self.problems.error(Source(file, raw.key_lines[key]), f"unknown key {key!r} in {what}",
                                f"use only: {', '.join(sorted(allowed))}")


class _PathReader(ContentReader):
    """path.yaml and the module folders."""

    # path.yaml

    def read_path(self):
        file = PATH_FILE
        path = self.directory / file
        if not path.is_file():
            self.problems.error(Source(file), "path.yaml is missing",
                                "create it with the levels and areas of the path (see docs/content.md)")
            return None, []
        data = parse_yaml(path.read_text(encoding="utf-8"), file, 1, self.problems)
        if data is None:
            return None, []
        if not isinstance(data, LineDict):
            self.problems.error(
                Source(file, 1), "path.yaml is not a mapping", "write `levels:` and `areas:` at the top level"
            )
            return None, []
        self.unknown_keys(data, {"levels", "areas"}, file, "path.yaml")
        missing_locales: dict[str, list[int]] = {}
        self.missing_locales = missing_locales
        levels = [
            level
            for level in (self._level(raw, file, line) for raw, line in self._items(data, "levels", file))
            if level
        ]
        areas = [
            area for area in (self._area(raw, file, line) for raw, line in self._items(data, "areas", file)) if area
        ]
        for locale, lines in missing_locales.items():
            self.language_gap(Source(file, lines[0]),
                                  f"{len(lines)} texts have no {LOCALE_NAMES.get(locale, locale)} ({locale}) version; "
                                  "English is shown", f"add `{locale}:` next to `en:` (first one here)")
        return sorted(levels, key=lambda level: level.order), areas

    def _items(self, data: LineDict, key: str, file: str):
        value = data.get(key)
        if not isinstance(value, LineList) or not value:
            self.problems.error(Source(file, data.key_lines.get(key, data.line)), f"`{key}:` must be a non-empty list",
                                f"write `{key}:` followed by lines starting with `- id: …`")
            return []
        return list(zip(value, value.item_lines, strict=True))

    def _level(self, raw, file: str, line: int) -> Level | None:
        if not self.check_mapping(raw, file, line, "a level"):
            return None
        self.unknown_keys(raw, {"id", "order", "title"}, file, "a level")
        level_id = self.read_id(raw, file, "level")
        order = raw.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            self.problems.error(
                Source(file, raw.key_lines.get("order", raw.line)),
                f"level {level_id!r} has no whole-number `order:`",
                "write `order: 1` for the first level, 2 for the next …",
            )
            order = 0
        title = self.localised_text(raw, "title", file, f"level {level_id!r}")
        if level_id is None or title is None:
            return None
        return Level(level_id, order, title, Source(file, raw.line))

    def _area(self, raw, file: str, line: int) -> Area | None:
        if not self.check_mapping(raw, file, line, "an area"):
            return None
        self.unknown_keys(raw, {"id", "title", "description", "levels"}, file, "an area")
        area_id = self.read_id(raw, file, "area")
        title = self.localised_text(raw, "title", file, f"area {area_id!r}")
        description = self.localised_text(raw, "description", file, f"area {area_id!r}")
        statements = {}
        levels = raw.get("levels")
        if not isinstance(levels, LineDict) or not levels:
            self.problems.error(Source(file, raw.key_lines.get("levels", raw.line)),
                                f"area {area_id!r} has no `levels:` with can-do statements",
                                "add `levels:` with, for each level id, a list of statements (`- id: …` and `text:`)")
        else:
            for level_id, items in levels.items():
                level_line = levels.key_lines[level_id]
                if not isinstance(items, LineList):
                    self.problems.error(
                        Source(file, level_line),
                        f"statements of area {area_id!r} at {level_id!r} are not a list",
                        "write each statement as `- id: …` with `text:` under it",
                    )
                    continue
                statements[str(level_id)] = tuple(
                    statement for statement in (
                        self._statement(item, item_line, file, area_id, str(level_id))
                        for item, item_line in zip(items, items.item_lines, strict=True)
                    ) if statement
                )
        if area_id is None or title is None or description is None:
            return None
        return Area(area_id, title, description, statements, Source(file, raw.line))

    def _statement(self, raw, line: int, file: str, area_id: str, level_id: str) -> Statement | None:
        if not self.check_mapping(raw, file, line, "a can-do statement"):
            return None
        self.unknown_keys(raw, {"id", "text"}, file, "a can-do statement")
        statement_id = self.read_id(raw, file, "statement")
        text = self.localised_text(raw, "text", file, f"statement {statement_id!r}")
        if statement_id is None or text is None:
            return None
        return Statement(statement_id, area_id, level_id, text, Source(file, raw.line))

    # modules

    def read_module(self, folder: Path) -> Module | None:
        file = f"{folder.name}/{MODULE_FILE}"
        path = folder / MODULE_FILE
        if not path.is_file():
            self.problems.error(
                Source(file),
                f"module folder {folder.name!r} has no module.md",
                "write module.md (front matter and sections), or move the folder out of the content directory",
            )
            return None
        raw = parse_module_file(path.read_text(encoding="utf-8"), file, self.problems)
        front = raw.front
        if front is None:
            return None
        self.unknown_keys(front, MODULE_KEYS, file, "module.md's front matter")
        module_id = self.read_id(front, file, "module")
        if module_id and module_id != folder.name:
            self.problems.error(
                Source(file, front.key_lines["id"]),
                f"module id {module_id!r} differs from its folder {folder.name!r}",
                "name the folder after the module id (ids are stable: rename the folder, not the id)",
            )
        title = self.plain_text(front, "title", file, "the module", required=True)
        area = self.plain_text(front, "area", file, "the module", required=True)
        level = self.plain_text(front, "level", file, "the module", required=True)
        minutes = front.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            self.problems.error(
                Source(file, front.key_lines.get("minutes", front.line)),
                "`minutes:` must be a whole number above 0",
                "estimate the minutes a teacher needs, e.g. `minutes: 15`",
            )
            minutes = 0
        outcomes = self.text_list(front, "outcomes", file)
        completion = self._completion(front, file)
        teaches = self._teaches(front, file)
        sources = self._sources(front, file)
        checked = self._checked(front, file)
        sections = tuple(
            section for section in (self._section(raw_section, file) for raw_section in raw.sections) if section
        )
        if not (module_id and title and area and level):
            return None
        module = Module(
            id=module_id, title=english(title), area=area, level=level, minutes=minutes,
            outcomes=tuple(english(outcome) for outcome, _ in outcomes), completion=completion,
            sections=sections, teaches=teaches, sources=sources, checked=checked,
            source=Source(file, front.key_lines.get("id", front.line)),
            key_lines=dict(front.key_lines),
        )
        for locale_path in sorted(folder.glob("module.*.md")):
            module = self._translate(module, folder, locale_path, outcomes)
        return module

    def _teaches(self, front: LineDict, file: str) -> tuple[str, ...]:
        """The ids of the can-do statements the module teaches; whether they are in its cell is checked with the path
        (validation.py)."""
        return self._list_of(
            front, "teaches", file, lambda item: ID_PATTERN.match(item),
            not_a_list=("`teaches:` must be a list of statement ids",
                        "write `teaches: [area.level.1, area.level.2]` with ids from path.yaml"),
            not_an_item=("is not a statement id",
                         "write the id of a can-do statement of path.yaml, e.g. `learner-mobility.rookie.1`"))

    def _sources(self, front: LineDict, file: str) -> tuple[str, ...]:
        return self._list_of(
            front, "sources", file, lambda item: re.fullmatch(r"https?://\S+", item),
            not_a_list=("`sources:` must be a list of addresses",
                        "write each page the module's facts come from on its own line: `- https://…`"),
            not_an_item=("is not a web address", "write the address of the published page, starting with https://"))

    def _list_of(self, front: LineDict, key: str, file: str, valid, *, not_a_list, not_an_item) -> tuple[str, ...]:
        """A front-matter list of texts, each checked by `valid`; every wrong one is an error at its own line."""
        value = front.get(key)
        if value is None:
            return ()
        if not isinstance(value, LineList):
            self.problems.error(Source(file, front.key_lines[key]), *not_a_list)
            return ()
        found = []
        for item, line in zip(value, value.item_lines, strict=True):
            if isinstance(item, str) and valid(item.strip()):
                found.append(item.strip())
            else:
                message, fix = not_an_item
                self.problems.error(Source(file, line), f"{item!r} in `{key}:` {message}", fix)
        return tuple(found)

    def _checked(self, front: LineDict, file: str) -> datetime.date | None:
        value = front.get("checked")
        if value is None:
            return None
        line = Source(file, front.key_lines["checked"])
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            self.problems.error(line, "`checked:` must be a date",
                                "write the day the facts were last verified against the sources: `checked: 2026-12-07`")
            return None
        if value > datetime.date.today():
            self.problems.error(line, f"`checked:` is {value.isoformat()}, a day still to come",
                                "write the day the facts were actually verified")
            return None
        return value

    def _completion(self, front: LineDict, file: str) -> CompletionRule:
        raw = front.get("completion")
        line = front.key_lines.get("completion", front.line)
        if raw is None:
            return CompletionRule()
        if not isinstance(raw, LineDict):
            self.problems.error(Source(file, line), "`completion:` must be a mapping",
                                "write `completion: {all_sections_seen: true, min_score: 80}`")
            return CompletionRule()
        self.unknown_keys(raw, COMPLETION_KEYS, file, "`completion:`")
        seen = raw.get("all_sections_seen", True)
        if not isinstance(seen, bool):
            self.problems.error(
                Source(file, line), "`all_sections_seen` must be true or false", "write `all_sections_seen: true`"
            )
            seen = True
        score = raw.get("min_score")
        if score is not None and (not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100):
            self.problems.error(Source(file, line), "`min_score` must be a whole percentage from 0 to 100",
                                "write e.g. `min_score: 80`, or leave it out when answers need not be right")
            score = None
        return CompletionRule(seen, score)

    def _section(self, raw: RawSection, file: str) -> Section | None:
        if not raw.id and not raw.title:
            return None  # text before the first heading, already reported
        activities = tuple(
            activity for activity in (self._activity(data, file) for data in raw.activities if data) if activity
        )
        return Section(
            raw.id, english(raw.title), english("\n".join(raw.body).strip()), activities, Source(file, raw.line)
        )

    def _activity(self, raw: LineDict, file: str) -> Activity | None:
        activity_id = self.read_id(raw, file, "activity")
        kind = raw.get("type")
        if kind not in ACTIVITY_TYPES:
            self.problems.error(
                Source(file, raw.key_lines.get("type", raw.line)),
                f"activity {activity_id!r} has type {kind!r}" if kind else f"activity {activity_id!r} has no `type:`",
                f"use one of: {', '.join(ACTIVITY_TYPES)}",
            )
            return None
        self.unknown_keys(raw, ACTIVITY_KEYS[kind], file, f"a {kind}")
        prompt = self.plain_text(raw, "prompt", file, f"{kind} {activity_id!r}", required=True)
        options = ()
        if kind in CHOICE_TYPES:
            options = tuple(option for option in (
                self._option(item, line, file) for item, line in self.entries(raw, "options", file)
            ) if option)
        items = ()
        if kind == "checklist":
            items = tuple(item for item in (
                self._checklist_item(item, line, file) for item, line in self.entries(raw, "items", file)
            ) if item)
        variants = ()
        if kind in CHOICE_TYPES and activity_id is not None:
            variants = tuple(variant for variant in (
                self._variant(item, line, file, kind, activity_id) for item, line in self.entries(raw, "variants", file)
            ) if variant)
        if activity_id is None or prompt is None:
            return None
        return Activity(activity_id, kind, english(prompt), options, items, Source(file, raw.line), variants)

    def _variant(self, raw, line: int, file: str, kind: str, activity_id: str) -> Activity | None:
        """Another version of a question: `id` (e.g. v2, giving `<activity>.v2`), `prompt` and `options`."""
        if not self.check_mapping(raw, file, line, "a variant"):
            return None
        self.unknown_keys(raw, VARIANT_KEYS, file, "a variant (its type is the activity's)")
        variant_id = self.read_id(raw, file, "variant")
        prompt = self.plain_text(raw, "prompt", file, f"variant {variant_id!r} of {activity_id!r}", required=True)
        options = tuple(option for option in (
            self._option(item, item_line, file) for item, item_line in self.entries(raw, "options", file)
        ) if option)
        if variant_id is None or prompt is None:
            return None
        return Activity(f"{activity_id}.{variant_id}", kind, english(prompt), options, (), Source(file, raw.line))

    def _option(self, raw, line: int, file: str) -> Option | None:
        if not self.check_mapping(raw, file, line, "an option"):
            return None
        self.unknown_keys(raw, OPTION_KEYS, file, "an option")
        option_id = self.read_id(raw, file, "option")
        text = self.plain_text(raw, "text", file, f"option {option_id!r}", required=True)
        feedback = self.plain_text(raw, "feedback", file, f"option {option_id!r}", required=False) or ""
        correct = raw.get("correct", False)
        if not isinstance(correct, bool):
            self.problems.error(
                Source(file, raw.key_lines["correct"]),
                f"option {option_id!r}: `correct` must be true or false",
                "write `correct: true` on the right answers; leave it out on the others",
            )
            correct = False
        keep_place = raw.get("keep_place", False)
        if not isinstance(keep_place, bool):
            self.problems.error(
                Source(file, raw.key_lines["keep_place"]),
                f"option {option_id!r}: `keep_place` must be true or false",
                "write `keep_place: true` on an option such as “none of the above” that must stay where it is",
            )
            keep_place = False
        if option_id is None or text is None:
            return None
        return Option(option_id, english(text), correct, english(feedback), Source(file, raw.line), keep_place)

    def _checklist_item(self, raw, line: int, file: str) -> ChecklistItem | None:
        if not self.check_mapping(raw, file, line, "a checklist item"):
            return None
        self.unknown_keys(raw, ITEM_KEYS, file, "a checklist item")
        item_id = self.read_id(raw, file, "item")
        text = self.plain_text(raw, "text", file, f"item {item_id!r}", required=True)
        if item_id is None or text is None:
            return None
        return ChecklistItem(item_id, english(text), Source(file, raw.line))

    # translations

    def _translate(self, module: Module, folder: Path, path: Path, english_outcomes) -> Module:
        """Merge module.<locale>.md into the module; what it lacks stays English, section by section."""
        locale = path.name.split(".")[1]
        file = f"{folder.name}/{path.name}"
        language = LOCALE_NAMES.get(locale, locale)
        if locale not in self.locales or locale == DEFAULT_LOCALE:
            self.problems.error(Source(file), f"{path.name} names unknown locale {locale!r}",
                                f"name translations module.<locale>.md with one of {', '.join(self.locales[1:])}")
            return module
        raw = parse_module_file(path.read_text(encoding="utf-8"), file, self.problems)
        if raw.front is None:
            return module
        front = raw.front
        for key in sorted(front.keys() - TRANSLATION_KEYS):
            self.problems.error(
                Source(file, front.key_lines[key]),
                f"`{key}:` cannot be translated",
                f"set `{key}:` in module.md only; a translation holds id, title, outcomes and the texts",
            )
        if front.get("id") != module.id:
            self.problems.error(Source(file, front.key_lines.get("id", front.line)),
                                f"the translation's id {front.get('id')!r} is not the module's id {module.id!r}",
                                f"write `id: {module.id}`")
        title = self.plain_text(front, "title", file, "the translation", required=False)
        if not title:
            self.language_gap(Source(file, front.line), f"no {language} title; English is shown", "add `title:`")
        outcomes = module.outcomes
        translated_outcomes = self.text_list(front, "outcomes", file) if "outcomes" in front else []
        if len(translated_outcomes) == len(outcomes):
            outcomes = tuple(
                text.with_locale(locale, value) for text, (value, _) in zip(outcomes, translated_outcomes, strict=True)
            )
        else:
            self.language_gap(
                Source(file, front.key_lines.get("outcomes", front.line)),
                f"{len(translated_outcomes)} {language} outcomes for {len(outcomes)} English ones; "
                "the English outcomes are shown",
                "translate each outcome of module.md, in the same order",
            )

        english_sections = {section.id for section in module.sections}
        english_activities = {activity.id: activity for activity in module.activities}
        translated_sections = {section.id: section for section in raw.sections if section.id or section.title}
        translated_activities = {}
        for section in translated_sections.values():
            if section.id not in english_sections:
                self.problems.error(Source(file, section.line), f"section {section.id!r} does not exist in module.md",
                                    "give the heading the English section's id: `## Otsikko {#english-section-id}`")
            for data in filter(None, section.activities):
                activity_id = data.get("id")
                if activity_id not in english_activities:
                    self.problems.error(
                        Source(file, data.line),
                        f"activity {activity_id!r} does not exist in module.md",
                        "use the id of the English activity this translates",
                    )
                else:
                    translated_activities[activity_id] = data

        sections = []
        for section in module.sections:
            translated = translated_sections.get(section.id)
            if translated is None:
                self.language_gap(
                    Source(file, 1),
                    f"section {section.id!r} has no {language} translation; English is shown",
                    f"add `## … {{#{section.id}}}` with its {language} text",
                )
                sections.append(section)
                continue
            activities = []
            for activity in section.activities:
                data = translated_activities.get(activity.id)
                if data is None:
                    self.language_gap(Source(file, translated.line),
                                          f"activity {activity.id!r} has no {language} translation; English is shown",
                                          f"add a ```activity block with `id: {activity.id}` in this section")
                    activities.append(activity)
                else:
                    activities.append(self._translate_activity(activity, data, locale, file))
            sections.append(replace(
                section,
                title=section.title.with_locale(locale, translated.title),
                body=section.body.with_locale(locale, "\n".join(translated.body).strip()),
                activities=tuple(activities),
            ))
        return replace(
            module, title=module.title.with_locale(locale, title), outcomes=outcomes, sections=tuple(sections),
            translations=(*module.translations, locale),
        )

    def _translate_activity(self, activity: Activity, raw: LineDict, locale: str, file: str) -> Activity:
        language = LOCALE_NAMES.get(locale, locale)
        self.unknown_keys(raw, ACTIVITY_KEYS[activity.type], file, f"a {activity.type}")
        if raw.get("type", activity.type) != activity.type:
            self.problems.error(
                Source(file, raw.key_lines["type"]),
                f"activity {activity.id!r} is a {activity.type} in module.md",
                f"write `type: {activity.type}` or leave `type:` out of the translation",
            )
        prompt = self.plain_text(raw, "prompt", file, f"activity {activity.id!r}", required=False)
        if not prompt:
            self.language_gap(
                Source(file, raw.line),
                f"activity {activity.id!r} has no {language} prompt; English is shown",
                "add `prompt:`",
            )
        options = self._translate_entries(
            activity.id, activity.options, raw, "options", locale, file, ("text", "feedback")
        )
        items = self._translate_entries(activity.id, activity.items, raw, "items", locale, file, ("text",))
        variants = self._translate_variants(activity, raw, locale, file)
        return replace(activity, prompt=activity.prompt.with_locale(locale, prompt), options=options, items=items,
                       variants=variants)

    def _translate_variants(self, activity: Activity, raw: LineDict, locale: str, file: str) -> tuple[Activity, ...]:
        language = LOCALE_NAMES.get(locale, locale)
        translated = {}
        for item, line in self.entries(raw, "variants", file):
            if not self.check_mapping(item, file, line, "a variant"):
                continue
            self.unknown_keys(item, VARIANT_KEYS, file, "a variant")
            full_id = f"{activity.id}.{item.get('id')}"
            if activity.version(full_id) is None:
                self.problems.error(
                    Source(file, item.line),
                    f"variant {item.get('id')!r} of activity {activity.id!r} does not exist in module.md",
                    "use the ids of the English variants",
                )
                continue
            translated[full_id] = item
        result = []
        for variant in activity.variants:
            item = translated.get(variant.id)
            if item is None:
                self.language_gap(Source(file, raw.line),
                                      f"variant {variant.id!r} has no {language} translation; English is shown",
                                      f"add `variants:` with `- id: {variant.id.rsplit('.', 1)[1]}` and its texts")
                result.append(variant)
                continue
            prompt = self.plain_text(item, "prompt", file, f"variant {variant.id!r}", required=False)
            if not prompt:
                self.language_gap(Source(file, item.line),
                                      f"variant {variant.id!r} has no {language} prompt; English is shown",
                                      "add `prompt:`")
            options = self._translate_entries(
                variant.id, variant.options, item, "options", locale, file, ("text", "feedback")
            )
            result.append(replace(variant, prompt=variant.prompt.with_locale(locale, prompt), options=options))
        return tuple(result)

    def _translate_entries(self, activity_id, entries, raw, key, locale, file, fields):
        language = LOCALE_NAMES.get(locale, locale)
        translated = {}
        for item, line in self.entries(raw, key, file):
            if not self.check_mapping(item, file, line, f"an entry of `{key}:`"):
                continue
            if item.get("id") not in {entry.id for entry in entries}:
                self.problems.error(
                    Source(file, item.line),
                    f"{key[:-1]} {item.get('id')!r} of activity {activity_id!r} does not exist in module.md",
                    "use the ids of the English options and items",
                )
                continue
            original = next(entry for entry in entries if entry.id == item["id"])
            if "correct" in item and item["correct"] != original.correct:
                self.problems.error(
                    Source(file, item.key_lines["correct"]),
                    (
                        f"option {original.id!r} of activity {activity_id!r} is "
                        f"`correct: {str(original.correct).lower()}` in module.md"
                    ),
                    "a translation cannot change the right answer; leave `correct:` out of it",
                )
            translated[item["id"]] = item
        result = []
        for entry in entries:
            item = translated.get(entry.id)
            changes = {}
            for name in fields:
                value = item.get(name) if item else None
                if isinstance(value, str) and value.strip():
                    changes[name] = getattr(entry, name).with_locale(locale, value.strip())
                elif getattr(entry, name).english:
                    self.language_gap(
                        Source(file, item.line if item else raw.line),
                        f"{key[:-1]} {entry.id!r} of activity {activity_id!r} has no {language} `{name}`; "
                        "English is shown",
                        f"add `{name}:` to the {key[:-1]} with `id: {entry.id}`",
                    )
            result.append(replace(entry, **changes))
        return tuple(result)
