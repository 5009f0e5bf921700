"""The learner's path: where am I, what am I missing, what next."""


def init_app(app):
    from app.learning.routes import bp

    app.register_blueprint(bp)
