"""Badge worlds: module completions as the player records them, and badge directories written in the test (the
shipped images and fonts beside them)."""
import shutil
from pathlib import Path

import pytest

from app.events import module_completed
from app.extensions import db
from app.learning.progress import open_module

PROJECT = Path(__file__).resolve().parents[2]
SPEC = PROJECT.parent / "shared" / "spec" / "ob3"


def complete_module(app, launch, module_id: str, *, now, score: int = 100):
    """What the module player does when a completion rule is met: record it and send module_completed."""
    module = app.extensions["path_model"].module(module_id)
    progress = open_module(launch, module, now=now)
    progress.completed_at, progress.score = now, score
    if progress.current_attempt is not None:  # the player completes the attempt that met the rule
        progress.current_attempt.completed_at, progress.current_attempt.score = now, score
    db.session.flush()
    module_completed.send(app, launch=launch, module=module, progress=progress)
    return progress


def complete_modules(app, launch, module_ids, *, now):
    for module_id in module_ids:
        complete_module(app, launch, module_id, now=now)


def write_badges(directory: Path, files: dict[str, str]) -> Path:
    """A badge directory with these YAML files (name → text) and the shipped images/ and fonts/."""
    directory.mkdir(parents=True, exist_ok=True)
    for folder in ("images", "fonts"):
        shutil.copytree(PROJECT / "badge_templates" / folder, directory / folder, dirs_exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def badge_yaml(badge_id: str, rule: str, **extra) -> str:
    """A minimal valid badge file with this rule (a YAML flow mapping)."""
    lines = [f"id: {badge_id}", f"name: Badge {badge_id}", f"description: About {badge_id}.",
             f"criteria: Earned by {badge_id}.", f"rule: {rule}", "image: module.svg"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n" + ("" if "facts" in extra else FACTS)


# The micro-credential facts every badge states, in the six languages of the package.
def _in_six(text: str) -> str:
    return "{" + ", ".join(f"{locale}: {text} ({locale})" for locale in ("en", "fi", "et", "it", "nl", "es")) + "}"


FACTS = (f"facts:\n  outcomes:\n    - {_in_six('The earner can explain what the modules teach')}\n"
         f"  participation: {_in_six('Online self-paced individual')}\n"
         f"  quality_assurance: {_in_six('Questions reviewed by the partners')}\n")


def demonstrated_yaml(badge_id: str, prerequisites: str, *, reviewers: str = "organisation") -> str:
    """A valid demonstrated badge: a brief with three criteria (a, b, c), these prerequisites and reviewers; its
    texts, brief and facts in the six languages."""
    criteria = "".join(
        f"    - {{id: {c}, text: {_in_six(f'Criterion {c}')}, meets: {_in_six(f'What {c} looks like')}}}\n"
        for c in "abc"
    )
    return (f"id: {badge_id}\nkind: demonstrated\nname: {_in_six(f'Shown {badge_id}')}\n"
            f"description: {_in_six(f'Work shown for {badge_id}')}\n"
            f"criteria: {_in_six(f'A reviewer accepted the work for {badge_id}')}\nprerequisites: {prerequisites}\n"
            f"reviewers: {reviewers}\nimage: module.svg\nbrief:\n  title: {_in_six(f'The {badge_id} artefact')}\n"
            f"  task: {_in_six('Produce the artefact')}\n  situation: {_in_six('For your own college')}\n"
            f"  expected_hours: 3\n  criteria:\n{criteria}{FACTS}")


@pytest.fixture
def use_badges(app, tmp_path):
    """use_badges({"x.yaml": text, …}): the app serves exactly these badges."""
    def use(files: dict[str, str]):
        app.config["BADGE_TEMPLATES_DIR"] = str(write_badges(tmp_path / "badges", files))
        app.extensions.pop("badge_catalogue", None)
    return use


FACTS_YAML = """facts:
  outcomes:
    - en: The earner can plan a learner mobility.
      fi: Suorittaja osaa suunnitella opiskelijaliikkuvuuden.
    - en: The earner can explain Erasmus+ funding.
  participation:
    en: Online, self-paced, individual.
    fi: Verkossa, omaan tahtiin, yksin.
  quality_assurance:
    en: Reviewed yearly by the REX VET partners.
"""

CRITERIA = (("plan", "The plan names the learners and dates.", "Every learner and date is named."),
            ("budget", "The budget follows the Erasmus+ unit costs.", "Each cost matches a unit cost."),
            ("risks", "The plan says what could go wrong.", "Two risks with a response each."))


def facts_yaml(eqf_level: int | None = None) -> str:
    """The `facts:` block of a badge file (outcomes, participation, quality assurance, an EQF level if given)."""
    return FACTS_YAML + (f"  eqf_level: {eqf_level}\n" if eqf_level else "")


def mobility_plan_yaml(badge_id: str, prerequisites: str, *, expected_hours: int = 3, criteria=CRITERIA,
                      eqf_level: int | None = None) -> str:
    """A demonstrated badge with a realistic brief (a mobility plan: plan, budget, risks) and facts partly in Finnish,
    for the credential tests; demonstrated_yaml above is the plain one in six languages."""
    lines = [f"id: {badge_id}", f"name: Badge {badge_id}", f"description: About {badge_id}.",
             f"criteria: A colleague accepted the plan for {badge_id}.", "kind: demonstrated",
             f"prerequisites: {prerequisites}", "image: module.svg", "brief:", "  title: A mobility plan",
             "  task: Write a mobility plan for your next group.", "  situation: Your own college's next mobility.",
             f"  expected_hours: {expected_hours}", "  criteria:"]
    for criterion_id, text, meets in criteria:
        lines += [f"    - id: {criterion_id}", f"      text: {text}", f"      meets: {meets}"]
    return "\n".join(lines) + "\n" + facts_yaml(eqf_level)


def participation_yaml(badge_id: str, rule: str, *, eqf_level: int | None = None, **extra) -> str:
    """badge_yaml with the credential tests' own facts (partly Finnish, an EQF level if given)."""
    return badge_yaml(badge_id, rule, **extra).replace(FACTS, "") + facts_yaml(eqf_level)
