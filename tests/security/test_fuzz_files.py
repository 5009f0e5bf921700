"""Fuzzing the content and badge file parsers: any text in a module file or a badge file gives a loaded model
or precise problems (file, line, what to do), never an exception."""
import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.badges.loader import load_badges
from app.learning.content.loader import load_content, parse_module_file
from app.learning.content.validation import Problems

PROJECT = Path(__file__).resolve().parents[2]
MODULE = "erasmus-plus-for-vet"
REAL_MODULE = (PROJECT / "modules" / MODULE / "module.md").read_text(encoding="utf-8")
REAL_BADGE = (PROJECT / "badge_templates" / "erasmus-plus-starter.yaml").read_text(encoding="utf-8")
PATH_YAML = (PROJECT / "modules" / "path.yaml").read_text(encoding="utf-8")
SNIPPETS = st.sampled_from(
    [
        "---",
        "```",
        "```activity",
        "~~~",
        "## ",
        "## Title {#",
        "{#x}",
        "id:",
        "type: reflection",
        "options:",
        "- ",
        "  - id: a",
        "correct: true",
        ": ",
        "[",
        "{",
        "&anchor",
        "*alias",
        "!!python/object:os.system",
        "\t",
        "\x00",
        "\ufeff",
        "title: ",
        "completion: {min_score: 500}",
        "minutes: -1",
        "area: nowhere",
        "level: ",
        "name:",
        "rule:",
        "type:",
        "module_completed",
        "image: ../../etc/passwd",
        "colour: red",
        "valid_for_days: true",
        "alignment:",
        "tags: {}",
    ]
)


def mutated(text: str):
    """The real file with lines replaced, inserted or dropped: near-valid files reach the deep checks."""
    lines = text.splitlines()
    edit = st.tuples(st.integers(0, max(len(lines) - 1, 0)), st.sampled_from(["replace", "insert", "drop"]),
                     SNIPPETS | st.text(max_size=30))

    def apply(edits):
        result = list(lines)
        for index, kind, value in edits:
            index = min(index, max(len(result) - 1, 0))
            if kind == "replace" and result:
                result[index] = value
            elif kind == "insert":
                result.insert(index, value)
            elif result:
                del result[index]
        return "\n".join(result) + "\n"

    return st.lists(edit, min_size=1, max_size=6).map(apply)


def assert_clear(problems):
    for problem in problems:
        assert problem.message and problem.file, problem


@given(text=st.text(max_size=400) | mutated(REAL_MODULE))
def test_any_module_text_parses_into_sections_or_problems(text):
    problems = Problems()

    parse_module_file(text, f"{MODULE}/module.md", problems)

    assert_clear(problems)


@given(text=mutated(REAL_MODULE))
def test_any_module_file_loads_or_reports_its_problems(text):
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder)
        (content / "path.yaml").write_text(PATH_YAML, encoding="utf-8")
        (content / MODULE).mkdir()
        (content / MODULE / "module.md").write_text(text, encoding="utf-8")

        loaded = load_content(content, locales=["en"])

    assert_clear(loaded.problems)
    assert loaded.errors or loaded.model.module(MODULE) is not None


@given(text=st.text(max_size=300) | mutated(REAL_BADGE))
def test_any_badge_file_loads_or_reports_its_problems(text):
    path = load_content(PROJECT / "modules", locales=["en"]).model
    with tempfile.TemporaryDirectory() as folder:
        badges = Path(folder)
        shutil.copytree(PROJECT / "badge_templates" / "images", badges / "images")
        (badges / "erasmus-plus-starter.yaml").write_text(text, encoding="utf-8")

        catalogue, problems = load_badges(badges, path, locales=["en"])

    assert_clear(problems)
    assert problems.errors or catalogue.badge("erasmus-plus-starter") is not None
