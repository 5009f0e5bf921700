"""Reports: the instructor's course dashboard (read-only queries over the organisation's data)."""


def init_app(app):
    from app.reports.routes import bp

    app.register_blueprint(bp)
