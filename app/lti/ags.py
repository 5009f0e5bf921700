"""LTI Assignment and Grade Services 2.0, the tool side: post a score, find or create a line item.

Calls go through app.lti.platform_services.call_service (token, one refresh on 401, errors that say whether
to retry).
"""
import logging
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.lti.constants import (
    AGS_LINE_ITEM_CONTAINER_TYPE,
    AGS_LINE_ITEM_TYPE,
    AGS_SCOPE_LINE_ITEM,
    AGS_SCOPE_SCORE,
    AGS_SCORE_TYPE,
)
from app.lti.platform_services import PlatformRefused, call_service, json_body
from app.tenancy.models import Registration

log = logging.getLogger(__name__)


def post_score(registration: Registration, line_item_url: str, score: dict, *, now: datetime) -> int:
    """POST one score to the line item's /scores; the HTTP status the LMS accepted it with."""
    url = _with_path_suffix(line_item_url, "/scores")
    response = call_service(registration, [AGS_SCOPE_SCORE], "POST", url, now=now, json=score,
                     headers={"Content-Type": AGS_SCORE_TYPE})
    return response.status_code


def find_or_create_line_item(
    registration: Registration, container_url: str, *, resource_id: str, label: str, tag: str,
    resource_link_id: str | None, now: datetime,
) -> str:
    """The URL of the container's line item for this resource id, created (score maximum 100) if there is none."""
    query_url = _with_query(container_url, {"resource_id": resource_id})
    response = call_service(registration, [AGS_SCOPE_LINE_ITEM], "GET", query_url, now=now,
                     headers={"Accept": AGS_LINE_ITEM_CONTAINER_TYPE})
    for line_item in json_body(response, list, "the line item container"):
        if isinstance(line_item, dict) and line_item.get("resourceId") == resource_id and isinstance(
                line_item.get("id"), str) and line_item["id"]:
            return line_item["id"]
    body = {"scoreMaximum": 100, "label": label, "resourceId": resource_id, "tag": tag}
    if resource_link_id:
        body["resourceLinkId"] = resource_link_id
    created = call_service(registration, [AGS_SCOPE_LINE_ITEM], "POST", container_url, now=now, json=body,
                    headers={"Content-Type": AGS_LINE_ITEM_TYPE, "Accept": AGS_LINE_ITEM_TYPE})
    line_item_url = json_body(created, dict, "the created line item").get("id")
    if not isinstance(line_item_url, str) or not line_item_url:
        raise PlatformRefused("the LMS created a line item but did not say its URL (no `id`)",
                              status=created.status_code, answer=created.text)
    log.info("created line item %s for %s at %s", line_item_url, resource_id, registration.issuer)
    return line_item_url


def _with_path_suffix(url: str, suffix: str) -> str:
    """AGS §3.4: the scores URL is the line item URL with /scores appended to its path, keeping its query."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _with_query(url: str, values: dict) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(values.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
