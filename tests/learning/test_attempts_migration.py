"""Upgrading a database with progress from before attempts: every progress becomes attempt 1, nothing is lost."""
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app.extensions import db

pytestmark = pytest.mark.sqlite

BEFORE_ATTEMPTS = "85db36c5fcba"


def test_existing_progress_becomes_attempt_1_with_its_sections_answers_and_completion(test_database_url, tmp_path):
    from tests.support.app import make_app

    if not test_database_url.startswith("sqlite"):
        pytest.skip("run on SQLite, where a fresh file costs nothing")
    app = make_app(f"sqlite:///{tmp_path / 'before.sqlite'}")
    with app.app_context():
        upgrade(revision=BEFORE_ATTEMPTS)
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO organisations (id, name, status, created_at) VALUES (1, 'College', 'active',"
                " '2026-11-01 10:00:00')"))
            connection.execute(sa.text(
                "INSERT INTO people (id, organisation_id, issuer, subject, created_at) "
                "VALUES (1, 1, 'https://lms.example', 'teacher-1', '2026-11-01 10:00:00')"))
            connection.execute(sa.text(
                "INSERT INTO module_progress (id, organisation_id, person_id, module_id, started_at, updated_at,"
                " completed_at, score) VALUES (1, 1, 1, 'erasmus-plus-for-vet', '2026-11-02 09:00:00',"
                " '2026-11-02 09:20:00', '2026-11-02 09:20:00', 100)"))
            connection.execute(sa.text(
                "INSERT INTO sections_seen (progress_id, section_id, seen_at)"
                " VALUES (1, 'why', '2026-11-02 09:05:00')"))
            connection.execute(sa.text(
                "INSERT INTO activity_responses (progress_id, activity_id, chosen_ids, text, is_correct, attempts,"
                " answered_at) VALUES (1, 'ka1-who', '[\"b\"]', NULL, 1, 2, '2026-11-02 09:10:00')"))

        upgrade()

        with db.engine.connect() as connection:
            attempt = connection.execute(sa.text(
                "SELECT id, progress_id, number, score, completed_at IS NOT NULL, summary_seen_at IS NOT NULL"
                " FROM module_attempts")).one()
            seen = connection.execute(sa.text("SELECT attempt_id, section_id FROM sections_seen")).one()
            answer = connection.execute(sa.text(
                "SELECT attempt_id, activity_id, version_id, first_chosen_ids, first_correct, tries, chosen_ids"
                " FROM activity_responses")).one()
        assert attempt[1:] == (1, 1, 100, 1, 1)  # completed, and may be practised again at once
        assert seen == (attempt[0], "why")
        assert answer == (attempt[0], "ka1-who", "ka1-who", '["b"]', 1, 2, '["b"]')
        db.engine.dispose()
