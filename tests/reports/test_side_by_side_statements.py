"""On PostgreSQL the skills map's activity statement runs on a connection of its own beside the map's statement
(REPORT_STATEMENTS_SIDE_BY_SIDE): the report is the same as with both on the request's session.

Other connections cannot see a test's data inside its rolled-back transaction, so this test commits its data in a
database of its own, made from the migrations and dropped afterwards."""
import threading
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reports import activity
from app.reports.report import skills_report
from app.reports.report_cache import _to_json
from app.tenancy.models import Organisation
from tests.support.app import BACKEND, POSTGRES_ADMIN_URL, make_app, migrate
from tests.support.reports import NOW, generate_organisation

pytestmark = pytest.mark.skipif(BACKEND == "sqlite", reason="side by side only on PostgreSQL")


@pytest.fixture
def committed_organisation():
    name = f"rexvet_side_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        migrate(url)
        app = make_app(url)
        with app.app_context():
            generated = generate_organisation(app.extensions["path_model"], name="Side by side", staff=120, seed=4)
            db.session.commit()
            yield app, generated.world.organisation.id
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_activity_read_beside_the_map_gives_the_same_report_as_read_after_it(committed_organisation,
                                                                                 monkeypatch):
    app, organisation_id = committed_organisation
    threads = []
    read = activity._read_on_own_connection
    monkeypatch.setattr(activity, "_read_on_own_connection",
                        lambda engine, statement: threads.append(threading.current_thread().name)
                        or read(engine, statement))

    def report(side_by_side: bool) -> dict:
        app.config["REPORT_STATEMENTS_SIDE_BY_SIDE"] = side_by_side
        with app.test_request_context("/"):
            organisation = db.session.get(Organisation, organisation_id)
            return _to_json(skills_report(app.extensions["path_model"], organisation, now=NOW, locale="en",
                                          compare="2026-08"))

    after, beside = report(False), report(True)

    assert threads and threads[0].startswith("report-statement")
    assert beside == after
    assert any(cell[0] for _label, cells in beside["activity_rows"] for cell in cells)  # figures, not all hidden
