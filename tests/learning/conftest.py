"""Content fixtures: each folder under fixtures/ is a content directory (the shared path.yaml is added when it has
none); and a small path built in code for placement and the path page (both from tests/support/content.py)."""
import pytest

from tests.support.content import copy_fixture, small_path


@pytest.fixture
def content_dir(tmp_path):
    """content_dir("good") → a copy of fixtures/good with the shared path.yaml, safe to change in the test."""

    return lambda name: copy_fixture(name, tmp_path)


@pytest.fixture
def path_model():
    return small_path()


@pytest.fixture
def with_small_path(app, path_model):
    """The app serving the small path instead of the shipped modules."""
    app.extensions["path_model"] = path_model
    return path_model
