"""`modules/` as validated files: every structural mistake is an error with its file, line and a fix; a good directory
loads."""
import pytest

from app.learning.content import load_content

pytestmark = pytest.mark.sqlite


@pytest.mark.parametrize(
    ("fixture", "file", "line", "message"),
    [
        ("path-broken-yaml", "path.yaml", 4, "the YAML does not parse: did not find expected '-' indicator"),
        ("broken-yaml", "m/module.md", 17, "the YAML does not parse: mapping values are not allowed in this context"),
        ("unknown-area", "m/module.md", 4, "module 'm' names unknown area 'nowhere'"),
        ("unknown-level", "m/module.md", 5, "module 'm' names unknown level 'master'"),
        ("cell-not-in-path", "m/module.md", 5, "area 'languages' has no level 'explorer' in path.yaml"),
        ("duplicate-activity-id", "m/module.md", 29,
         "duplicate activity id 'q1' in module 'm' (first at m/module.md:15)"),
        ("duplicate-statement-id", "path.yaml", 13,
         "duplicate statement id 'mobility.rookie.1' (first at path.yaml:11)"),
        ("single-choice-two-correct", "m/module.md", 15,
         "single_choice 'q1' has 2 correct answers; a single choice needs exactly one"),
        ("question-without-correct-answer", "m/module.md", 15, "multiple_choice 'q1' has no correct answer"),
        ("scenario-without-choices", "m/module.md", 15, "scenario 's1' has no choices"),
        ("missing-module-md", "m/module.md", None, "module folder 'm' has no module.md"),
        ("translation-unknown-ids", "m/module.fi.md", 12, "activity 'q9' does not exist in module.md"),
        ("translation-unknown-ids", "m/module.fi.md", 16, "section 'extra' does not exist in module.md"),
    ],
)
def test_broken_content_is_an_error_with_file_line_and_fix(content_dir, fixture, file, line, message):
    loaded = load_content(content_dir(fixture))

    matching = [problem for problem in loaded.errors if problem.message == message]
    assert matching, [str(problem) for problem in loaded.errors]
    problem = matching[0]
    assert (problem.file, problem.line) == (file, line)
    assert problem.fix  # every error says what to write instead


@pytest.mark.parametrize(
    "fixture", ["unknown-area", "duplicate-activity-id", "scenario-without-choices", "broken-yaml"]
)
def test_a_module_with_errors_is_left_out_of_the_model(content_dir, fixture):
    loaded = load_content(content_dir(fixture))

    assert loaded.model.module("m") is None
    assert loaded.rejected_modules == ["m"] or fixture == "broken-yaml"


def test_broken_path_yaml_gives_no_model(content_dir):
    assert load_content(content_dir("path-broken-yaml")).model is None


def test_the_good_fixture_loads_without_errors(content_dir):
    loaded = load_content(content_dir("good"))

    assert loaded.errors == []
    model = loaded.model
    assert [level.id for level in model.levels] == ["rookie", "explorer"]
    assert [area.id for area in model.areas] == ["mobility", "languages"]
    assert [s.id for s in model.area("mobility").statements_at("explorer")] == [
        "mobility.explorer.1",
        "mobility.explorer.2",
    ]
    module = model.module("first-steps")
    assert (module.area, module.level, module.minutes) == ("mobility", "rookie", 5)
    assert module.completion.min_score == 80 and module.completion.all_sections_seen
    assert [section.id for section in module.sections] == [
        "before",
        "during",
        "after",
    ]  # "during" is the heading's slug
    assert [(a.id, a.type) for a in module.activities] == [
        ("q1", "single_choice"), ("during-list", "checklist"), ("after-thoughts", "reflection")]
    assert [option.correct for option in module.activities[0].options] == [True, False]
    assert model.modules_for("mobility", "rookie") == (module,)


def test_minimums_are_warnings_without_strict_and_errors_with_it(content_dir):
    directory = content_dir("good")

    relaxed = load_content(directory)
    strict = load_content(directory, strict=True)

    minutes = "module 'first-steps' takes 5 minutes"
    assert [p.severity for p in relaxed.problems if p.message == minutes] == ["warning"]
    assert [(p.severity, p.file, p.line) for p in strict.problems if p.message == minutes] == [
        ("error", "first-steps/module.md", 6)]
    assert any(p.message == "module 'first-steps' has 3 sections" for p in strict.errors)
    assert strict.model.module("first-steps") is None


def test_a_section_longer_than_about_250_words_fails_strict(content_dir):
    directory = content_dir("good")
    module_file = directory / "first-steps" / "module.md"
    module_file.write_text(module_file.read_text().replace("Stay in touch.", "Stay in touch. " * 130))

    loaded = load_content(directory, strict=True)

    assert any(p.message == "section 'during' has 390 words" and p.line == 30 for p in loaded.errors)


def test_path_texts_without_a_locale_are_one_warning_per_locale(content_dir):
    loaded = load_content(content_dir("good"))

    warnings = [p.message for p in loaded.warnings if p.file == "path.yaml"]
    assert "12 texts have no Estonian (et) version; English is shown" in warnings
    assert not any("Finnish" in message for message in warnings)  # the fixture path is translated into Finnish


def test_a_yes_or_no_answer_text_must_be_quoted(content_dir):
    directory = content_dir("good")
    module_file = directory / "first-steps" / "module.md"
    module_file.write_text(module_file.read_text().replace("text: Travel", "text: No"))

    loaded = load_content(directory)

    assert any(p.message == "option 'b': `text:` is not a text" and p.line == 26 for p in loaded.errors)
