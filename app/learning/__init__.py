"""The learner's path: where am I, what am I missing, what next."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from app.events import people_merged, person_erased, person_moved
    from app.learning import (
        models,  # noqa: F401  (tables known to SQLAlchemy and Alembic)
        self_assessment_routes,  # noqa: F401  (its views join the blueprint before it is registered)
    )
    from app.learning.attempts import choice_feedback, ordered_options
    from app.learning.cli import content_cli
    from app.learning.content import follow_content_reloads, init_content
    from app.learning.content.rendering import render_markdown
    from app.learning.landing import launch_landing
    from app.learning.progress import erase_progress, move_progress, move_progress_to_organisation
    from app.learning.routes import bp
    from app.learning.self_assessment import (
        erase_self_assessments,
        move_self_assessments,
        move_self_assessments_to_organisation,
    )
    from app.lti.landing import register_landing
    from app.navigation import NavEntry, register_navigation

    app.register_blueprint(bp)
    register_landing(app, launch_landing, fallback=True)  # a launch nobody above claims: its module or the path
    app.cli.add_command(content_cli)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals.update(ordered_options=ordered_options, choice_feedback=choice_feedback)
    people_merged.connect(move_self_assessments)
    people_merged.connect(move_progress)
    person_moved.connect(move_self_assessments_to_organisation)
    person_moved.connect(move_progress_to_organisation)
    person_erased.connect(erase_self_assessments)
    person_erased.connect(erase_progress)
    register_navigation(
        app,
        NavEntry("learning.home", _l("Your path"), order=10, home=True,
                 within=("learning.module", "learning.section", "learning.module_summary")),
        NavEntry("learning.self_assessment", _l("Self-assessment"), order=20,
                 within=("learning.save_self_assessment", "learning.self_assessment_step",
                         "learning.save_self_assessment_step", "learning.restart_self_assessment",
                         "learning.self_assessment_history", "learning.self_assessment_report")),
    )
    init_content(app)
    app.before_request(lambda: follow_content_reloads(app))
