"""Open Badges: badge classes as data, awards when path rules become true, OB 2.0 and OB 3.0 credentials."""


def init_app(app):
    from app.badges import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.badges.awarding import (
        move_awards, move_awards_to_organisation, on_module_completed, on_organisation_activated, revoke_person_awards,
    )
    from app.badges.catalogue import badge_catalogue
    from app.badges.cli import badges_cli
    from app.badges.routes import bp
    from app.events import module_completed, organisation_activated, people_merged, person_erased, person_moved

    app.register_blueprint(bp)
    app.jinja_env.globals["path_badges"] = _path_badges
    app.cli.add_command(badges_cli)
    module_completed.connect(on_module_completed)
    organisation_activated.connect(on_organisation_activated)
    person_erased.connect(revoke_person_awards)
    people_merged.connect(move_awards)
    person_moved.connect(move_awards_to_organisation)
    from app.badges.reporting import awards_of_person, badge_events, badge_labels
    from app.reports.activity import ActivitySource, register_activity_source
    from app.reports.personal_data import register_personal_data

    register_activity_source(app, ActivitySource("badges", badge_events, badge_labels))
    register_personal_data(app, "badges", awards_of_person)
    if app.extensions.get("path_model") is not None:
        badge_catalogue(app)  # read at start, so errors show in the log now, not at the first award


def _path_badges():
    """The current learner's earned badges for the path page (templates/badges/_path_section.html)."""
    from app.badges.earners import path_badges
    from app.lti.session import current_launch

    launch = current_launch()
    return path_badges(launch.organisation_id, launch.person_id)
