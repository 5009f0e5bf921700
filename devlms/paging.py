"""Paging of the service containers: `limit` and `from` query parameters, `Link: <…>; rel="next"`."""

from dataclasses import dataclass

from devlms.errors import InvalidServiceRequest
from devlms.urls import platform_url


@dataclass(frozen=True)
class Page:
    """One page of a container, and the URL of the next page if there is one."""

    items: list
    next_url: str | None

    def link_header(self) -> dict:
        """The response header that points to the next page (none on the last page)."""
        return {"Link": f'<{self.next_url}>; rel="next"'} if self.next_url else {}


def paginate(items: list, query, endpoint: str, **url_values) -> Page:
    """The page of `items` the query's `limit` and `from` ask for; the next page's URL keeps `url_values`."""
    limit, offset = _number(query, "limit", minimum=1), _number(query, "from", minimum=0) or 0
    if limit is None:
        return Page(items[offset:], None)
    has_more = offset + limit < len(items)
    next_url = platform_url(endpoint, **url_values, limit=limit, **{"from": offset + limit}) if has_more else None
    return Page(items[offset:offset + limit], next_url)


def _number(query, name: str, *, minimum: int) -> int | None:
    """A whole-number query parameter, None when absent."""
    text = query.get(name)
    if text is None:
        return None
    if not text.isdigit() or int(text) < minimum:
        raise InvalidServiceRequest(f"{name} must be a whole number of at least {minimum} (got {text!r})")
    return int(text)
