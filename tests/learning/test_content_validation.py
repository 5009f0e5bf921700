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


def _front_matter(directory, extra: str, module: str = "first-steps"):
    """Add lines to a fixture module's front matter, after `completion:`."""
    module_file = directory / module / "module.md"
    text = module_file.read_text()
    completion = "completion: {all_sections_seen: true, min_score: 80}\n"
    module_file.write_text(text.replace(completion, completion + extra, 1))


def test_a_module_names_the_statements_of_its_cell_it_teaches_its_sources_and_when_they_were_checked(content_dir):
    directory = content_dir("good")
    _front_matter(directory, "teaches: [mobility.rookie.1, mobility.rookie.2]\n"
                             "sources:\n  - https://europass.europa.eu/en\nchecked: 2026-11-30\n")

    loaded = load_content(directory)

    module = loaded.model.module("first-steps")
    assert module.teaches == ("mobility.rookie.1", "mobility.rookie.2")
    assert module.sources == ("https://europass.europa.eu/en",)
    assert module.checked.isoformat() == "2026-11-30"
    assert not [p for p in loaded.problems if "teach" in p.message or "source" in p.message or "checked" in p.message]


@pytest.mark.parametrize(("teaches", "claimed"), [
    ("mobility.explorer.1", "statement 'mobility.explorer.1' of 'mobility' at level 'explorer'"),
    ("languages.rookie.1", "statement 'languages.rookie.1' of 'languages' at level 'rookie'"),
    ("mobility.rookie.9", "unknown statement 'mobility.rookie.9'"),
])
def test_a_module_claiming_a_statement_outside_its_cell_is_an_error(content_dir, teaches, claimed):
    directory = content_dir("good")
    _front_matter(directory, f"teaches: [mobility.rookie.1, {teaches}]\n")

    loaded = load_content(directory)

    problem = next(p for p in loaded.errors if "claims to teach" in p.message)
    assert problem.message == f"module 'first-steps' ('mobility' at level 'rookie') claims to teach {claimed}"
    assert (problem.file, problem.line) == ("first-steps/module.md", 10)
    assert problem.fix == "list only statements of its cell: mobility.rookie.1, mobility.rookie.2"
    assert loaded.model.module("first-steps") is None


def test_a_statement_no_module_teaches_is_a_warning_and_with_strict_an_error_at_its_line(content_dir):
    directory = content_dir("good")
    _front_matter(directory, "teaches: [mobility.rookie.1]\n")

    relaxed, strict = load_content(directory), load_content(directory, strict=True)

    def untaught(loaded):
        return {(p.severity, p.line, p.message, p.fix) for p in loaded.problems if "taught by no module" in p.message}

    assert ("warning", 17, "can-do statement 'mobility.rookie.2' is taught by no module",
            "add 'mobility.rookie.2' to `teaches:` of 'first-steps' and teach it there") in untaught(relaxed)
    assert ("error", 20, "can-do statement 'mobility.explorer.1' is taught by no module",
            "write a module for area 'mobility' at level 'explorer'") in untaught(strict)
    assert len(untaught(strict)) == 5  # mobility.rookie.2, both explorer statements, both languages statements


@pytest.mark.parametrize(("extra", "line", "message"), [
    ("teaches: mobility.rookie.1\n", 10, "`teaches:` must be a list of statement ids"),
    ("sources:\n  - europass.europa.eu\n", 11, "'europass.europa.eu' in `sources:` is not a web address"),
    ("sources: https://europass.europa.eu\n", 10, "`sources:` must be a list of addresses"),
    ("checked: last week\n", 10, "`checked:` must be a date"),
    ("checked: 2999-01-01\n", 10, "`checked:` is 2999-01-01, a day still to come"),
])
def test_malformed_teaches_sources_and_checked_are_errors_at_their_line(content_dir, extra, line, message):
    directory = content_dir("good")
    _front_matter(directory, extra)

    loaded = load_content(directory)

    problem = next(p for p in loaded.errors if p.message == message)
    assert (problem.file, problem.line) == ("first-steps/module.md", line) and problem.fix


def test_teaches_sources_and_checked_are_minimums_strict_requires(content_dir):
    strict = load_content(content_dir("good"), strict=True)

    messages = {p.message for p in strict.errors}
    assert {"module 'first-steps' names no can-do statement it teaches", "module 'first-steps' names no sources",
            "module 'first-steps' does not say when its facts were checked"} <= messages


def test_minutes_more_than_30_percent_from_the_measured_reading_time_fail_strict(content_dir):
    """The fixture module reads 13 words of text and 16 of activities and feedback, and asks for one reflection:
    29 / 150 + 3 ≈ 3.2 minutes. 5 minutes is more than 30 % off; 4 is not."""
    directory = content_dir("good")

    strict = load_content(directory, strict=True)
    module_file = directory / "first-steps" / "module.md"
    module_file.write_text(module_file.read_text().replace("minutes: 5", "minutes: 4"))
    closer = load_content(directory, strict=True)

    off = [p for p in strict.errors if "its text measures" in p.message]
    assert [(p.line, p.message) for p in off] == [
        (6, "module 'first-steps' says 5 minutes; its text measures 3 (29 words at 150 a minute, 3 per reflection)")]
    assert off[0].fix.startswith("add content to a module that reads shorter than it says")
    assert not [p for p in closer.problems if "its text measures" in p.message]


def test_the_measured_time_counts_what_a_learner_who_answers_right_reads():
    from app.learning.content.model import Activity, CompletionRule, Module, Option, Section, english
    from app.learning.content.validation import measured_minutes, words_read

    def option(option_id, text, feedback, correct=False):
        return Option(option_id, english(text), correct, english(feedback))

    many = Activity("m", "multiple_choice", english("Pick two"), options=(
        option("a", "one", "one two three four", True), option("b", "two", "one two", True),
        option("c", "three", "x y z"), option("d", "four", "x")))
    variant = Activity("q.v2", "single_choice", english("never counted in the measure"), options=(
        option("a", "never", "never", True), option("b", "never", "never")))
    single = Activity("q", "single_choice", english("Which one"), options=(
        option("a", "yes", "four words of feedback", True), option("b", "no", "two words")), variants=(variant,))
    reflection = Activity("r", "reflection", english("Think"))
    module = Module("m", english("M"), "a", "rookie", 10, (), CompletionRule(), (
        Section("s", english("S"), english("Seven words of section text to read."), (many, single, reflection)),))

    # text 7; multiple choice: prompt 2 + options 4 + feedback mean 2.5 × 2 right = 5; single: prompt 2 + options 2
    # + feedback mean 3; reflection: prompt 1
    assert words_read(module) == 7 + (2 + 4 + 5) + (2 + 2 + 3) + 1
    assert measured_minutes(module) == pytest.approx(26 / 150 + 3)
