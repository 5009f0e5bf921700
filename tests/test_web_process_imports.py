"""A web process loads only what requests use (issue 30: under 150 MB per web worker after 10,000 launches).

Migrations (Flask-Migrate with Alembic, Mako, Pygments), JSON-LD canonicalisation (pyld with lxml), image work
(Pillow) and the Redis client (when the shared cache is the database) are imported by the functions that use them,
never by building the app: each worker would otherwise carry them from its start (about 25 MB together).
"""
import subprocess
import sys

import pytest

from app.config import PROJECT_ROOT

pytestmark = pytest.mark.sqlite

LOADED_ONLY_WHEN_USED = ("flask_migrate", "alembic", "mako", "pygments", "pyld", "lxml", "PIL", "redis")

BUILD_THE_APP = f"""
import sys
from app import create_app
from app.config import TestConfig
create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite://", "SHARED_CACHE_URL": "database"}}, config=TestConfig())
print(" ".join(name for name in {LOADED_ONLY_WHEN_USED!r} if name in sys.modules))
"""


def test_building_the_app_imports_no_library_that_only_commands_downloads_or_uploads_use():
    # A fresh interpreter: this one has imported them all for other tests.
    built = subprocess.run([sys.executable, "-c", BUILD_THE_APP], cwd=PROJECT_ROOT, capture_output=True, text=True,
                           check=True)

    assert built.stdout.split() == []


def test_the_migrations_command_is_there_and_runs_flask_migrate(tmp_path):
    listed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "heads"], cwd=PROJECT_ROOT, capture_output=True,
        text=True, env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'heads.sqlite'}"},
    )

    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "(head)" in listed.stdout
