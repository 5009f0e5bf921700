"""LTI Assignment and Grade Services 2.0, the tool side: post a score, find or create a line item.

Every call takes a bearer token from app.lti.service_auth; a 401 refreshes it once. Failures come back as one
of two exceptions, so a caller knows whether to retry: PlatformUnavailable (timeouts, connection errors,
5xx, 429: try again later) and PlatformRefused (any other 4xx: retrying the same request will not help),
each with the LMS's own answer and the scopes the token was granted, for the log and the admin.
"""
import logging
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from flask import current_app

from app.lti.constants import (
    AGS_LINE_ITEM_CONTAINER_TYPE, AGS_LINE_ITEM_TYPE, AGS_SCOPE_LINE_ITEM, AGS_SCOPE_SCORE, AGS_SCORE_TYPE,
)
from app.lti.service_auth import PlatformRefusedToken, access_token, forget_access_token, granted_scopes
from app.tenancy.models import Registration

log = logging.getLogger(__name__)
ANSWER_EXCERPT = 500


class PlatformServiceError(Exception):
    """An LMS service call that did not succeed; `status` is None when no HTTP answer came."""

    def __init__(self, message: str, *, status: int | None = None, answer: str = "", scopes: str | None = None):
        details = [message]
        if status is not None:
            details.append(f"HTTP {status}")
        if answer:
            details.append(f"the LMS answered: {answer[:ANSWER_EXCERPT]}")
        if scopes is not None:
            details.append(f"scopes granted: {scopes or 'none'}")
        super().__init__("; ".join(details))
        self.status, self.answer, self.scopes = status, answer, scopes


class PlatformUnavailable(PlatformServiceError):
    """Worth trying again later: the LMS is down, slow, overloaded or failing."""


class PlatformRefused(PlatformServiceError):
    """The LMS understood and said no (4xx): the same request will not succeed later."""


def post_score(registration: Registration, line_item_url: str, score: dict, *, now: datetime) -> int:
    """POST one score to the line item's /scores; the HTTP status the LMS accepted it with."""
    url = _with_path_suffix(line_item_url, "/scores")
    response = _call(registration, [AGS_SCOPE_SCORE], "POST", url, now=now, json=score,
                     headers={"Content-Type": AGS_SCORE_TYPE})
    return response.status_code


def find_or_create_line_item(
    registration: Registration, container_url: str, *, resource_id: str, label: str, tag: str,
    resource_link_id: str | None, now: datetime,
) -> str:
    """The URL of the container's line item for this resource id, created (score maximum 100) if there is none."""
    query_url = _with_query(container_url, {"resource_id": resource_id})
    response = _call(registration, [AGS_SCOPE_LINE_ITEM], "GET", query_url, now=now,
                     headers={"Accept": AGS_LINE_ITEM_CONTAINER_TYPE})
    for line_item in response.json():
        if line_item.get("resourceId") == resource_id and line_item.get("id"):
            return line_item["id"]
    body = {"scoreMaximum": 100, "label": label, "resourceId": resource_id, "tag": tag}
    if resource_link_id:
        body["resourceLinkId"] = resource_link_id
    created = _call(registration, [AGS_SCOPE_LINE_ITEM], "POST", container_url, now=now, json=body,
                    headers={"Content-Type": AGS_LINE_ITEM_TYPE, "Accept": AGS_LINE_ITEM_TYPE})
    line_item_url = created.json().get("id")
    if not line_item_url:
        raise PlatformRefused("the LMS created a line item but did not say its URL (no `id`)",
                              status=created.status_code, answer=created.text)
    log.info("created line item %s for %s at %s", line_item_url, resource_id, registration.issuer)
    return line_item_url


def _call(registration: Registration, scopes: list[str], method: str, url: str, *, now: datetime,
          headers: dict, **kwargs):
    """One authorised request; a 401 forgets the token and tries once more with a fresh one."""
    for attempt in (1, 2):
        authorised = {**headers, "Authorization": f"Bearer {_token(registration, scopes, now=now)}"}
        try:
            response = requests.request(method, url, headers=authorised, timeout=current_app.config["HTTP_TIMEOUT"],
                                        allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            raise PlatformUnavailable(f"{method} {url} got no answer ({type(exc).__name__})") from exc
        if response.status_code != 401 or attempt == 2:
            break
        log.info("%s %s: 401 from %s; fetching a new access token once", method, url, registration.issuer)
        forget_access_token(registration, scopes)
    if response.status_code < 300:
        return response
    scopes_granted = granted_scopes(registration, scopes)
    log.warning("%s %s refused: HTTP %s, scopes granted %s, answer %s",
                method, url, response.status_code, scopes_granted, response.text[:ANSWER_EXCERPT])
    kind = PlatformUnavailable if response.status_code >= 500 or response.status_code == 429 else PlatformRefused
    raise kind(f"{method} {url} was refused", status=response.status_code, answer=response.text, scopes=scopes_granted)


def _token(registration: Registration, scopes: list[str], *, now: datetime) -> str:
    try:
        return access_token(registration, scopes, now=now)
    except PlatformRefusedToken as refused:
        # A token endpoint that is down is worth retrying; one that says no (bad key, unknown client) is not.
        kind = PlatformUnavailable if refused.unavailable else PlatformRefused
        raise kind(f"no access token: {refused.message} {refused.hint}".strip(), status=refused.http_status) from refused


def _with_path_suffix(url: str, suffix: str) -> str:
    """AGS §3.4: the scores URL is the line item URL with /scores appended to its path, keeping its query."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _with_query(url: str, values: dict) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(values.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
