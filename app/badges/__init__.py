"""Open Badges: badge classes as data, awards when path rules become true, OB 2.0 and OB 3.0 credentials."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from app.badges import backpack_models, models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.badges.awarding import (
        move_awards,
        move_awards_to_organisation,
        on_module_completed,
        on_organisation_activated,
        revoke_person_awards,
    )
    from app.badges.backpack import (
        erase_backpack_connections,
        move_backpack_connections,
        move_backpack_connections_to_organisation,
    )
    from app.badges.backpack_routes import bp as backpack_bp
    from app.badges.catalogue import badge_catalogue
    from app.badges.cli import badges_cli, check_badge_files
    from app.badges.issuer_routes import bp as issuer_bp
    from app.badges.revocation_routes import bp as revocation_bp
    from app.badges.routes import bp
    from app.badges.standing import standing_read
    from app.badges.submissions import (
        demonstrated_levels,
        erase_submissions,
        move_submissions,
        move_submissions_to_organisation,
    )
    from app.badges.work_routes import bp as work_bp
    from app.events import module_completed, organisation_activated, people_merged, person_erased, person_moved
    from app.learning.cli import register_badge_check
    from app.learning.content import path_model
    from app.learning.path_reads import register_path_page_read
    from app.learning.placement import register_demonstrated_levels
    from app.navigation import ORGANISATION, NavEntry, register_navigation
    from app.notices import register_notices

    app.register_blueprint(bp)
    app.register_blueprint(work_bp)
    app.register_blueprint(issuer_bp)
    app.register_blueprint(revocation_bp)
    app.register_blueprint(backpack_bp)
    app.jinja_env.globals["path_badges"] = _path_badges
    app.jinja_env.globals["announce_new_badges"] = _announce_new_badges
    app.jinja_env.globals["demonstrated_badges"] = _demonstrated_badges
    app.jinja_env.globals["may_review_badges"] = _may_review_badges
    app.jinja_env.globals["backpack_panel"] = _backpack_panel
    app.jinja_env.globals["badges_counting"] = _badges_counting
    app.cli.add_command(badges_cli)
    register_badge_check(  # `flask content check`
        app, lambda path, directory, strict: check_badge_files(path, directory, strict=strict)[0]
    )
    module_completed.connect(on_module_completed)
    organisation_activated.connect(on_organisation_activated)
    person_erased.connect(revoke_person_awards)
    person_erased.connect(erase_submissions)
    person_erased.connect(erase_backpack_connections)
    people_merged.connect(move_awards)
    people_merged.connect(move_submissions)
    people_merged.connect(move_backpack_connections)
    person_moved.connect(move_awards_to_organisation)
    person_moved.connect(move_submissions_to_organisation)
    person_moved.connect(move_backpack_connections_to_organisation)
    register_notices(app, _badge_notices)

    def organisation_admin(launch):
        return launch.is_organisation_admin

    register_navigation(
        app,
        NavEntry("badges.mine", _l("My badges"), order=30, within=("badge_work.brief",)),
        NavEntry("badge_revocation.awards", _l("Badges awarded"), ORGANISATION, order=40, shown=organisation_admin,
                 within=("badge_revocation.confirm_revoke",)),
        NavEntry("badge_work.reviewers", _l("Badge reviewers"), ORGANISATION, order=50, shown=organisation_admin),
        NavEntry("badge_issuer.settings", _l("Badge issuer profile"), ORGANISATION, order=60,
                 shown=organisation_admin),
    )
    register_demonstrated_levels(app, demonstrated_levels)
    register_path_page_read(app, standing_read)  # the page's badge strip, panel and levels: in its one statement
    if path_model(app) is not None:
        badge_catalogue(app)  # read at start, so errors show in the log now, not at the first award


def _badge_notices():
    """What waits for the person in the badges feature, for the navigation (app.notices): work to review, their
    own submissions returned with feedback, and their badges revoked since they last opened My badges."""
    from flask import url_for
    from flask_babel import gettext as _
    from flask_babel import ngettext

    from app.badges.catalogue import badge_catalogue
    from app.badges.revocation import unseen_revocations
    from app.badges.standing import badge_standing
    from app.i18n import current_language
    from app.lti.session import launch_if_any
    from app.notices import Notice

    launch = launch_if_any()
    if launch is None:
        return []
    standing = badge_standing(launch.organisation_id, launch.person_id)
    found = []
    if standing.to_review:
        found.append(Notice(ngettext("%(num)d submission to review", "%(num)d submissions to review",
                                     standing.to_review), url_for("badge_work.review_queue"), standing.to_review))
    if returned := standing.returned:
        found.append(Notice(ngettext("%(num)d submission returned with feedback",
                                     "%(num)d submissions returned with feedback", returned),
                            url_for("badges.mine"), returned))
    revoked = unseen_revocations(launch.organisation_id, launch.person_id) if standing.revoked else []
    if len(revoked) == 1:
        badge = badge_catalogue().badge(revoked[0].badge_id)
        name = badge.localised(current_language()) if badge else revoked[0].badge_id
        found.append(Notice(_("Your badge “%(badge)s” was revoked by your organisation", badge=name),
                            url_for("badges.mine", _anchor="revoked"), 1))
    elif revoked:
        found.append(Notice(ngettext("%(num)d of your badges was revoked by your organisation",
                                     "%(num)d of your badges were revoked by your organisation", len(revoked)),
                            url_for("badges.mine", _anchor="revoked"), len(revoked)))
    return found


def _demonstrated_badges(completed_module_ids=None):
    """The demonstrated badges as the current learner stands with them (templates/badges/_demonstrated.html); the
    path page passes the completed module ids its route read, so they are not read twice."""
    from app.badges.submissions import demonstrated_for
    from app.lti.session import current_launch

    launch = current_launch()
    return demonstrated_for(launch.organisation_id, launch.person_id, completed_module_ids)


def _backpack_panel():
    """The learner's backpack connections and the authorization link waiting to be opened, once
    (templates/badges/_backpack.html)."""
    from types import SimpleNamespace

    from flask import session

    from app.badges.backpack import connections_of
    from app.badges.backpack_routes import PENDING
    from app.lti.session import current_launch

    launch = current_launch()
    return SimpleNamespace(connections=connections_of(launch.organisation_id, launch.person_id),
                           authorization_url=session.pop(PENDING, None))


def _may_review_badges() -> bool:
    from app.badges.submissions import reviewable_badges
    from app.lti.session import current_launch

    launch = current_launch()
    return bool(reviewable_badges(launch.organisation_id, launch.person_id))


def _badges_counting(module_id: str) -> list[str]:
    """The names, in the reader's language, of the badges whose rules count the module (the path, section and
    summary pages' "Counts towards the badge" line); learning never imports badges, so it asks through this."""
    from app.badges.catalogue import badges_counting
    from app.i18n import current_language

    locale = current_language()
    return [badge.localised(locale) for badge in badges_counting(module_id)]


def _path_badges():
    """The current learner's earned badges for the path page (templates/badges/_path_section.html)."""
    from app.badges.earners import path_badges
    from app.lti.session import current_launch

    launch = current_launch()
    return path_badges(launch.organisation_id, launch.person_id)


def _announce_new_badges():
    """The badges the learner's completion earned, for the module summary (templates/badges/_earned_notice.html).

    Any not yet announced are marked announced, so a later visit does not repeat them (the page's request commits).
    """
    from app.badges.earners import announce_new_badges
    from app.clock import current_clock
    from app.i18n import current_language
    from app.lti.session import current_launch

    launch = current_launch()
    return announce_new_badges(launch.organisation_id, launch.person_id, now=current_clock().now(),
                               locale=current_language())
