"""Content for tests: the fixture content directories (tests/learning/fixtures), the small path built in code,
the tool serving either, and course links in the development LMS that open one module."""
import shutil
from pathlib import Path

import pytest

from app.learning.content.loader import load_content
from app.learning.content.model import Area, CompletionRule, Level, Module, PathModel, Statement, Text, english

FIXTURES = Path(__file__).resolve().parents[1] / "learning" / "fixtures"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    directory = tmp_path / name
    shutil.copytree(FIXTURES / name, directory)
    if not (directory / "path.yaml").exists():
        shutil.copy(FIXTURES / "path.yaml", directory / "path.yaml")
    return directory


def small_path() -> PathModel:
    """Two areas over three levels, with modules in four cells: enough for placement and the path page."""
    levels = tuple(Level(id_, order, Text(titles)) for order, (id_, titles) in enumerate([
        ("rookie", {"en": "Rookie", "fi": "Aloittelija"}),
        ("explorer", {"en": "Explorer", "fi": "Tutkija"}),
        ("practitioner", {"en": "Practitioner", "fi": "Osaaja"}),
    ], start=1))

    def area(area_id, titles, counts):
        statements = {
            level: tuple(
                Statement(f"{area_id}.{level}.{n}", area_id, level, english(f"{area_id} {level} statement {n}"))
                for n in range(1, count + 1)
            )
            for level, count in counts.items()
        }
        return Area(area_id, Text(titles), english(f"About {titles['en']}."), statements)

    def module(module_id, area_id, level):
        return Module(module_id, Text({"en": f"Module {module_id}", "fi": f"Moduuli {module_id}"}), area_id, level,
                      minutes=15, outcomes=(english(f"You can do what {module_id} teaches."),),
                      completion=CompletionRule(), sections=(), translations=("fi",))

    return PathModel(
        levels=levels,
        areas=(
            area("mobility", {"en": "Learner mobility", "fi": "Opiskelijoiden liikkuvuus"},
                 {"rookie": 2, "explorer": 2, "practitioner": 1}),
            area("languages", {"en": "Languages", "fi": "Kielet"}, {"rookie": 1, "explorer": 1}),
        ),
        modules=(
            module("mobility-basics", "mobility", "rookie"),
            module("mobility-abroad", "mobility", "explorer"),
            module("mobility-guide", "mobility", "practitioner"),
            module("languages-email", "languages", "rookie"),
        ),
    )


def load_fixture_content(name: str, tmp_path: Path) -> PathModel:
    """A fixture content directory loaded as the app would load CONTENT_DIR; it must have no errors."""
    directory = copy_fixture(name, tmp_path)
    loaded = load_content(str(directory), locales=["en", "fi", "et", "it", "nl", "es"])
    assert not loaded.errors, [problem.format(str(directory)) for problem in loaded.errors]
    return loaded.model


@pytest.fixture
def player_path(app, tmp_path):
    """The app serving fixtures/player: a scored module using every activity type, and an unscored one after it."""
    model = load_fixture_content("player", tmp_path)
    app.extensions["path_model"] = model
    return model





def serve_fixture_content(lti_world, name: str, tmp_path) -> None:
    lti_world.app.extensions["path_model"] = load_fixture_content(name, tmp_path)


def add_module_link(lti_world, link_id: str, module_id: str, *, course_id: str = "intl-skills",
                    with_line_item: bool = False) -> None:
    """A resource link made by hand in the LMS, naming its module with the custom parameter `module`, and if asked
    a gradebook column bound to it (as Deep Linking's lineItem makes)."""
    from devlms.ags.models import LineItem
    from devlms.courses.models import ResourceLink
    from devlms.extensions import db as devlms_db

    with lti_world.devlms.app.app_context():
        devlms_db.session.add(ResourceLink(id=link_id, course_id=course_id, title=f"Module {module_id}",
                                           custom={"module": module_id}, position=9))
        if with_line_item:
            devlms_db.session.add(LineItem(course_id=course_id, resource_link_id=link_id, label=f"Module {module_id}",
                                           score_maximum=100.0, resource_id=module_id, tag="module"))
        devlms_db.session.commit()
