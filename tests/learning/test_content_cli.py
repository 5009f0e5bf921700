"""`flask content check|stats` as authors and CI use them, and the app's start with good or broken content."""
import pytest

from app import create_app
from app.config import PROJECT_ROOT, TestConfig
from app.learning.content import ContentRefused

pytestmark = pytest.mark.sqlite

SHIPPED = PROJECT_ROOT / "modules"


@pytest.mark.parametrize("args", [[], ["--strict"]])
def test_the_shipped_modules_pass_the_check(runner, args):
    result = runner.invoke(args=["content", "check", "--dir", str(SHIPPED), *args])

    assert result.exit_code == 0, result.output
    assert ": error:" not in result.output
    assert " 0 error(s)" in result.output


def test_the_shipped_modules_use_every_activity_type_across_levels_and_areas(app):
    model = app.extensions["path_model"]

    assert len(model.modules) >= 4
    assert {activity.type for module in model.modules for activity in module.activities} == {
        "single_choice", "multiple_choice", "scenario", "reflection", "checklist"}
    assert len({module.level for module in model.modules}) >= 3
    assert len({module.area for module in model.modules}) >= 4
    assert any("fi" in module.translations for module in model.modules)
    assert len(model.areas) == 8 and [level.id for level in model.levels] == [
        "rookie",
        "explorer",
        "practitioner",
        "expert",
    ]
    for area in model.areas:
        for level in model.levels:
            assert 2 <= len(area.statements_at(level.id)) <= 4, (area.id, level.id)


def test_check_prints_each_problem_with_file_and_line_and_exits_1(runner, content_dir):
    directory = content_dir("scenario-without-choices")

    result = runner.invoke(args=["content", "check", "--dir", str(directory)])

    assert result.exit_code == 1
    assert (f"{directory}/m/module.md:15: error: scenario 's1' has no choices — add `options:` with at least two "
            "choices, each with `text:` and `feedback:`") in result.output


def test_check_strict_turns_the_minimums_into_errors(runner, content_dir):
    directory = content_dir("good")

    relaxed = runner.invoke(args=["content", "check", "--dir", str(directory)])
    strict = runner.invoke(args=["content", "check", "--strict", "--dir", str(directory)])

    assert relaxed.exit_code == 0, relaxed.output
    assert f"{directory}/first-steps/module.md:6: warning: module 'first-steps' takes 5 minutes" in relaxed.output
    assert strict.exit_code == 1
    assert f"{directory}/first-steps/module.md:6: error: module 'first-steps' takes 5 minutes" in strict.output


def test_stats_prints_a_row_per_module(runner, app):
    result = runner.invoke(args=["content", "stats", "--dir", str(SHIPPED)])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["module", "area", "level", "sections", "words", "single", "multi", "scen", "refl",
                                "check", "scored", "variants", "guess", "read", "measured", "minutes", "translations"]
    for module in app.extensions["path_model"].modules:
        assert any(line.startswith(module.id + " ") for line in lines), module.id
    mobility = next(line for line in lines if line.startswith("preparing-learners-for-mobility "))
    assert mobility.endswith("es, et, fi, it, nl")  # every module is translated into the five partner languages


def test_stats_counts_sections_words_activities_and_the_measured_minutes(runner, content_dir):
    result = runner.invoke(args=["content", "stats", "--dir", str(content_dir("good"))])

    row = next(line for line in result.output.splitlines() if line.startswith("first-steps"))
    # 13 words of section text; 1 scored activity without variants; 29 words read in all, measuring 3 minutes
    assert row.split() == ["first-steps", "mobility", "rookie", "3", "13", "1", "0", "0", "1", "1", "1", "0", "50.0%",
                           "29", "3", "5", "fi"]


def test_the_app_loads_the_content_at_start(app):
    assert app.extensions["path_model"].module("erasmus-plus-for-vet") is not None
    assert not [problem for problem in app.extensions["content_problems"] if problem.is_error]


def test_production_refuses_to_start_with_content_errors(content_dir):
    directory = content_dir("unknown-level")

    with pytest.raises(ContentRefused) as refused:
        create_app({"ENV_NAME": "production", "CONTENT_DIR": str(directory)}, config=TestConfig())

    assert f"{directory}/m/module.md:5: error: module 'm' names unknown level 'master'" in str(refused.value)


def test_development_starts_with_content_errors_and_keeps_them_for_the_admin(content_dir):
    directory = content_dir("unknown-level")

    app = create_app({"ENV_NAME": "development", "CONTENT_DIR": str(directory)}, config=TestConfig())

    problems = app.extensions["content_problems"]
    assert any(p.is_error and p.message == "module 'm' names unknown level 'master'" for p in problems)
    assert app.extensions["path_model"].module("m") is None


def test_production_starts_with_warnings_only(content_dir):
    app = create_app({"ENV_NAME": "production", "CONTENT_DIR": str(content_dir("good"))}, config=TestConfig())

    assert app.extensions["path_model"].module("first-steps") is not None
