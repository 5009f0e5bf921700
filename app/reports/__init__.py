"""Reports: the organisation's skills map, its charts and exports, and people's data rights (docs/reports.md)."""


def init_app(app):
    from app.events import launch_completed, person_erased
    from app.reports import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.reports.activity import record_launch
    from app.reports.personal_data import erase_launch_records
    from app.reports.routes import bp

    app.register_blueprint(bp)
    launch_completed.connect(record_launch)
    person_erased.connect(erase_launch_records)
