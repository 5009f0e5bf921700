"""The installation admin: login, registrations, deployments, organisations."""


def init_app(app):
    from app.admin import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.admin.cli import admin_cli
    from app.admin.routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(admin_cli)
