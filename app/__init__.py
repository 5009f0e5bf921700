"""The REX VET Path tool: create_app() builds it from config, extensions and one package per feature."""
import functools
import logging
from itertools import chain

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app import admin, badges, deep_linking, grades, jobs, learning, lti, reports, tenancy
from app.clock import OffsetFileClock, SystemClock
from app.config import PROJECT_ROOT, Config, config_from_environment
from app.errors import register_error_handlers
from app.extensions import babel, csrf, db, migrate, ping_idle_connections
from app.http_limits import init_http_limits
from app.i18n import (
    current_language,
    format_time,
    install_template_gettext,
    language_name,
    page_gettext,
    select_locale,
    select_time_zone,
)
from app.navigation import navigation_groups
from app.notices import waiting_notices
from app.rate_limits import rate_limits
from app.shared_cache import init_shared_cache

FEATURES = (tenancy, lti, learning, deep_linking, grades, badges, reports, admin, jobs)


class Tool(Flask):
    """Flask with one commit per request at its boundary (error handlers roll back: app/errors.py)."""

    def process_response(self, response):
        """The after-request hooks and the session's save, then the commit, before the response leaves.

        Committed here, not in an after_request hook: the launch's session is saved after those hooks, in the
        same transaction. A response (a "saved" page, a redirect after a write) is sent only once its writes
        are committed; if the commit fails, the failure's own page is sent instead (503 for a database out of
        reach; any other failure is a server error), with the hooks' headers and no session change.
        A streamed body (a generator) would run after this commit: no view streams, and one that did must not write.
        """
        response = super().process_response(response)
        session = db.session()
        try:
            if session.in_transaction():  # a request that never reached the database has nothing to end
                _commit_without_expiring(session)
        except Exception as error:
            session.rollback()
            return self._after_request_hooks(self.make_response(self.handle_user_exception(error)))
        return response

    def _after_request_hooks(self, response):
        """The after_request hooks (security headers…) on a failed commit's error page; the session is not saved
        again: a request whose writes are lost keeps no session change either."""
        for name in chain(request.blueprints, (None,)):
            for hook in reversed(self.after_request_funcs.get(name, ())):
                response = self.ensure_sync(hook)(response)
        return response


def _commit_without_expiring(session) -> None:
    """The request's last commit: its objects are not expired, as nothing of the request reads them again (expiring
    every loaded object was a fifth of the commit's CPU); a later request reads its rows anew."""
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def create_app(test_config: dict | None = None, config: Config | None = None) -> Flask:
    """Application factory: config from the environment, overridden by test_config."""
    app = Tool(__name__, instance_relative_config=False)
    app.config.from_object(config or config_from_environment())
    if test_config:
        app.config.update(test_config)
    if app.config.get("TRUSTED_PROXY_HOPS"):  # behind a reverse proxy: the client's address and https (docs/deploy.md)
        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    logging.basicConfig(
        level=app.config.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    app.extensions["clock"] = (OffsetFileClock(app.config["CLOCK_OFFSET_FILE"]) if app.config.get("CLOCK_OFFSET_FILE")
                               else SystemClock())
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    install_template_gettext(app.jinja_env)
    app.context_processor(page_gettext)
    rate_limits.init_app(app)
    init_shared_cache(app)
    register_error_handlers(app)
    init_http_limits(app)  # before the features: their <int:…> routes take its id converter
    app.jinja_env.globals["current_locale"] = current_language
    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.filters["datetimeformat"] = format_time  # times name their zone (the organisation's)
    app.jinja_env.globals["waiting_notices"] = waiting_notices  # what features registered (app.notices)
    app.jinja_env.globals["navigation_groups"] = navigation_groups  # the header's pages, as features registered them
    _nest_admin_pages()
    for feature in FEATURES:
        feature.init_app(app)
    return app


@functools.cache
def _nest_admin_pages() -> None:
    """The installation admin's pages that live in their features (badge awards, reports) go inside the admin
    blueprint: its before_request (the login) and after_request (no framing) guard them, their endpoints are
    admin.badge_awards.* and admin.reports.*. Once per process: the blueprints are module-level objects, and Flask
    refuses a nested blueprint once the parent has been registered on an app."""
    from app.admin.routes import bp as admin_bp
    from app.badges.admin_routes import admin_bp as badge_awards_bp
    from app.reports.routes import admin_bp as reports_admin_bp

    admin_bp.register_blueprint(reports_admin_bp)
    admin_bp.register_blueprint(badge_awards_bp)
