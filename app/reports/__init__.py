"""Reports: the organisation's skills map, its charts and exports, and people's data rights (docs/reports.md);
the instructor's course dashboard (docs/dashboard.md)."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from app.badges.reporting import awards_of_person, badge_events, badge_labels
    from app.badges.submissions import submissions_of_person
    from app.events import (
        badge_awarded,
        deployment_moved,
        module_completed,
        module_started,
        people_merged,
        person_erased,
        person_moved,
        roster_recorded,
        self_assessment_recorded,
    )
    from app.grades.reporting import grades_of_person
    from app.learning.self_assessment import draft_of_person
    from app.lti.landing import Landing, register_landing
    from app.lti.launch_writes import RowPerLaunch, register_row_per_launch
    from app.navigation import COURSE, ORGANISATION, NavEntry, register_navigation
    from app.reports import (
        dashboard_routes,
        figures_version,
        models,  # noqa: F401  (tables known to SQLAlchemy and Alembic)
        my_data_routes,
    )
    from app.reports.access import may_read_reports
    from app.reports.activity import ActivitySource, register_activity_source
    from app.reports.personal_data import (
        erase_launch_records,
        move_launch_records,
        move_launch_records_to_organisation,
        register_personal_data,
        release_moved_courses,
    )
    from app.reports.routes import bp
    from app.tenancy.roles import INSTRUCTOR, MENTOR

    app.register_blueprint(bp)
    app.register_blueprint(dashboard_routes.bp)
    app.register_blueprint(my_data_routes.bp)
    # A mentor's launch from a course opens their mentees there (from outside any course: their own path).
    register_landing(app, lambda launch: Landing("dashboard.mentees") if launch.course_role == MENTOR
                     and launch.course_id is not None else None)
    register_navigation(
        app,
        NavEntry("my_data.page", _l("My data"), order=40),
        # The rules of the pages themselves (dashboard_routes._instructors_course, access.py).
        NavEntry("dashboard.course", _l("Course dashboard"), COURSE, order=10,
                 shown=lambda launch: launch.course_role == INSTRUCTOR and launch.course_id is not None,
                 url_values=lambda launch: {"course_id": launch.course_id}, within=("dashboard.learner",)),
        NavEntry("dashboard.mentees", _l("Your mentees"), COURSE, order=20,
                 shown=lambda launch: launch.course_role == MENTOR and launch.course_id is not None,
                 within=("dashboard.learner",)),
        NavEntry("reports.skills_map", _l("Skills map"), ORGANISATION, order=10, shown=may_read_reports,
                 within=("reports.settings", "reports.save_settings")),
        NavEntry("reports.people", _l("People and their data"), ORGANISATION, order=20,
                 shown=lambda launch: launch.is_organisation_admin,
                 within=("reports.confirm_erase", "organisation.people")),
    )
    app.jinja_env.globals["may_read_reports"] = may_read_reports  # the path page links readers to the skills map
    # Every launch leaves its record (the launch row itself is purged hours later), written with the launch's rows.
    register_row_per_launch(app, RowPerLaunch(models.LaunchRecord.__table__, {
        "organisation_id": "organisation_id", "person_id": "person_id", "course_id": "course_id",
        "launched_at": "created_at",
    }))
    # The badges feature's figures: one activity measure per badge, and a person's awards in their data (reports sits
    # above badges, so it reads them from app.badges.reporting; badges never imports reports).
    register_activity_source(app, ActivitySource("badges", badge_events, badge_labels))
    register_personal_data(app, "badges", awards_of_person)
    register_personal_data(app, "badge_submissions", submissions_of_person)
    register_personal_data(app, "self_assessment_in_progress", draft_of_person)  # a draft is theirs too
    register_personal_data(app, "grades", grades_of_person)
    person_erased.connect(erase_launch_records)
    people_merged.connect(move_launch_records)
    person_moved.connect(move_launch_records_to_organisation)
    deployment_moved.connect(release_moved_courses)
    # The skills map's cached figures go whenever what they count changes (launches: REPORT_CACHE_SECONDS instead).
    person_erased.connect(figures_version.on_organisation_change)
    people_merged.connect(figures_version.on_organisation_change)
    person_moved.connect(figures_version.on_move)
    deployment_moved.connect(figures_version.on_move)
    module_started.connect(figures_version.on_learner_progress)
    module_completed.connect(figures_version.on_learner_progress)
    self_assessment_recorded.connect(figures_version.on_self_assessment)
    badge_awarded.connect(figures_version.on_badge_awarded)
    roster_recorded.connect(figures_version.on_roster)
