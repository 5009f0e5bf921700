"""Registrations, deployments, organisations, people and roles; the one scoping helper."""


def init_app(app):
    from app.tenancy import models  # noqa: F401  (tables known to SQLAlchemy and Alembic)
