"""Settings of the development LMS: defaults, overridden by environment variables, overridden by a dict."""

import json
import os
import secrets
from pathlib import Path

SECRET_FILE_NAME = "devlms-secret"

# `make run TOOL_PORT=… LMS_PORT=…`: the two ports of a local run. Every URL of either side is derived from them
# (the tool's login, launch and key set URLs here; the issuer and endpoints the tool imports), so a moved tool port
# can never leave this LMS posting to whatever else answers on the old one.
DEFAULT_TOOL_PORT, DEFAULT_LMS_PORT = 5000, 5001

# Values that environment variables (always strings) must be converted to.
_BOOLEAN_KEYS = {"DEVLMS_ALLOW_TAMPERING"}
_JSON_KEYS = {"DEVLMS_TOOL_JWKS"}


def development_urls(tool_port: int | str | None = None, lms_port: int | str | None = None) -> dict:
    """The base URLs of a local run on these ports: this LMS's (its issuer) and the tool's."""
    tool_port, lms_port = _port(tool_port, DEFAULT_TOOL_PORT), _port(lms_port, DEFAULT_LMS_PORT)
    if tool_port == lms_port:
        raise ValueError(f"TOOL_PORT and LMS_PORT must differ (both {tool_port})")
    return {
        # Also the platform issuer (`iss`) of every message.
        "DEVLMS_BASE_URL": f"http://localhost:{lms_port}",
        # 127.0.0.1, not localhost: browsers treat them as different sites, so the tool's
        # iframe on a course page is a real cross-site iframe.
        "DEVLMS_TOOL_BASE_URL": f"http://127.0.0.1:{tool_port}",
    }


def _port(value, default: int) -> int:
    if value in (None, ""):
        return default
    port = int(value)
    if not 0 < port < 65536:
        raise ValueError(f"not a TCP port: {value!r}")
    return port


def default_settings(instance_path: str) -> dict:
    """The settings used when neither the environment nor the caller says otherwise (the URLs: of TOOL_PORT and
    LMS_PORT from the environment, as `make run` sets them, else of 5000 and 5001)."""
    return {
        **development_urls(os.environ.get("TOOL_PORT"), os.environ.get("LMS_PORT")),
        "DEVLMS_DATABASE_URL": f"sqlite:///{Path(instance_path) / 'devlms.sqlite'}",
        "DEVLMS_CLIENT_ID": "rexvet-dev-tool",
        "DEVLMS_SECRET_KEY": None,
        # Tests set this to let `tamper=` launch options break messages on purpose.
        "DEVLMS_ALLOW_TAMPERING": False,
        # (connect, read) seconds for every outgoing request.
        "DEVLMS_HTTP_TIMEOUT": (3.05, 10),
        # A JWKS dict used instead of fetching the tool's JWKS URL (tests without a running tool).
        "DEVLMS_TOOL_JWKS": None,
        # What to do with a score older than the stored one: "ignore" it (answer 200, store nothing),
        # or "moodle": refuse it with 409 when the stored timestamp's second is the same or later.
        "DEVLMS_OLDER_SCORE_POLICY": "ignore",
    }


def load_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """Defaults, then environment variables of the same names, then `overrides`; plus Flask's own keys."""
    settings = default_settings(instance_path)
    for key in settings:
        if key in os.environ:
            settings[key] = _from_environment(key, os.environ[key])
    settings.update(overrides or {})

    settings["DEVLMS_BASE_URL"] = settings["DEVLMS_BASE_URL"].rstrip("/")
    settings["DEVLMS_TOOL_BASE_URL"] = settings["DEVLMS_TOOL_BASE_URL"].rstrip("/")
    settings["DEVLMS_HTTP_TIMEOUT"] = tuple(settings["DEVLMS_HTTP_TIMEOUT"])
    if settings["DEVLMS_OLDER_SCORE_POLICY"] not in ("ignore", "moodle"):
        raise ValueError("DEVLMS_OLDER_SCORE_POLICY must be 'ignore' or 'moodle'")
    if not settings["DEVLMS_SECRET_KEY"]:
        settings["DEVLMS_SECRET_KEY"] = _stored_secret(Path(instance_path) / SECRET_FILE_NAME)

    settings["SECRET_KEY"] = settings["DEVLMS_SECRET_KEY"]
    settings["SQLALCHEMY_DATABASE_URI"] = settings["DEVLMS_DATABASE_URL"]
    return settings


def _from_environment(key: str, value: str):
    """Convert an environment variable's text to the setting's type."""
    if key in _BOOLEAN_KEYS:
        return value.strip().lower() in ("1", "true", "yes", "on")
    if key in _JSON_KEYS:
        return json.loads(value)
    if key == "DEVLMS_HTTP_TIMEOUT":
        return tuple(float(part) for part in value.split(","))
    return value


def _stored_secret(path: Path) -> str:
    """Read the secret from `path`, creating it (mode 0600) with a random value on first start."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process started at the same moment and wrote it first
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as secret_file:
        secret_file.write(secret + "\n")
    return secret
