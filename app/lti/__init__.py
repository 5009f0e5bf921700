"""LTI 1.3: the only package that imports pylti1p3. Login, launch validation, keys, registrations."""


def init_app(app):
    from app.jobs.purge import register_purge
    from app.lti import models  # noqa: F401
    from app.lti.cleanup import purge_expired_lti_data
    from app.lti.cli import lti_cli
    from app.lti.routes import bp
    from app.lti.session import load_launch_session, send_frame_ancestors

    app.register_blueprint(bp)
    app.cli.add_command(lti_cli)
    app.before_request(load_launch_session)
    app.after_request(send_frame_ancestors)
    register_purge(purge_expired_lti_data)
