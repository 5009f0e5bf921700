"""Content fixtures: each folder under fixtures/ is a content directory; the shared path.yaml is added when it has none."""
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def content_dir(tmp_path):
    """content_dir("good") → a copy of fixtures/good with the shared path.yaml, safe to change in the test."""

    def build(name: str) -> Path:
        directory = tmp_path / name
        shutil.copytree(FIXTURES / name, directory)
        if not (directory / "path.yaml").exists():
            shutil.copy(FIXTURES / "path.yaml", directory / "path.yaml")
        return directory

    return build
