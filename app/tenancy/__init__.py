"""Registrations, deployments, organisations, people and roles; the one scoping helper."""


def init_app(app):
    from app.events import launch_completed
    from app.tenancy import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
    from app.tenancy.roster import refresh_roster_on_instructor_launch
    from app.tenancy.routes import bp

    app.register_blueprint(bp)
    launch_completed.connect(refresh_roster_on_instructor_launch)
