"""The tool's own LTI endpoints, as every LMS must know them (one definition for login, registration and docs)."""
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class ToolUrls:
    """The tool's own endpoints, as the LMS must know them."""

    base_url: str
    login_url: str
    launch_url: str
    jwks_url: str

    @classmethod
    def for_base(cls, base_url: str) -> "ToolUrls":
        base_url = base_url.rstrip("/")
        return cls(base_url, f"{base_url}/lti/login", f"{base_url}/lti/launch", f"{base_url}/lti/jwks.json")

    @classmethod
    def configured(cls) -> "ToolUrls":
        """The endpoints under this installation's BASE_URL."""
        return cls.for_base(current_app.config["BASE_URL"])
