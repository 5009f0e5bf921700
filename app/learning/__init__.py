"""The learner's path: where am I, what am I missing, what next."""


def init_app(app):
    from app.events import people_merged, person_erased
    from app.learning import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.learning.content.rendering import render_markdown
    from app.learning.progress import erase_progress, move_progress
    from app.learning.self_assessment import erase_self_assessments, move_self_assessments
    from app.learning.cli import content_cli
    from app.learning.content import follow_content_reloads, init_content
    from app.learning.routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(content_cli)
    app.jinja_env.filters["markdown"] = render_markdown
    people_merged.connect(move_self_assessments)
    people_merged.connect(move_progress)
    person_erased.connect(erase_self_assessments)
    person_erased.connect(erase_progress)
    init_content(app)
    app.before_request(lambda: follow_content_reloads(app))
