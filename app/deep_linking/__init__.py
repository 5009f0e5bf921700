"""Deep Linking: the module picker instructors use to add modules (or the whole path) to a course in their LMS.

The protocol (settings, content items, the signed response) is app/lti/deep_linking.py; this package decides
what the instructor sees and which items their choice becomes.
"""


def init_app(app):
    from app.deep_linking.routes import bp, picker_landing
    from app.lti.landing import register_landing

    app.register_blueprint(bp)
    register_landing(app, picker_landing)  # the LMS's "add content" dialog opens on the picker
