"""Badge definitions are data: the shipped ones are valid, and a mistake gets the content files' precise errors."""
import pytest

from app.badges.definitions import RULE_TYPES
from app.badges.loader import load_badges
from tests.support.badges import FACTS, PROJECT, badge_yaml, demonstrated_yaml, write_badges
from tests.support.content import small_path

pytestmark = pytest.mark.sqlite


def problems_of(app, tmp_path, files):
    _catalogue, problems = load_badges(write_badges(tmp_path / "b", files), app.extensions["path_model"])
    return [problem.format() for problem in problems.errors]  # the minimal files state no facts: a warning


def test_shipped_badges_are_valid_and_cover_every_rule_type(app):
    catalogue, problems = load_badges(PROJECT / "badge_templates", app.extensions["path_model"])
    assert not problems.errors, [problem.format() for problem in problems.errors]
    assert len(catalogue.badges) >= 8
    assert {badge.rule.type for badge in catalogue.participation} == set(RULE_TYPES)
    assert len({badge.align_area for badge in catalogue.demonstrated}) >= 8  # a demonstrated badge in every area


def test_every_shipped_badge_has_its_name_in_the_six_languages(app):
    catalogue, _ = load_badges(PROJECT / "badge_templates", app.extensions["path_model"])
    for badge in catalogue.badges:
        assert set(badge.name.values) == {"en", "fi", "et", "it", "nl", "es"}, badge.id


def test_a_rule_naming_an_unknown_module_is_an_error_at_its_line(app, tmp_path):
    text = (
        "id: x\nname: X\ndescription: D\ncriteria: C\n"
        "rule:\n  type: module_completed\n  module: no-such-module\nimage: module.svg\n" + FACTS
    )
    [problem] = problems_of(app, tmp_path, {"x.yaml": text})
    assert problem.startswith("x.yaml:7: error: badge 'x': the rule names unknown module 'no-such-module'")
    assert "erasmus-plus-for-vet" in problem  # the fix lists the module ids


def errors_on_the_small_path(tmp_path, files):
    """The shipped path fills every cell: these rules are checked on a path with a cell left empty."""
    _catalogue, problems = load_badges(write_badges(tmp_path / "b", files), small_path())
    return [problem.format() for problem in problems.errors]


def test_a_cell_without_modules_is_refused_because_nobody_could_earn_it(tmp_path):
    [problem] = errors_on_the_small_path(tmp_path, {"x.yaml": badge_yaml(
        "x", "{type: area_level_completed, area: languages, level: explorer}")})
    assert "area 'languages' has no module at level 'explorer', so nobody could earn this badge" in problem


def test_asking_for_more_areas_than_have_modules_at_the_level_is_an_error(tmp_path):
    [problem] = errors_on_the_small_path(
        tmp_path, {"x.yaml": badge_yaml("x", "{type: level_in_areas, level: explorer, areas: 2}")}
    )
    assert "only 1 area(s) have modules at level 'explorer', so 2 can never be reached" in problem


def test_an_unknown_rule_type_lists_the_known_ones(app, tmp_path):
    [problem] = problems_of(app, tmp_path, {"x.yaml": badge_yaml("x", "{type: self_rating}")})
    assert "rule type 'self_rating' is not known" in problem
    assert "module_completed, area_level_completed, level_in_areas, path_completed" in problem


def test_the_id_must_match_the_file_name(app, tmp_path):
    [problem] = problems_of(app, tmp_path, {"other.yaml": badge_yaml("x", "{type: path_completed}")})
    assert problem.startswith("other.yaml:1: error: badge id 'x' differs from its file name")


def test_a_missing_image_template_names_the_available_ones(app, tmp_path):
    text = badge_yaml("x", "{type: path_completed}").replace("image: module.svg", "image: round.svg")
    [problem] = problems_of(app, tmp_path, {"x.yaml": text})
    assert "image template 'round.svg' is not in images/" in problem and "module.svg" in problem


def test_a_misspelt_placeholder_in_an_image_template_is_an_error(app, tmp_path):
    directory = write_badges(tmp_path / "b", {"x.yaml": badge_yaml("x", "{type: path_completed}")})
    (directory / "images" / "module.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">\n<text>{{ nmae }}</text></svg>', encoding="utf-8")
    _catalogue, problems = load_badges(directory, app.extensions["path_model"])
    [problem] = [problem.format() for problem in problems.errors]
    assert problem.startswith("images/module.svg") and "'nmae' is undefined" in problem


def test_a_badge_with_errors_is_left_out_and_the_others_load(app, tmp_path):
    catalogue, problems = load_badges(write_badges(tmp_path / "b", {
        "good.yaml": badge_yaml("good", "{type: path_completed}"),
        "bad.yaml": badge_yaml("bad", "{type: module_completed, module: nope}"),
    }), app.extensions["path_model"])
    assert [badge.id for badge in catalogue.badges] == ["good"]
    assert len(problems.errors) == 1


def test_content_check_also_checks_the_badges_and_fails_on_their_errors(app, runner, tmp_path):
    directory = write_badges(tmp_path / "b", {"x.yaml": badge_yaml("x", "{type: module_completed, module: nope}")})
    result = runner.invoke(args=["content", "check", "--badges-dir", str(directory)])
    assert result.exit_code == 1
    assert "x.yaml:5: error: badge 'x': the rule names unknown module 'nope'" in result.output
    assert "0 badge(s) loaded; 1 error(s)" in result.output


def test_content_check_passes_with_the_shipped_badges(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "18 badge(s) loaded; 0 error(s), 0 warning(s)" in result.output


def test_a_demonstrated_badge_needs_a_brief_with_three_to_five_criteria_and_no_rule(app, tmp_path):
    text = demonstrated_yaml("shown", "{type: module_completed, module: erasmus-plus-for-vet}")
    two_criteria = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("    - {id: c,"))
    criteria_line = text.splitlines().index("  criteria:") + 1
    with_rule = text + "rule: {type: path_completed}\n"
    without_brief = text[:text.index("brief:")] + text[text.index("facts:"):]

    assert any(problem.startswith(f"shown.yaml:{criteria_line}: error: badge 'shown': the brief has 2 criteria")
               for problem in problems_of(app, tmp_path / "a", {"shown.yaml": two_criteria}))
    assert any("a demonstrated badge has no `rule:`: a reviewer awards it" in problem
               for problem in problems_of(app, tmp_path / "b", {"shown.yaml": with_rule}))
    assert any(problem.startswith("shown.yaml:1: error: badge 'shown': a demonstrated badge needs a `brief:`")
               for problem in problems_of(app, tmp_path / "c", {"shown.yaml": without_brief}))


def test_a_demonstrated_badge_with_a_valid_brief_loads_with_its_criteria_and_facts(app, tmp_path):
    catalogue, problems = load_badges(write_badges(tmp_path / "b", {"shown.yaml": demonstrated_yaml(
        "shown", "{type: area_level_completed, area: learner-mobility, level: explorer}")}),
        app.extensions["path_model"])

    assert not problems, [problem.format() for problem in problems]
    [badge] = catalogue.demonstrated
    assert [criterion.id for criterion in badge.brief.criteria] == ["a", "b", "c"]
    assert badge.brief.expected_hours == 3 and badge.prerequisites.area == "learner-mobility"
    assert (badge.align_area, badge.align_level) == ("learner-mobility", "explorer")
    assert badge.facts.outcomes[0].localised("fi") == "The earner can explain what the modules teach (fi)"


def test_missing_facts_or_languages_warn_and_fail_with_strict(app, tmp_path):
    directory = write_badges(tmp_path / "b", {"x.yaml": badge_yaml("x", "{type: path_completed}", facts=(
        "\n  outcomes: [The earner can explain it.]\n  participation: Online\n  quality_assurance: Reviewed\n"
        "  eqf_level: 11"))})
    _catalogue, lenient = load_badges(directory, app.extensions["path_model"])
    _catalogue, strict = load_badges(directory, app.extensions["path_model"], strict=True)

    assert "x.yaml:11: error: badge 'x': `eqf_level` must be a whole number from 1 to 8" in [
        problem.format().split(" — ")[0] for problem in lenient]
    assert any(problem.format().startswith("x.yaml:8: warning: badge 'x': a learning outcome has no fi, et")
               for problem in lenient)
    # the level, three facts without their languages, and the name, description and criteria (English only)
    assert sum(problem.is_error for problem in strict) == 7


def test_a_badge_for_the_whole_path_warns_while_a_cell_has_no_module_and_fails_strict(tmp_path):
    directory = write_badges(tmp_path / "b", {"x.yaml": badge_yaml("x", "{type: path_completed}")})
    _catalogue, lenient = load_badges(directory, small_path())
    _catalogue, strict = load_badges(directory, small_path(), strict=True)

    message = ("badge 'x': certifies the whole path, and 1 area × level cell(s) have no module "
               "(languages × explorer)")
    assert [(problem.severity, problem.line) for problem in lenient if problem.message == message] == [("warning", 5)]
    assert [problem.severity for problem in strict if problem.message == message] == ["error"]


def test_the_whole_path_badge_states_the_number_of_modules_it_certifies_in_every_language(app):
    catalogue, _ = load_badges(PROJECT / "badge_templates", app.extensions["path_model"])
    [whole_path] = [badge for badge in catalogue.participation if badge.rule.type == "path_completed"]
    modules = len(app.extensions["path_model"].modules)

    for text in (whole_path.description, whole_path.criteria):
        for locale, value in text.values.items():
            assert f" {modules} " in value, (locale, value)


def test_a_badge_for_one_module_names_it_by_its_current_title(app):
    catalogue, _ = load_badges(PROJECT / "badge_templates", app.extensions["path_model"])
    path = app.extensions["path_model"]

    for badge in catalogue.participation:
        if badge.rule.type == "module_completed" and "“" in badge.criteria.english:
            title = path.module(badge.rule.module).title.english
            assert f"“{title}”" in badge.criteria.english and f"“{title}”" in badge.description.english, badge.id
