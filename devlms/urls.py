"""Absolute URLs of the platform, on its public base URL (which is also its issuer)."""

from urllib.parse import urlsplit

from flask import current_app


def platform_url(endpoint: str, **values) -> str:
    """The absolute URL of a route; extra values become the query string, None values are left out."""
    # Built from the route table without a request, so services and start-up code can use it too.
    path = current_app.url_map.bind("devlms").build(endpoint, values)
    return current_app.config["DEVLMS_BASE_URL"] + path


def issuer() -> str:
    """The platform issuer: its base URL."""
    return current_app.config["DEVLMS_BASE_URL"]


def origin(url: str) -> str:
    """The web origin of a URL: scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
