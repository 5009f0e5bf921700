"""AGS 2.0 line items on the platform side: the endpoint claim, the container and each line item."""

from devlms.ags.models import LineItem
from devlms.ags.values import is_number, parse_timestamp
from devlms.courses.models import Course, ResourceLink
from devlms.errors import InvalidServiceRequest
from devlms.extensions import db
from devlms.lti.constants import AGS_SCOPES
from devlms.paging import Page, paginate
from devlms.urls import platform_url

LINE_ITEM_FILTERS = ("resource_link_id", "resource_id", "tag")


def endpoint_claim(course_id: str, link_id: str | None) -> dict:
    """The AGS endpoint claim of a launch: the course's line items, and the link's own line item if it has one."""
    claim = {"scope": list(AGS_SCOPES), "lineitems": platform_url("ags.line_items", course_id=course_id)}
    if link_id is not None:
        line_item = db.session.scalar(
            db.select(LineItem).filter_by(resource_link_id=link_id).order_by(LineItem.id).limit(1)
        )
        if line_item is not None:
            claim["lineitem"] = line_item_url(line_item)
    return claim


def list_line_items(course_id: str, query) -> Page:
    """A page of the course's line items as documents, filtered by resource_link_id, resource_id and tag."""
    course = service_course(course_id)
    filters = {name: query[name] for name in LINE_ITEM_FILTERS if query.get(name)}
    line_items = db.session.scalars(
        db.select(LineItem).filter_by(course_id=course.id, **filters).order_by(LineItem.id)
    ).all()
    return paginate([line_item_json(item) for item in line_items], query, "ags.line_items",
                    course_id=course.id, **filters)


def create_line_item(course_id: str, body) -> dict:
    """A new line item from the tool's JSON; label and a positive scoreMaximum are required."""
    line_item = LineItem(course_id=service_course(course_id).id)
    _apply_line_item(line_item, body)
    db.session.add(line_item)
    db.session.flush()
    return line_item_json(line_item)


def read_line_item(course_id: str, line_item_id: int) -> dict:
    """One line item as a document."""
    return line_item_json(service_line_item(course_id, line_item_id))


def update_line_item(course_id: str, line_item_id: int, body) -> dict:
    """Replace the line item's values with the tool's JSON (PUT)."""
    line_item = service_line_item(course_id, line_item_id)
    _apply_line_item(line_item, body)
    return line_item_json(line_item)


def delete_line_item(course_id: str, line_item_id: int) -> None:
    """Remove the line item and its scores."""
    db.session.delete(service_line_item(course_id, line_item_id))


def service_course(course_id: str) -> Course:
    """The course a service call is about, or a 404."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise InvalidServiceRequest(f"there is no course {course_id!r}", error="not_found", status=404)
    return course


def service_line_item(course_id: str, line_item_id: int) -> LineItem:
    """A line item of the course, or a 404."""
    line_item = db.session.get(LineItem, line_item_id)
    if line_item is None or line_item.course_id != course_id:
        raise InvalidServiceRequest(f"course {course_id!r} has no line item {line_item_id}",
                                    error="not_found", status=404)
    return line_item


def line_item_json(line_item: LineItem) -> dict:
    """The line item as AGS represents it, without the fields it does not have."""
    document = {
        "id": line_item_url(line_item),
        "label": line_item.label,
        "scoreMaximum": line_item.score_maximum,
        "resourceLinkId": line_item.resource_link_id,
        "resourceId": line_item.resource_id,
        "tag": line_item.tag,
        "startDateTime": line_item.start_date_time,
        "endDateTime": line_item.end_date_time,
    }
    return {name: value for name, value in document.items() if value is not None}


def line_item_url(line_item: LineItem) -> str:
    """The line item's id: its URL."""
    return platform_url("ags.line_item", course_id=line_item.course_id, line_item_id=line_item.id)


def _apply_line_item(line_item: LineItem, body) -> None:
    """Set a line item's values from the tool's JSON, after checking them all."""
    if not isinstance(body, dict):
        raise InvalidServiceRequest("the body must be a JSON object")
    problems = []
    if not isinstance(body.get("label"), str) or not body["label"].strip():
        problems.append("label is required")
    score_maximum = body.get("scoreMaximum")
    if not is_number(score_maximum) or score_maximum <= 0:
        problems.append("scoreMaximum is required and must be a number greater than 0")
    for name in ("resourceId", "tag", "resourceLinkId"):
        if body.get(name) is not None and not isinstance(body[name], str):
            problems.append(f"{name} must be a string")
    for name in ("startDateTime", "endDateTime"):
        if body.get(name) is not None and parse_timestamp(body[name]) is None:
            problems.append(f"{name} must be an ISO 8601 date-time with a time zone offset")
    link_id = body.get("resourceLinkId")
    if isinstance(link_id, str):
        link = db.session.get(ResourceLink, link_id)
        if link is None or link.course_id != line_item.course_id:
            problems.append(f"resourceLinkId {link_id!r} is not a resource link of course {line_item.course_id!r}")
    if problems:
        raise InvalidServiceRequest("; ".join(problems))
    line_item.label = body["label"]
    line_item.score_maximum = float(score_maximum)
    line_item.resource_link_id = link_id
    line_item.resource_id = body.get("resourceId")
    line_item.tag = body.get("tag")
    line_item.start_date_time = body.get("startDateTime")
    line_item.end_date_time = body.get("endDateTime")
