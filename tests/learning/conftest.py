"""Content fixtures: each folder under fixtures/ is a content directory (the shared path.yaml is added when it has
none); and a small path built in code for placement and the path page."""
import shutil
from pathlib import Path

import pytest

from app.learning.content.loader import load_content
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in
from app.learning.content.model import Area, CompletionRule, Level, Module, PathModel, Statement, Text, english

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def content_dir(tmp_path):
    """content_dir("good") → a copy of fixtures/good with the shared path.yaml, safe to change in the test."""

    return lambda name: copy_fixture(name, tmp_path)


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
            level: tuple(Statement(f"{area_id}.{level}.{n}", area_id, level, english(f"{area_id} {level} statement {n}"))
                         for n in range(1, count + 1))
            for level, count in counts.items()
        }
        return Area(area_id, Text(titles), english(f"About {titles['en']}."), statements)

    def module(module_id, area_id, level):
        return Module(module_id, Text({"en": f"Module {module_id}", "fi": f"Moduuli {module_id}"}), area_id, level,
                      minutes=15, outcomes=(english(f"You can do what {module_id} teaches."),),
                      completion=CompletionRule(), sections=())

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


@pytest.fixture
def path_model():
    return small_path()


@pytest.fixture
def with_small_path(app, path_model):
    """The app serving the small path instead of the shipped modules."""
    app.extensions["path_model"] = path_model
    return path_model


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


@pytest.fixture
def world(app):
    return make_world()


def launch_as_learner(client, clock, world, **values):
    """The world's learner, launched and signed in on the client."""
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), **values)
    sign_in(client, launch)
    return launch
