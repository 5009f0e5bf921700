"""The reports' worlds: the app's own path, and a generated organisation on it (tests/support/reports.py)."""
import pytest

from tests.support.reports import generate_organisation


@pytest.fixture
def path(app):
    return app.extensions["path_model"]


@pytest.fixture
def generated(app, path):
    return generate_organisation(path)
