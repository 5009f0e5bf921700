"""Reports: the organisation's skills map, its charts and exports, and people's data rights (docs/reports.md);
the instructor's course dashboard (docs/dashboard.md)."""


def init_app(app):
    from app.events import launch_completed, person_erased
    from app.reports import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.reports.activity import record_launch
    from app.reports.personal_data import erase_launch_records
    from app.reports import dashboard_routes
    from app.reports.access import may_read_reports
    from app.reports.routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(dashboard_routes.bp)
    app.jinja_env.globals["may_read_reports"] = may_read_reports  # the path page links readers to the skills map
    launch_completed.connect(record_launch)
    person_erased.connect(erase_launch_records)
