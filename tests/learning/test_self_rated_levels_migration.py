"""Upgrading a database with takings from before self-rated levels were stored: the skills map stays right at once
(worked out from the ratings), and `flask content store-self-rated-levels` stores them for the current path."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app.extensions import db

pytestmark = pytest.mark.sqlite

BEFORE_STORED_LEVELS = "9d4e2b7c1a53"


def test_takings_saved_before_the_upgrade_count_in_the_map_and_the_command_stores_their_levels(
        test_database_url, tmp_path):
    from app.learning.self_assessment import ladder_fingerprint, self_rated_orders
    from app.reports.population import population
    from app.reports.skills_map import NOT_STARTED, count_map
    from tests.support.app import make_app

    if not test_database_url.startswith("sqlite"):
        pytest.skip("run on SQLite, where a fresh file costs nothing")
    app = make_app(f"sqlite:///{tmp_path / 'before.sqlite'}")
    with app.app_context():
        path = app.extensions["path_model"]
        first, second = sorted(path.levels, key=lambda level: level.order)[:2]
        area = next(area for area in path.areas if area.statements_at(first.id) and area.statements_at(second.id))
        explorer = {statement.id: 2 for level in (first, second) for statement in area.statements_at(level.id)}
        upgrade(revision=BEFORE_STORED_LEVELS)
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO organisations (id, name, status, created_at) VALUES (1, 'College', 'active',"
                " '2026-11-01 10:00:00')"))
            for person in range(1, 7):
                connection.execute(sa.text(
                    "INSERT INTO people (id, organisation_id, issuer, subject, created_at) "
                    "VALUES (:id, 1, 'https://lms.example', :subject, '2026-11-01 10:00:00')"),
                    {"id": person, "subject": f"teacher-{person}"})
                connection.execute(sa.text(
                    "INSERT INTO self_assessments (id, organisation_id, person_id, taken_at, created_at) "
                    "VALUES (:id, 1, :id, '2026-11-02 09:00:00', '2026-11-02 09:00:00')"), {"id": person})
                for statement_id, rating in explorer.items():
                    connection.execute(sa.text(
                        "INSERT INTO self_ratings (self_assessment_id, statement_id, rating) VALUES (:id, :s, :r)"),
                        {"id": person, "s": statement_id, "r": rating if person > 1 else 1})

        upgrade()

        at = datetime(2026, 12, 1, tzinfo=UTC)
        expected = {(None, area.id, second.order): 5, (None, area.id, NOT_STARTED): 1}
        expected.update({(None, other.id, NOT_STARTED): 6 for other in path.areas if other is not area})
        assert count_map(path, 1, population(1), at) == expected

        result = app.test_cli_runner().invoke(args=["content", "store-self-rated-levels"])

        assert result.exit_code == 0, result.output
        assert "6 taking(s) stored" in result.output
        db.session.remove()
        assert count_map(path, 1, population(1), at) == expected
        with db.engine.connect() as connection:
            stored = connection.execute(sa.text(
                "SELECT self_assessment_id, area_id, level_order FROM self_rated_levels ORDER BY 1")).all()
            fingerprints = set(connection.execute(sa.text("SELECT levels_fingerprint FROM self_assessments")).scalars())
        assert stored == [(person, area.id, second.order) for person in range(2, 7)]
        assert fingerprints == {ladder_fingerprint(path)}
        assert self_rated_orders(path, {**explorer})[area.id] == second.order
        db.engine.dispose()
