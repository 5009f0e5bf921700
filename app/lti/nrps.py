"""Names and Role Provisioning Services 2.0, the tool side: read a course's whole membership, page by page.

Pages are followed through the `Link: <…>; rel="next"` header (NRPS §2.4.2), asking `limit` members a page.
"""
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from app.lti.constants import NRPS_MEMBERSHIP_TYPE, NRPS_SCOPE
from app.lti.platform_services import PlatformRefused, PlatformUnavailable, call_service, json_body
from app.tenancy.models import Registration
from app.tenancy.roles import CONTEXT_ROLE

log = logging.getLogger(__name__)
PAGE_SIZE = 100
MAX_PAGES = 500  # 50,000 members: far beyond any course; a platform whose "next" never ends is stopped here


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
        document = json_body(response, dict, "the membership list")
        page = document.get("members", [])
        if not isinstance(page, list) or not all(isinstance(raw, dict) for raw in page):
            raise PlatformUnavailable(f"GET {url}: `members` must be a list of objects", status=response.status_code,
                                      answer=response.text)
        try:
            members.extend(_member(raw) for raw in page if raw.get("user_id"))
        except (TypeError, AttributeError) as exc:
            raise PlatformUnavailable(f"GET {url}: a member is malformed ({exc})", status=response.status_code,
                                      answer=response.text) from None
        url = _next_page(response)
    log.info("NRPS %s: %d member(s) in %d page(s)", memberships_url, len(members), pages)
    return members


def _text(raw: dict, field: str) -> str | None:
    value = raw.get(field)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"`{field}` must be a string, not {type(value).__name__}")
    return value or None


def _member(raw: dict) -> Member:
    given = " ".join(part for part in (_text(raw, "given_name"), _text(raw, "family_name")) if part)
    name = _text(raw, "name") or given or None
    raw_roles = raw.get("roles", [])
    if not isinstance(raw_roles, list) or not all(isinstance(role, str) for role in raw_roles):
        raise TypeError("`roles` must be a list of strings")
    if not isinstance(raw["user_id"], (str, int)) or isinstance(raw["user_id"], bool):
        raise TypeError("`user_id` must be a string")
    roles = tuple(role if ("#" in role or "/" in role) else CONTEXT_ROLE + role for role in raw_roles)
    return Member(str(raw["user_id"]), roles, _text(raw, "status") or "Active", name, _text(raw, "email"))


def _next_page(response: requests.Response) -> str | None:
    return (response.links.get("next") or {}).get("url")


def _with_limit(url: str) -> str:
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "limit"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("limit", str(PAGE_SIZE))])))
