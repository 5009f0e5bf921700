"""Deep Linking: the module picker instructors use to add modules (or the whole path) to a course in their LMS.

The protocol (settings, content items, the signed response) is app/lti/deep_linking.py; this package decides
what the instructor sees and which items their choice becomes.
"""


def init_app(app):
    from app.deep_linking.routes import bp

    app.register_blueprint(bp)
