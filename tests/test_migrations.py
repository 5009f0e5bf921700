"""The migrations build exactly the schema the models describe, and can be undone."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db

pytestmark = pytest.mark.sqlite


def test_migrated_database_matches_the_models(committed_app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)

    assert differences == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(test_database_url, tmp_path):
    from tests.support.app import make_app

    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}" if test_database_url.startswith("sqlite") else None
    if url is None:
        pytest.skip("run on SQLite, where a fresh file costs nothing")
    app = make_app(url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "lti_launches" in db.inspect(db.engine).get_table_names()
        db.engine.dispose()
