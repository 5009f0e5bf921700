"""Pages part of `make bench`, set-up: a generated organisation of 5,000 staff and the launches that open its pages.

Run by bench/run.py in a subprocess with the bench environment (production config, the bench database), before
our tool is started under gunicorn for the timing. Prints one JSON object: per page, the URL (with its launch's
token, as every page of a launch carries it) and its SQL statement count, counted here on a second request
through Flask's test client with a listener on the engine (the timing itself runs uncounted under gunicorn).

The data is tests/support/reports.py's `generate_organisation` (bulk inserts, seeded): 5,000 staff, the first
course holding about 10 % of them (the instructor dashboard's 500-member course), launches, self-assessments
and module progress over the year. The launches are made as a launch makes them (`make_launch`: a Launch row and
its session token), so the pages see what they see after a real launch.

It runs on SQLite too (the default `make run` database): `DATABASE_URL=sqlite:////tmp/bench.sqlite flask db upgrade`,
then `DATABASE_URL=… PYTHONPATH=. python bench/pages_seed.py --staff 500`; tests/test_bench_pages_seed.py runs it
with 50 staff in the SQLite subset.
"""
import json
import random
from datetime import UTC

from sqlalchemy import event, func, select, text

from app.extensions import db
from app.learning.content import path_model
from app.learning.models import ModuleProgress
from app.tenancy.models import Membership
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch
from tests.support.reports import generate_organisation

TRIVIAL_PATH = "/bench-no-such-page"  # the 404 page: the base layout and one message, nothing else


def main(staff: int, app=None) -> dict:
    """Seed the organisation in the database of `app` (by default the tool of wsgi.py: DATABASE_URL, PostgreSQL in
    `make bench`, SQLite as well) and count each page's statements."""
    if app is None:
        from wsgi import app
    with app.app_context():
        path = path_model(app)
        generated = generate_organisation(path, name="Bench pages college", staff=staff,
                                          course_sizes=(0.1, 0.3, 0.2, 0.1, 0.02))
        world, course = generated.world, generated.courses[0]
        members = db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.course_id == course.id)
        )
        # The learner: a member of the dashboard's course with the most module progress (a busy path page).
        learner_id = db.session.execute(
            select(Membership.person_id, func.count(ModuleProgress.id).label("modules"))
            .join(ModuleProgress, ModuleProgress.person_id == Membership.person_id)
            .where(Membership.course_id == course.id).group_by(Membership.person_id)
            .order_by(func.count(ModuleProgress.id).desc(), Membership.person_id).limit(1)).first()[0]
        learner = db.session.get(type(world.learner), learner_id)
        learner_launch = make_launch(world, learner, [LEARNER_ROLE], now=_now())
        instructor_launch = make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=_now())
        admin_launch = make_launch(world, world.instructor, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=_now())
        module = random.Random(16).choice(path.modules)
        db.session.commit()
        # Fresh statistics and visibility maps, as autovacuum keeps them in a database that grew to this size: right
        # after bulk inserts the planner believes every table empty and nests loops (the skills map took 3.6 s at
        # 500 staff), and no index-only scan is possible.
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        pages = {
            "trivial": (TRIVIAL_PATH, learner_launch.token),
            "path": ("/", learner_launch.token),
            "section": (f"/modules/{module.id}/sections/{module.sections[1].id}", learner_launch.token),
            "dashboard": (f"/courses/{course.id}/dashboard", instructor_launch.token),
            "skills_map": ("/reports/skills-map", admin_launch.token),
        }
        urls = {name: f"{page}?launch_token={token}" for name, (page, token) in pages.items()}
        queries, statuses = {}, {}
        client = app.test_client()
        for name, url in urls.items():
            client.get(url)  # first request: caches warm, the section's progress row made
            statements = []

            def listener(*args, statements=statements, **kwargs):
                statements.append(1)

            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                statuses[name] = client.get(url).status_code
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            queries[name] = len(statements)
    return {"urls": urls, "queries": queries, "statuses": statuses, "staff": staff, "course_members": members}


def _now():
    from datetime import datetime

    return datetime.now(UTC)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=5000)
    args = parser.parse_args()
    print(json.dumps(main(args.staff)))
