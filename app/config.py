"""Configuration from the environment: development defaults, a test config, and a production config that refuses
unsafe values."""

import json
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", PROJECT_ROOT / "instance"))
DEV_SECRETS_FILE = INSTANCE_DIR / "secrets.json"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

log = logging.getLogger(__name__)


class UnsafeConfiguration(RuntimeError):
    """Production configuration that would run with development secrets or without HTTPS."""


def load_or_create_dev_secrets(path: Path = DEV_SECRETS_FILE) -> dict:
    """Development secrets live in instance/ (git-ignored, mode 0600), made on first use."""
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    return values


def _positive_seconds(value: str) -> int:
    seconds = int(value)
    if seconds <= 0:
        raise UnsafeConfiguration(f"A number of seconds must be positive, not {value!r}.")
    return seconds


def country_code(value: str | None) -> str | None:
    """BADGE_ISSUER_COUNTRY: an ISO 3166-1 alpha-2 code ("FI"), upper-cased; empty: none."""
    if not value or not value.strip():
        return None
    code = value.strip().upper()
    from babel import Locale

    if len(code) != 2 or not code.isascii() or not code.isalpha() or code not in Locale("en").territories:
        raise UnsafeConfiguration(
            f"BADGE_ISSUER_COUNTRY must be an ISO 3166-1 alpha-2 country code such as FI, not {value!r}.")
    return code


def _switch(value: str) -> bool:
    """An on/off setting: 0, false, no and off (any case) turn it off; anything else on."""
    return value.strip().lower() not in ("0", "false", "no", "off")


def _timeouts(value: str) -> tuple[float, float]:
    connect, _, read = value.partition(",")
    return float(connect), float(read or connect)


# Settings read from the environment at start-up: config name → (variable, parser).
FROM_ENVIRONMENT = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "KEY_ENCRYPTION_KEYS": ("KEY_ENCRYPTION_KEYS", str),
    "BASE_URL": ("BASE_URL", lambda value: value.rstrip("/")),
    "SQLALCHEMY_DATABASE_URI": ("DATABASE_URL", str),
    "SHARED_CACHE_URL": ("SHARED_CACHE_URL", str),
    "SHARED_CACHE_PREFIX": ("SHARED_CACHE_PREFIX", str),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "RATELIMIT_KEY_PREFIX": ("RATELIMIT_KEY_PREFIX", str),
    "TRUSTED_PROXY_HOPS": ("TRUSTED_PROXY_HOPS", int),
    "HTTP_TIMEOUT": ("HTTP_TIMEOUT", _timeouts),
    "LMS_ANSWER_MAX_BYTES": ("LMS_ANSWER_MAX_BYTES", int),
    "LMS_ANSWER_DEADLINE_SECONDS": ("LMS_ANSWER_DEADLINE_SECONDS", float),
    "LMS_PRIVATE_HOSTS": ("LMS_PRIVATE_HOSTS", str),
    "BACKPACK_PRIVATE_HOSTS": ("BACKPACK_PRIVATE_HOSTS", str),
    "REGISTRATION_DEADLINE_SECONDS": ("REGISTRATION_DEADLINE_SECONDS", float),
    "REGISTRATIONS_AT_ONCE": ("REGISTRATIONS_AT_ONCE", int),
    "REGISTRATION_RATE_LIMIT": ("REGISTRATION_RATE_LIMIT", str),
    "KEY_SET_DEADLINE_SECONDS": ("KEY_SET_DEADLINE_SECONDS", float),
    "JOB_REGISTRATION_CONCURRENCY": ("JOB_REGISTRATION_CONCURRENCY", int),
    "TOKEN_REQUEST_DEADLINE_SECONDS": ("TOKEN_REQUEST_DEADLINE_SECONDS", float),
    "LTI_STATE_LIFETIME": ("LTI_STATE_LIFETIME", int),
    "LTI_CLOCK_SKEW": ("LTI_CLOCK_SKEW", int),
    "LTI_LAUNCH_LIFETIME": ("LTI_LAUNCH_LIFETIME", int),
    "JWKS_REFRESH_INTERVAL": ("JWKS_REFRESH_INTERVAL", int),
    "REGISTRATION_CACHE_SECONDS": ("REGISTRATION_CACHE_SECONDS", float),
    "JWKS_WAIT_FOR_OTHER_FETCH": ("JWKS_WAIT_FOR_OTHER_FETCH", float),
    "LTI_CONFIG_DIR": ("LTI_CONFIG_DIR", str),
    "CONTENT_DIR": ("CONTENT_DIR", str),
    "JOB_LEASE_SECONDS": ("JOB_LEASE_SECONDS", int),
    "JOB_RETRY_BASE_SECONDS": ("JOB_RETRY_BASE_SECONDS", float),
    "JOB_RETRY_CAP_SECONDS": ("JOB_RETRY_CAP_SECONDS", float),
    "JOB_WORKER_THREADS": ("JOB_WORKER_THREADS", int),
    "ADMIN_LOGIN_RATE_LIMIT": ("ADMIN_LOGIN_RATE_LIMIT", str),
    "ADMIN_SESSION_IDLE_SECONDS": ("ADMIN_SESSION_IDLE_SECONDS", _positive_seconds),
    "ADMIN_SESSION_LIFETIME_SECONDS": ("ADMIN_SESSION_LIFETIME_SECONDS", _positive_seconds),
    "LTI_RATE_LIMIT": ("LTI_RATE_LIMIT", str),
    "BADGE_RATE_LIMIT": ("BADGE_RATE_LIMIT", str),
    "TOOL_KEY_PUBLISH_AHEAD_SECONDS": ("TOOL_KEY_PUBLISH_AHEAD_SECONDS", int),
    "TOOL_KEY_GRACE_SECONDS": ("TOOL_KEY_GRACE_SECONDS", int),
    "TOOL_KEY_ROTATION_DAYS": ("TOOL_KEY_ROTATION_DAYS", int),
    "LOG_LEVEL": ("LOG_LEVEL", str),
    "TOKEN_FETCH_WAIT_SECONDS": ("TOKEN_FETCH_WAIT_SECONDS", float),
    "GRADE_RETRY_CAP_SECONDS": ("GRADE_RETRY_CAP_SECONDS", int),
    "GRADE_RETRY_WINDOW_SECONDS": ("GRADE_RETRY_WINDOW_SECONDS", int),
    "REPORT_CACHE_SECONDS": ("REPORT_CACHE_SECONDS", int),
    "DATABASE_PING_AFTER_IDLE_SECONDS": ("DATABASE_PING_AFTER_IDLE_SECONDS", float),
    "REPORT_STATEMENTS_SIDE_BY_SIDE": ("REPORT_STATEMENTS_SIDE_BY_SIDE", _switch),
    "CLOCK_OFFSET_FILE": ("CLOCK_OFFSET_FILE", str),
    "BADGE_TEMPLATES_DIR": ("BADGE_TEMPLATES_DIR", str),
    "BADGE_ISSUER_NAME": ("BADGE_ISSUER_NAME", str),
    "BADGE_ISSUER_URL": ("BADGE_ISSUER_URL", str),
    "BADGE_ISSUER_EMAIL": ("BADGE_ISSUER_EMAIL", str),
    "BADGE_ISSUER_DESCRIPTION": ("BADGE_ISSUER_DESCRIPTION", str),
    "BADGE_ISSUER_COUNTRY": ("BADGE_ISSUER_COUNTRY", country_code),
    "SMTP_URL": ("SMTP_URL", str),
    "MAIL_FROM": ("MAIL_FROM", str),
}

# Request limits: from the environment too.
FROM_ENVIRONMENT.update({
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "MAX_FORM_PARTS": ("MAX_FORM_PARTS", int),
    "LTI_LOGIN_PARAMETER_MAX_LENGTH": ("LTI_LOGIN_PARAMETER_MAX_LENGTH", int),
    "LTI_MESSAGE_HINT_MAX_LENGTH": ("LTI_MESSAGE_HINT_MAX_LENGTH", int),
})


class Config:
    """Defaults; each setting in FROM_ENVIRONMENT is overridden by its environment variable (docs/configuration.md)."""

    ENV_NAME = "development"
    READS_ENVIRONMENT = True
    SECRET_KEY = None
    # Comma-separated Fernet keys; the first encrypts, all decrypt (so the key-encryption key can rotate).
    KEY_ENCRYPTION_KEYS = None
    BASE_URL = "http://127.0.0.1:5000"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'rexvet.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS = {}
    # A pooled connection idle longer than this is pinged before use (app.extensions.ping_idle_connections).
    DATABASE_PING_AFTER_IDLE_SECONDS = 1.0
    # On PostgreSQL, a report's independent statements run side by side on connections of their own
    # (app.reports.activity.start_activity). Off in tests: each test's data is in a transaction no other connection
    # sees (tests/reports/test_side_by_side_statements.py turns it on with committed data).
    REPORT_STATEMENTS_SIDE_BY_SIDE = True
    LOG_LEVEL = "INFO"
    # Shared cache for nonces, platform key sets and access tokens: "database" or a redis:// URL.
    SHARED_CACHE_URL = "database"
    SHARED_CACHE_PREFIX = "rexvet:"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "rexvet"
    # How many reverse proxies in front of the tool set X-Forwarded-For/-Proto/-Host/-Port (docs/deploy.md);
    # 0: the headers are ignored (anyone could send them).
    TRUSTED_PROXY_HOPS = 0
    HTTP_TIMEOUT = (3.05, 10.0)  # connect, read: every outgoing request
    # An LMS's answer (token, JWKS, AGS, NRPS) is read up to this size and for at most this long in all.
    LMS_ANSWER_MAX_BYTES = 5 * 1024 * 1024
    LMS_ANSWER_DEADLINE_SECONDS = 30.0
    # The only non-global hosts, addresses or networks (CIDR) the tool ever calls: comma-separated, e.g. a
    # campus Moodle "moodle.campus.local,10.1.2.3". Empty in production unless set; development adds the
    # development LMS's host (docs/security.md: server-side request forgery).
    LMS_PRIVATE_HOSTS = ""
    # The same for the earners' Open Badges 3.0 backpacks ("Send to my backpack"): a host not public is called,
    # and may be typed with http://, only if listed here (docs/badges.md).
    BACKPACK_PRIVATE_HOSTS = ""
    DEVELOPMENT_LMS_HOSTS = "localhost,127.0.0.1,::1"
    # Dynamic Registration calls an LMS from inside the registration request: it must end quickly, only a few may
    # run at once in a process (the rest answer "busy"), and each address may start only a few.
    REGISTRATION_DEADLINE_SECONDS = 5.0
    REGISTRATIONS_AT_ONCE = 2
    REGISTRATION_RATE_LIMIT = "10 per minute;60 per hour"
    # A launch waits at most this long for an LMS's key set (a slow JWKS must not hold a launch's thread).
    KEY_SET_DEADLINE_SECONDS = 5.0
    # While one process fetches an LMS access token, the others wait this long for it before asking themselves.
    TOKEN_FETCH_WAIT_SECONDS = 10
    # Grade passback: retries of a score back off up to this cap and go on for this long before the score
    # is marked failed (an LMS down for a weekend loses nothing).
    GRADE_RETRY_CAP_SECONDS = 15 * 60
    GRADE_RETRY_WINDOW_SECONDS = 72 * 3600
    # An instructor's launch reads the course roster (NRPS) again at most this often.
    ROSTER_REFRESH_SECONDS = 15 * 60
    # A cached skills map lives this long: launches (which do not replace the figures version) show up within it.
    REPORT_CACHE_SECONDS = 10 * 60

    # LTI launch policy
    LTI_STATE_LIFETIME = 600
    LTI_CLOCK_SKEW = 60
    LTI_LAUNCH_LIFETIME = 8 * 3600
    JWKS_REFRESH_INTERVAL = 60
    JWKS_WAIT_FOR_OTHER_FETCH = 5.0
    # A process's copy of the registrations and LMS sites it launched (app/tenancy/registration_cache.py): a change
    # through the tool holds at once everywhere; one made in SQL by hand holds within this many seconds.
    REGISTRATION_CACHE_SECONDS = 60.0

    # Every cookie the tool sets lives inside an LMS iframe of another site: it must be
    # SameSite=None; Secure; Partitioned (CHIPS) or Chromium drops it.
    SESSION_COOKIE_NAME = "rexvet_session"
    SESSION_COOKIE_SAMESITE = "None"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_PARTITIONED = True
    SESSION_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = "https"

    # The installation admin's session (docs/configuration.md): a cookie of its own, sent only to /admin
    # pages, SameSite=Lax and not partitioned (admin pages are never framed, so a cross-site page cannot ride on
    # it). It ends after ADMIN_SESSION_IDLE_SECONDS without a request and ADMIN_SESSION_LIFETIME_SECONDS after the
    # login in any case; logging out or a password change ends every session of that admin.
    ADMIN_SESSION_COOKIE_NAME = "rexvet_admin_session"
    ADMIN_SESSION_IDLE_SECONDS = 3600
    ADMIN_SESSION_LIFETIME_SECONDS = 8 * 3600

    LANGUAGES = ["en", "fi", "et", "it", "nl", "es"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "app" / "translations")
    LTI_CONFIG_DIR = str(PROJECT_ROOT / "lti_config")
    # The path model (path.yaml) and the module folders; checked at start (docs/content.md).
    CONTENT_DIR = str(PROJECT_ROOT / "modules")
    # Tests with several processes only: a file holding seconds to add to the clock (app.clock.OffsetFileClock).
    CLOCK_OFFSET_FILE = None
    # How often each process looks whether an admin reloaded the content in another process.
    CONTENT_RELOAD_CHECK_SECONDS = 5
    WTF_CSRF_TIME_LIMIT = None

    # Job runner: a running job whose worker has not finished it within the lease is taken as lost and
    # retried; failures back off exponentially from the base to the cap, with jitter.
    JOB_LEASE_SECONDS = 600
    JOB_RETRY_BASE_SECONDS = 10.0
    JOB_RETRY_CAP_SECONDS = 3600.0
    # Jobs one `flask worker` process runs at once (threads): they mostly wait on an LMS, so a few overlap well.
    JOB_WORKER_THREADS = 4
    ADMIN_LOGIN_RATE_LIMIT = "5 per minute;30 per hour"
    # Public endpoints, per client address (docs/security.md). A college's learners may share one NAT address,
    # so the LTI limit (login, launch, registration, each counted apart) allows a whole class launching at once;
    # the badge limit covers the public verification documents, pages and images.
    LTI_RATE_LIMIT = "600 per minute"
    BADGE_RATE_LIMIT = "300 per minute"

    # Tool key rotation: a new key is published this long before it signs; an old key stays published
    # this long after it stops; and, if set, keys rotate by themselves after this many days.
    TOOL_KEY_PUBLISH_AHEAD_SECONDS = 3600
    TOOL_KEY_GRACE_SECONDS = 7 * 24 * 3600
    TOOL_KEY_ROTATION_DAYS = 0

    # Open Badges (docs/badges.md): the badge classes, and the issuer an organisation's blank fields fall back to.
    BADGE_TEMPLATES_DIR = str(PROJECT_ROOT / "badge_templates")
    BADGE_ISSUER_NAME = "REX VET Path"
    BADGE_ISSUER_URL = None  # None: the issuer's own public profile page (an organisation's web site comes first)
    # None: badges@<BASE_URL's host> (OB 2.0 requires an issuer email: app/badges/issuers.py); each organisation
    # states its own on its "Badge issuer profile" page.
    BADGE_ISSUER_EMAIL = None
    # E-mail (app/jobs/mail.py): smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or
    # smtps://…; unset, nobody is e-mailed and the tool's own notices are all there is.
    SMTP_URL = None
    MAIL_FROM = "REX VET Path <no-reply@rexvet.example.org>"
    BADGE_ISSUER_DESCRIPTION = "Badges for international skills in vocational education and training (REX VET)."
    # The awarding body's country (ISO 3166-1 alpha-2, e.g. "FI"): the issuer Profile's address; None: not stated.
    BADGE_ISSUER_COUNTRY = None

    # One slow or hostile LMS cannot starve the others (docs/grades.md): each `flask worker` process runs
    # at most this many jobs of one LMS registration at once (of its JOB_WORKER_THREADS), taking another
    # registration's due job instead; and an access-token request gets this long in all (connecting, waiting and
    # reading), after which the score is retried later like any unanswered call.
    JOB_REGISTRATION_CONCURRENCY = 2
    TOKEN_REQUEST_DEADLINE_SECONDS = 5.0
    # Request limits (docs/configuration.md). Flask/Werkzeug refuse a larger body with 413: 1 MiB
    # holds any launch (an id_token of many KiB), the admin's registration file and every form; nothing uploads
    # more. MAX_FORM_PARTS counts the parts of a multipart form (Werkzeug) and, here, the fields of any form or
    # query string (app/http_limits.py). An anonymous /lti/login stores its parameters: each is capped.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_PARTS = 1000
    LTI_LOGIN_PARAMETER_MAX_LENGTH = 2048
    LTI_MESSAGE_HINT_MAX_LENGTH = 8192

    def __init__(self):
        if self.READS_ENVIRONMENT:
            for name, (variable, parse) in FROM_ENVIRONMENT.items():
                if os.environ.get(variable):
                    setattr(self, name, parse(os.environ[variable]))
        if self.ENV_NAME == "development" and not (self.SECRET_KEY and self.KEY_ENCRYPTION_KEYS):
            dev_secrets = load_or_create_dev_secrets()
            self.SECRET_KEY = self.SECRET_KEY or dev_secrets["SECRET_KEY"]
            self.KEY_ENCRYPTION_KEYS = self.KEY_ENCRYPTION_KEYS or dev_secrets["KEY_ENCRYPTION_KEYS"]
        if self.ENV_NAME == "development" and not os.environ.get("LMS_PRIVATE_HOSTS"):
            self.LMS_PRIVATE_HOSTS = self.DEVELOPMENT_LMS_HOSTS


class TestConfig(Config):
    """Tests: a throw-away secret, keys made per run, CSRF on (tests fetch the token like a browser)."""

    __test__ = False  # a config, not a pytest test class

    ENV_NAME = "test"
    READS_ENVIRONMENT = False  # the developer's shell must not change what the tests see
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    KEY_ENCRYPTION_KEYS = Fernet.generate_key().decode()
    RATELIMIT_STORAGE_URI = "memory://"
    JWKS_WAIT_FOR_OTHER_FETCH = 0
    # The tests' LMSs (the development LMS, fake AGS/NRPS servers) listen on 127.0.0.1; the SSRF tests aim at
    # 127.0.0.2, which must stay refused.
    LMS_PRIVATE_HOSTS = "127.0.0.1,localhost"
    BACKPACK_PRIVATE_HOSTS = "127.0.0.1,localhost"  # the fake Open Badges 3.0 host; 127.0.0.2 stays refused
    REGISTRATION_RATE_LIMIT = "600 per minute"
    REPORT_STATEMENTS_SIDE_BY_SIDE = False  # the test's data is in its own transaction: other connections see none


class ProductionConfig(Config):
    """Production: refuses to start with a development secret or a base URL that is not HTTPS."""

    ENV_NAME = "production"

    def __init__(self):
        super().__init__()
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise UnsafeConfiguration(
                "SECRET_KEY must be set to a random value of at least 32 characters in production."
            )
        if not self.KEY_ENCRYPTION_KEYS:
            raise UnsafeConfiguration(
                "KEY_ENCRYPTION_KEYS must be set (generate one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
            )
        if self.CLOCK_OFFSET_FILE:
            raise UnsafeConfiguration("CLOCK_OFFSET_FILE moves the clock for tests; it must not be set in production.")
        base = urlsplit(self.BASE_URL)
        loopback_test = os.environ.get("ALLOW_LOOPBACK_HTTP") == "1" and base.hostname in LOOPBACK_HOSTS
        if base.scheme != "https":
            if loopback_test:
                log.warning(
                    "ALLOW_LOOPBACK_HTTP=1: serving production over plain HTTP on %s; "
                    "only for local benchmarks and deployment tests.", self.BASE_URL
                )
            else:
                raise UnsafeConfiguration(
                    f"BASE_URL must be https:// in production (got {self.BASE_URL!r}). "
                    "For a loopback test only, set ALLOW_LOOPBACK_HTTP=1 with a 127.0.0.1 or localhost URL."
                )
        if self.RATELIMIT_STORAGE_URI.startswith("memory://") and not loopback_test:
            # Each process would count on its own: N web processes would allow N times the limit.
            raise UnsafeConfiguration(
                "RATELIMIT_STORAGE_URI must name a Redis server shared by every web process in production "
                "(e.g. redis://127.0.0.1:6379/0), not memory://."
            )


CONFIGS = {"development": Config, "test": TestConfig, "production": ProductionConfig}


def config_from_environment() -> Config:
    """Pick the config class named by APP_ENV (development by default)."""
    name = os.environ.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise UnsafeConfiguration(f"APP_ENV must be one of {sorted(CONFIGS)}, not {name!r}.")
    return CONFIGS[name]()
