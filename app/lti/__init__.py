"""LTI 1.3: the only package that imports pylti1p3. Login, launch validation, keys, registrations."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from app.events import launch_completed, people_merged, person_erased, person_moved
    from app.i18n import register_time_zone_source
    from app.jobs.purge import register_purge
    from app.lti import jobs, models, organisation_routes  # noqa: F401  (tables, and the periodic jobs the worker runs)
    from app.lti.cleanup import purge_expired_lti_data
    from app.lti.cli import lti_cli
    from app.lti.roster import refresh_roster_on_instructor_launch
    from app.lti.routes import bp
    from app.lti.session import (
        ToolSessionInterface,
        add_launch_token,
        erase_launches,
        load_launch_session,
        move_launches,
        move_launches_to_organisation,
        organisation_time_zone,
        protect_launch_pages,
        raise_session_error,
    )
    from app.navigation import ORGANISATION, NavEntry, register_navigation, register_navigator

    app.register_blueprint(organisation_routes.bp)  # the organisation admin's pages: they need a launch
    launch_completed.connect(refresh_roster_on_instructor_launch)
    app.register_blueprint(bp)
    app.cli.add_command(lti_cli)
    # First of all before_request functions: CSRF's check, registered earlier, reads the session.
    app.before_request_funcs.setdefault(None, []).insert(0, raise_session_error)
    app.before_request(load_launch_session)
    app.after_request(protect_launch_pages)
    app.url_defaults(add_launch_token)
    app.session_interface = ToolSessionInterface()
    register_time_zone_source(app, organisation_time_zone)
    register_purge(purge_expired_lti_data)
    register_navigator(app, _navigating_launch)
    register_navigation(app, NavEntry(
        "organisation.sites", _l("LMS sites and settings"), ORGANISATION, order=30,
        shown=lambda launch: launch.is_organisation_admin,
    ))
    people_merged.connect(move_launches)
    person_moved.connect(move_launches_to_organisation)
    person_erased.connect(erase_launches)


def _navigating_launch():
    """Whose navigation the header shows (app.navigation): the launch's, except on public pages, whose links never
    carry a launch's token (badge pages are shared with anyone; app.lti.session.public_endpoint)."""
    from flask import request

    from app.lti.session import is_public_endpoint, launch_if_any

    if request.endpoint and is_public_endpoint(request.endpoint):
        return None
    return launch_if_any()
