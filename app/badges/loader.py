"""Read `badge_templates/*.yaml` into a BadgeCatalogue, reporting every problem with its file and line.

The texts, ids and YAML are read with the content loader's own readers, so a badge file gets the same precise
errors as a module file; the rules are then checked against the path model they count modules of.
"""
import re
from pathlib import Path

from app.badges.definitions import (
    AREA_LEVEL_COMPLETED,
    DEMONSTRATED,
    KINDS,
    LEVEL_IN_AREAS,
    MODULE_COMPLETED,
    PARTICIPATION,
    PATH_COMPLETED,
    REVIEWER_CHOICES,
    REVIEWERS_ORGANISATION,
    RULE_TYPES,
    BadgeCatalogue,
    BadgeDefinition,
    Brief,
    BriefCriterion,
    CredentialFacts,
    Rule,
)
from app.learning.content.loader import DEFAULT_LOCALES, ContentReader, LineDict, parse_yaml
from app.learning.content.model import PathModel, Source
from app.learning.content.validation import Problems

IMAGES_FOLDER = "images"
BADGE_KEYS = {"id", "name", "description", "criteria", "rule", "image", "colour", "tags", "alignment", "valid_for_days",
              "kind", "prerequisites", "brief", "reviewers", "facts"}
BRIEF_KEYS = {"title", "task", "situation", "expected_hours", "criteria"}
CRITERION_KEYS = {"id", "text", "meets"}
FACTS_KEYS = {"outcomes", "participation", "quality_assurance", "eqf_level"}
MIN_CRITERIA, MAX_CRITERIA = 3, 5  # enough to judge an artefact by, few enough for a colleague to apply
RULE_KEYS = {
    MODULE_COMPLETED: {"type", "module"},
    AREA_LEVEL_COMPLETED: {"type", "area", "level"},
    LEVEL_IN_AREAS: {"type", "level", "areas"},
    PATH_COMPLETED: {"type"},
}
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def load_badges(directory, path: PathModel | None, *, locales=DEFAULT_LOCALES,
                strict: bool = False) -> tuple[BadgeCatalogue, Problems]:
    """Every badge file of the directory; badges with errors are left out of the catalogue and reported.

    With strict (CI on the shipped badges), a badge without its micro-credential facts, or a fact or brief text
    missing a language of the package, is an error; otherwise a warning."""
    directory = Path(directory)
    problems = Problems()
    if not directory.is_dir():
        problems.error(Source(str(directory)), "the badge directory does not exist",
                       "set BADGE_TEMPLATES_DIR to the folder holding the badge .yaml files and images/")
        return BadgeCatalogue(), problems
    reader = _BadgeReader(directory, tuple(locales), problems)
    reader.strict = strict
    badges = []
    for file in sorted(directory.glob("*.yaml")):
        before = len(problems.errors)
        badge = reader.read_badge(file, path)
        if badge is not None and len(problems.errors) == before:
            badges.append(badge)
    if not badges and not problems.errors:
        problems.warning(Source(directory.name), "there are no badges", "add a `<badge-id>.yaml` (see docs/badges.md)")
    return BadgeCatalogue(tuple(badges), str(directory)), problems


class _BadgeReader(ContentReader):
    """The content loader's readers (ids, localised texts, unknown keys) applied to badge files.

    Texts lacking a locale show English, as in modules; they are not reported per badge.
    """

    def read_badge(self, path_of_file: Path, path: PathModel | None) -> BadgeDefinition | None:
        file = path_of_file.name
        errors_before = len(self.problems.errors)
        raw = parse_yaml(path_of_file.read_text(encoding="utf-8"), file, 1, self.problems)
        if raw is None:
            if len(self.problems.errors) == errors_before:  # an empty file: say so rather than drop the badge quietly
                self.problems.error(
                    Source(file, 1),
                    "the badge file is empty",
                    "write the badge's `id:`, `name:`, `description:`, `criteria:`, `rule:` and `image:`, "
                    "or delete the file",
                )
            return None
        if not isinstance(raw, LineDict):
            self.problems.error(
                Source(file, 1),
                "the badge file is not a mapping of `key: value` lines",
                "write `id:`, `name:`, `description:`, `criteria:`, `rule:` and `image:` at the top level",
            )
            return None
        self.unknown_keys(raw, BADGE_KEYS, file, "a badge")
        badge_id = self.read_id(raw, file, "badge")
        if badge_id and badge_id != path_of_file.stem:
            self.problems.error(
                Source(file, raw.key_lines["id"]),
                f"badge id {badge_id!r} differs from its file name {file!r}",
                f"name the file {badge_id}.yaml (ids are stable: awards refer to them)",
            )
        owner = f"badge {badge_id!r}"
        name = self._complete_text(raw, "name", file, owner)
        description = self._complete_text(raw, "description", file, owner)
        criteria = self._complete_text(raw, "criteria", file, owner)
        kind = raw.get("kind", PARTICIPATION)
        if kind not in KINDS:
            self.problems.error(Source(file, raw.key_lines["kind"]), f"{owner}: kind {kind!r} is not known",
                                f"write `kind: {PARTICIPATION}` (awarded when modules are completed) or "
                                f"`kind: {DEMONSTRATED}` (awarded when a reviewer accepts the learner's work)")
            return None
        rule = prerequisites = brief = None
        reviewers = REVIEWERS_ORGANISATION
        if kind == PARTICIPATION:
            for key in ("prerequisites", "brief", "reviewers"):
                if key in raw:
                    self.problems.error(Source(file, raw.key_lines[key]), f"{owner}: a participation badge has no "
                                        f"`{key}:`", f"write `kind: {DEMONSTRATED}` for a badge a reviewer awards")
            rule = self._rule(raw, file, owner, path)
        else:
            if "rule" in raw:
                self.problems.error(Source(file, raw.key_lines["rule"]), f"{owner}: a demonstrated badge has no "
                                    "`rule:`: a reviewer awards it", "write what must hold before the learner may "
                                    "submit as `prerequisites:` (the same rule types)")
            prerequisites = self._rule(raw, file, owner, path, key="prerequisites")
            brief = self._brief(raw, file, owner)
            reviewers = raw.get("reviewers", REVIEWERS_ORGANISATION)
            if reviewers not in REVIEWER_CHOICES:
                self.problems.error(Source(file, raw.key_lines["reviewers"]),
                                    f"{owner}: reviewers {reviewers!r} is not known",
                                    f"write one of: {', '.join(REVIEWER_CHOICES)}")
        facts = self._facts(raw, file, owner)
        image = self._image(raw, file, owner)
        colour = raw.get("colour", "#1f5f8b")
        if not isinstance(colour, str) or not COLOUR.match(colour):
            self.problems.error(
                Source(file, raw.key_lines.get("colour", raw.line)),
                f"{owner}: `colour` must be like #1f5f8b",
                'write the badge\'s main colour as `colour: "#rrggbb"` (quoted: # starts a YAML comment)',
            )
        tags = tuple(text for text, _ in self.text_list(raw, "tags", file))
        align_area, align_level = self._alignment(raw, file, owner, rule or prerequisites, path)
        valid_for_days = raw.get("valid_for_days")
        if valid_for_days is not None and (not isinstance(valid_for_days, int) or isinstance(valid_for_days, bool)
                                           or valid_for_days <= 0):
            self.problems.error(
                Source(file, raw.key_lines["valid_for_days"]),
                f"{owner}: `valid_for_days` must be a whole number above 0",
                "write e.g. `valid_for_days: 1095` (three years), or leave it out for a badge that does not expire",
            )
            valid_for_days = None
        if not (badge_id and name and description and criteria and image):
            return None
        if (kind == PARTICIPATION and not rule) or (kind == DEMONSTRATED and not (prerequisites and brief)):
            return None
        return BadgeDefinition(
            id=badge_id, name=name, description=description, criteria=criteria, rule=rule, image=image,
            colour=colour, tags=tags, align_area=align_area, align_level=align_level, valid_for_days=valid_for_days,
            source=Source(file, raw.key_lines.get("id", raw.line)), kind=kind, prerequisites=prerequisites,
            brief=brief, reviewers=reviewers, facts=facts,
        )

    def _complete_text(self, raw: LineDict, key: str, file: str, owner: str, label: str | None = None):
        """A badge's name, description and criteria, a text of its brief or facts: English required; each language
        of the package expected (a warning, an error with strict): earners and employers in every partner country
        read these."""
        text = self.localised_text(raw, key, file, owner)
        if text is not None:
            missing = [locale for locale in self.locales if not text.has(locale)]
            if missing:
                self.problems.minimum(Source(file, raw.key_lines.get(key, raw.line)),
                                      f"{owner}: {label or f'`{key}`'} has no {', '.join(missing)} text",
                                      f"add `{missing[0]}: …` (every language of the package)", self.strict)
        return text

    def _brief(self, raw: LineDict, file: str, owner: str) -> Brief | None:
        value = raw.get("brief")
        if not isinstance(value, LineDict):
            self.problems.error(Source(file, raw.key_lines.get("brief", raw.line)),
                                f"{owner}: a demonstrated badge needs a `brief:` mapping",
                                "write `brief:` with `title`, `task`, `situation`, `expected_hours` and `criteria` "
                                "(docs/badges.md)")
            return None
        self.unknown_keys(value, BRIEF_KEYS, file, "`brief:`")
        texts = {
            key: self._complete_text(value, key, file, f"{owner}'s brief") for key in ("title", "task", "situation")
        }
        hours = value.get("expected_hours")
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 40:
            self.problems.error(Source(file, value.key_lines.get("expected_hours", value.line)),
                                f"{owner}: `expected_hours` must be a whole number of hours from 1 to 40",
                                "write the hours a teacher needs to produce the artefact, e.g. `expected_hours: 3`")
            hours = None
        criteria = []
        for item, line in self.entries(value, "criteria", file):
            if not self.check_mapping(item, file, line, "a criterion"):
                continue
            self.unknown_keys(item, CRITERION_KEYS, file, "a criterion")
            criterion_id = self.read_id(item, file, "criterion")
            text = self._complete_text(item, "text", file, f"{owner}'s criterion {criterion_id!r}")
            meets = self._complete_text(item, "meets", file, f"{owner}'s criterion {criterion_id!r}")
            if criterion_id and text and meets:
                criteria.append(BriefCriterion(criterion_id, text, meets, Source(file, item.line)))
        seen = set()
        for criterion in criteria:
            if criterion.id in seen:
                self.problems.error(criterion.source, f"{owner}: duplicate criterion id {criterion.id!r}",
                                    "give each criterion its own id; ids are stable (reviews refer to them)")
            seen.add(criterion.id)
        if not MIN_CRITERIA <= len(criteria) <= MAX_CRITERIA:
            self.problems.error(Source(file, value.key_lines.get("criteria", value.line)),
                                f"{owner}: the brief has {len(criteria)} criteria",
                                f"write {MIN_CRITERIA}–{MAX_CRITERIA} criteria, each with `id`, `text` and `meets`")
            return None
        if None in texts.values() or hours is None or len(seen) != len(criteria):
            return None
        return Brief(texts["title"], texts["task"], texts["situation"], hours, tuple(criteria))

    def _facts(self, raw: LineDict, file: str, owner: str) -> CredentialFacts | None:
        value = raw.get("facts")
        if value is None:
            self.problems.minimum(Source(file, raw.line), f"{owner} states no micro-credential facts",
                                  "add `facts:` with `outcomes`, `participation` and `quality_assurance` "
                                  "(docs/badges.md)", self.strict)
            return None
        if not isinstance(value, LineDict):
            self.problems.error(Source(file, raw.key_lines["facts"]), f"{owner}: `facts:` must be a mapping",
                                "write `facts:` with `outcomes`, `participation` and `quality_assurance`")
            return None
        self.unknown_keys(value, FACTS_KEYS, file, "`facts:`")
        outcomes = []
        for item, line in self.entries(value, "outcomes", file):
            holder = LineDict({"outcome": item})
            holder.line, holder.key_lines = line, {"outcome": line}
            text = self._complete_text(holder, "outcome", file, owner, label="a learning outcome")
            if text is not None:
                outcomes.append(text)
        if not outcomes:
            self.problems.error(Source(file, value.key_lines.get("outcomes", value.line)),
                                f"{owner} states no learning outcomes",
                                "list 2–4 outcomes under `facts: outcomes:`, each “The earner can …”")
        participation = self._complete_text(value, "participation", file, owner)
        quality = self._complete_text(value, "quality_assurance", file, owner)
        eqf_level = value.get("eqf_level")
        if eqf_level is not None and (not isinstance(eqf_level, int) or isinstance(eqf_level, bool)
                                      or not 1 <= eqf_level <= 8):
            self.problems.error(Source(file, value.key_lines["eqf_level"]),
                                f"{owner}: `eqf_level` must be a whole number from 1 to 8",
                                "write the EQF level the college claims, or leave it out")
            eqf_level = None
        if not outcomes or participation is None or quality is None:
            return None
        return CredentialFacts(tuple(outcomes), participation, quality, eqf_level)

    def _rule(self, raw: LineDict, file: str, owner: str, path: PathModel | None, key: str = "rule") -> Rule | None:
        value = raw.get(key)
        line = raw.key_lines.get(key, raw.line)
        if not isinstance(value, LineDict):
            self.problems.error(
                Source(file, line),
                f"{owner} has no `{key}:` mapping" if value is None else f"{owner}: `{key}:` must be a mapping",
                f"write e.g. `{key}: {{type: module_completed, module: erasmus-plus-for-vet}}` (docs/badges.md)",
            )
            return None
        kind = value.get("type")
        if kind not in RULE_TYPES:
            self.problems.error(
                Source(file, value.key_lines.get("type", value.line)),
                f"{owner}: rule type {kind!r} is not known" if kind else f"{owner}: the rule has no `type:`",
                f"use one of: {', '.join(RULE_TYPES)}",
            )
            return None
        self.unknown_keys(value, RULE_KEYS[kind], file, f"a {kind} rule")

        def where(key):
            return Source(file, value.key_lines.get(key, value.line))

        rule = Rule(kind, module=value.get("module"), area=value.get("area"), level=value.get("level"),
                    areas=value.get("areas"))
        for key in sorted(RULE_KEYS[kind] - {"type"}):
            if value.get(key) is None:
                self.problems.error(where("type"), f"{owner}: a {kind} rule needs `{key}:`", _RULE_EXAMPLES[kind])
                return None
        if kind == LEVEL_IN_AREAS and (
            not isinstance(rule.areas, int) or isinstance(rule.areas, bool) or rule.areas < 1
        ):
            self.problems.error(where("areas"), f"{owner}: `areas:` must be a whole number above 0",
                                "write how many areas the earner must complete the level in, e.g. `areas: 3`")
            return None
        if path is not None and not self._rule_fits_path(rule, path, owner, where):
            return None
        return rule

    def _rule_fits_path(self, rule: Rule, path: PathModel, owner: str, where) -> bool:
        """A rule must name what the path has, and someone must be able to meet it: no rule over zero modules."""
        fits = True
        if rule.module is not None and path.module(rule.module) is None:
            self.problems.error(where("module"), f"{owner}: the rule names unknown module {rule.module!r}",
                                f"use one of the module ids: {_names(module.id for module in path.modules)}")
            fits = False
        if rule.area is not None and path.area(rule.area) is None:
            self.problems.error(where("area"), f"{owner}: the rule names unknown area {rule.area!r}",
                                f"use one of the areas of path.yaml: {_names(area.id for area in path.areas)}")
            fits = False
        if rule.level is not None and path.level(rule.level) is None:
            self.problems.error(where("level"), f"{owner}: the rule names unknown level {rule.level!r}",
                                f"use one of the levels of path.yaml: {_names(level.id for level in path.levels)}")
            fits = False
        if not fits:
            return False
        if rule.type == AREA_LEVEL_COMPLETED and not path.modules_for(rule.area, rule.level):
            self.problems.error(where("area"), f"{owner}: area {rule.area!r} has no module at level {rule.level!r}, "
                                "so nobody could earn this badge", "choose an area and level that have modules")
            return False
        if rule.type == LEVEL_IN_AREAS:
            areas = areas_with_modules_at(path, rule.level)
            if rule.areas > len(areas):
                self.problems.error(where("areas"), f"{owner}: only {len(areas)} area(s) have modules at level "
                                    f"{rule.level!r}, so {rule.areas} can never be reached",
                                    f"ask for at most {len(areas)} areas")
                return False
        if rule.type == PATH_COMPLETED and not path.modules:
            self.problems.error(where("type"), f"{owner}: the path has no modules to complete", "add modules first")
            return False
        if rule.type == PATH_COMPLETED:
            self._claims_every_cell(path, owner, where("type"))
        return True

    def _claims_every_cell(self, path: PathModel, owner: str, source: Source) -> None:
        """A badge for the whole path tells an employer "every area at every level": true only when every cell has
        a module (a warning, an error with strict)."""
        empty = [f"{area.id} × {level_id}" for area in path.areas for level_id in area.statements
                 if not path.modules_for(area.id, level_id)]
        if empty:
            self.problems.minimum(
                source, f"{owner}: certifies the whole path, and {len(empty)} area × level cell(s) have no module "
                f"({_names(empty)})", "write the missing modules, or say in the badge's texts what it does not cover",
                self.strict)

    def _alignment(self, raw: LineDict, file: str, owner: str, rule: Rule | None, path: PathModel | None):
        """The area and level the badge aligns to: written out, or what the rule names."""
        value = raw.get("alignment")
        area = rule.area if rule else None
        level = rule.level if rule else None
        if rule and rule.type == MODULE_COMPLETED and path and path.module(rule.module):
            area, level = path.module(rule.module).area, path.module(rule.module).level
        if value is None:
            return area, level
        if not isinstance(value, LineDict):
            self.problems.error(Source(file, raw.key_lines["alignment"]), f"{owner}: `alignment:` must be a mapping",
                                "write `alignment: {area: learner-mobility, level: explorer}`")
            return area, level
        self.unknown_keys(value, {"area", "level"}, file, "`alignment:`")
        area, level = value.get("area", area), value.get("level", level)
        if path is not None and area is not None and path.area(area) is None:
            self.problems.error(
                Source(file, value.key_lines.get("area", value.line)),
                f"{owner}: alignment to unknown area {area!r}",
                f"use one of the areas of path.yaml: {_names(item.id for item in path.areas)}",
            )
        if path is not None and level is not None and path.level(level) is None:
            self.problems.error(
                Source(file, value.key_lines.get("level", value.line)),
                f"{owner}: alignment to unknown level {level!r}",
                f"use one of the levels of path.yaml: {_names(item.id for item in path.levels)}",
            )
        return area, level

    def _image(self, raw: LineDict, file: str, owner: str) -> str | None:
        from app.badges.images import TemplateProblem, check_template

        image = self.plain_text(raw, "image", file, owner, required=True)
        if image is None:
            return None
        line = Source(file, raw.key_lines["image"])
        template = self.directory / IMAGES_FOLDER / image
        if "/" in image or not image.endswith(".svg") or not template.is_file():
            available = _names(path.name for path in sorted((self.directory / IMAGES_FOLDER).glob("*.svg")))
            self.problems.error(line, f"{owner}: image template {image!r} is not in {IMAGES_FOLDER}/",
                                f"name one of the SVG templates in {IMAGES_FOLDER}/: {available}")
            return None
        try:
            check_template(template)
        except TemplateProblem as problem:
            self.problems.error(
                Source(f"{IMAGES_FOLDER}/{image}", problem.line),
                f"the image template does not render: {problem}",
                "fix the template's SVG or its {{ … }} placeholders (docs/badges.md)",
            )
            return None
        return image


_RULE_EXAMPLES = {
    MODULE_COMPLETED: "write e.g. `rule: {type: module_completed, module: erasmus-plus-for-vet}`",
    AREA_LEVEL_COMPLETED: "write e.g. `rule: {type: area_level_completed, area: learner-mobility, level: explorer}`",
    LEVEL_IN_AREAS: "write e.g. `rule: {type: level_in_areas, level: rookie, areas: 3}`",
    PATH_COMPLETED: "write `rule: {type: path_completed}`",
}


def areas_with_modules_at(path: PathModel, level_id: str) -> list[str]:
    return [area.id for area in path.areas if path.modules_for(area.id, level_id)]


def _names(ids) -> str:
    ids = list(ids)
    return ", ".join(ids[:12]) + (" …" if len(ids) > 12 else "") if ids else "(none)"
