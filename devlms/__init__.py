"""The development LMS: a separate Flask app that acts as an external LTI 1.3 platform (like Moodle).

Every test of the tool runs against it. It imports nothing from `app/`: it signs, the tool verifies,
so a bug the two shared could not hide. Run it with `FLASK_APP=devlms:create_devlms_app flask run --port 5001`.
"""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from devlms.ags.routes import bp as ags_routes
from devlms.config import load_settings
from devlms.courses.routes import bp as courses_routes
from devlms.courses.sample_data import seed_sample_data
from devlms.deep_linking.routes import bp as deep_linking_routes
from devlms.errors import register_error_handlers
from devlms.extensions import db
from devlms.lti.cli import registration_file_command
from devlms.lti.keys import ensure_signing_key
from devlms.lti.routes import bp as lti_routes
from devlms.nrps.routes import bp as nrps_routes
from devlms.tools.routes import bp as tools_routes


def create_devlms_app(config: dict | None = None) -> Flask:
    """Build the development LMS: settings, its own database, its signing key, the sample world, routes."""
    app = Flask(__name__)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_settings(app.instance_path, config))
    db.init_app(app)
    register_error_handlers(app)
    for blueprint in (courses_routes, lti_routes, ags_routes, nrps_routes, deep_linking_routes, tools_routes):
        app.register_blueprint(blueprint)
    app.add_template_filter(_epoch_time, "epoch_time")
    app.cli.add_command(registration_file_command)

    @app.after_request
    def commit_request(response):
        """One transaction per request, committed at the boundary (error handlers roll back first)."""
        db.session.commit()
        return response

    with app.app_context():
        _prepare_database()
    return app


def _prepare_database() -> None:
    """Create the tables (no migrations: the LMS's data is disposable), the signing key and the sample world."""
    _drop_outdated_tables()
    db.create_all()
    ensure_signing_key()
    seed_sample_data()
    db.session.commit()


def _drop_outdated_tables() -> None:
    """Tables of an older devlms that lack a column the models now have are dropped, to be created afresh."""
    existing = sa.inspect(db.engine)
    for table in reversed(db.metadata.sorted_tables):
        if existing.has_table(table.name):
            columns = {column["name"] for column in existing.get_columns(table.name)}
            if not {column.name for column in table.columns} <= columns:
                table.drop(db.engine)


def _epoch_time(seconds: int) -> str:
    """Epoch seconds as a UTC time for pages."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
