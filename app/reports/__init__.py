"""Reports: the organisation's skills map, its charts and exports, and people's data rights (docs/reports.md);
the instructor's course dashboard (docs/dashboard.md)."""


def init_app(app):
    from app.events import (
        badge_awarded, launch_completed, module_completed, module_started, people_merged, person_erased,
        roster_recorded, self_assessment_recorded,
    )
    from app.reports import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.reports.activity import record_launch
    from app.reports.personal_data import erase_launch_records, move_launch_records
    from app.reports import figures_version
    from app.reports import dashboard_routes
    from app.reports.access import may_read_reports
    from app.reports.routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(dashboard_routes.bp)
    app.jinja_env.globals["may_read_reports"] = may_read_reports  # the path page links readers to the skills map
    launch_completed.connect(record_launch)
    person_erased.connect(erase_launch_records)
    people_merged.connect(move_launch_records)
    # The skills map's cached figures go whenever what they count changes (launches: REPORT_CACHE_SECONDS instead).
    person_erased.connect(figures_version.on_organisation_change)
    people_merged.connect(figures_version.on_organisation_change)
    module_started.connect(figures_version.on_learner_progress)
    module_completed.connect(figures_version.on_learner_progress)
    self_assessment_recorded.connect(figures_version.on_self_assessment)
    badge_awarded.connect(figures_version.on_badge_awarded)
    roster_recorded.connect(figures_version.on_roster)
