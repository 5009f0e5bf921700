"""Names and Role Provisioning Services 2.0, the tool side: read a course's whole membership, page by page.

Pages are followed through the `Link: <…>; rel="next"` header (NRPS §2.4.2), asking `limit` members a page.
"""
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from app.lti.constants import NRPS_MEMBERSHIP_TYPE, NRPS_SCOPE
from app.lti.platform_services import PlatformRefused, call_service
from app.tenancy.models import Registration

log = logging.getLogger(__name__)
PAGE_SIZE = 100
MAX_PAGES = 500  # 50,000 members: far beyond any course; a platform whose "next" never ends is stopped here
CONTEXT_ROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


@dataclass(frozen=True)
class Member:
    user_id: str
    roles: tuple[str, ...]
    status: str  # Active | Inactive | Deleted
    name: str | None
    email: str | None


def course_members(registration: Registration, memberships_url: str, *, now: datetime) -> list[Member]:
    """Every member of the course as the LMS lists them (name and email only where the LMS shares them)."""
    members, url, pages = [], _with_limit(memberships_url), 0
    while url:
        pages += 1
        if pages > MAX_PAGES:
            raise PlatformRefused(f"the membership list did not end after {MAX_PAGES} pages of {PAGE_SIZE}")
        response = call_service(registration, [NRPS_SCOPE], "GET", url, now=now,
                                headers={"Accept": NRPS_MEMBERSHIP_TYPE})
        try:
            document = response.json()
        except ValueError:
            raise PlatformRefused("the membership list is not JSON", status=response.status_code,
                                  answer=response.text) from None
        members.extend(_member(raw) for raw in document.get("members", []) if raw.get("user_id"))
        url = _next_page(response)
    log.info("NRPS %s: %d member(s) in %d page(s)", memberships_url, len(members), pages)
    return members


def _member(raw: dict) -> Member:
    name = raw.get("name") or " ".join(part for part in (raw.get("given_name"), raw.get("family_name")) if part) or None
    roles = tuple(role if ("#" in role or "/" in role) else CONTEXT_ROLE_PREFIX + role for role in raw.get("roles", []))
    return Member(str(raw["user_id"]), roles, raw.get("status") or "Active", name, raw.get("email") or None)


def _next_page(response: requests.Response) -> str | None:
    return (response.links.get("next") or {}).get("url")


def _with_limit(url: str) -> str:
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "limit"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("limit", str(PAGE_SIZE))])))
