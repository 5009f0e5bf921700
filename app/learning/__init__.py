"""The learner's path: where am I, what am I missing, what next."""


def init_app(app):
    from app.events import people_merged
    from app.learning import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.learning.self_assessment import move_self_assessments
    from app.learning.cli import content_cli
    from app.learning.content import init_content
    from app.learning.routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(content_cli)
    people_merged.connect(move_self_assessments)
    init_content(app)
