"""The header's navigation: the pages the launch's person may open, from every feature.

A registry the features fill at app creation and base.html reads, so the layout never imports a feature
(docs/architecture.md), as app.notices does. The lti package says who is navigating (`register_navigator`: the
launch behind the request); each feature registers its pages (`register_navigation`) with the rule that shows them,
the same rule its own page checks. A request without a launch (an error before a launch, the LMS registration pages,
the installation admin's pages) gets no navigation.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import current_app, has_request_context, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.i18n import once_per_language

log = logging.getLogger(__name__)

ENTRIES = "navigation_entries"
NAVIGATOR = "navigation_navigator"
LINKS = "navigation_links"

# The groups of the header, in their order: the person's own pages, their course's, their organisation's.
LEARNER, COURSE, ORGANISATION = "learner", "course", "organisation"
GROUPS = (LEARNER, COURSE, ORGANISATION)


def _everyone(launch) -> bool:
    return True


def _no_values(launch) -> dict:
    return {}


@dataclass(frozen=True)
class NavEntry:
    """One page in the header. `label` is a lazy translation (flask_babel.lazy_gettext), read once per language."""

    endpoint: str
    label: Any
    group: str = LEARNER
    order: int = 100
    shown: Callable[[Any], bool] = _everyone  # the launch → whether its person may open the page
    url_values: Callable[[Any], dict] = _no_values  # the launch → the page's URL values (a course id)
    # Pages that belong to this one (a module belongs to the path): the entry is marked as where the person is.
    within: tuple[str, ...] = field(default=())
    home: bool = False  # the person's home in the tool (the path): where an error page offers to go on


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    group: str
    current: str | None  # the aria-current value: "page" on the page itself, "true" on a page within it
    endpoint: str  # names the link for tests (data-testid="nav-<endpoint>"), whatever the reader's language


def register_navigator(app, navigator: Callable[[], Any]) -> None:
    """Who is navigating: the launch behind the request, or None (called once, by the lti package)."""
    app.extensions[NAVIGATOR] = navigator


def register_navigation(app, *entries: NavEntry) -> None:
    """A feature's pages in the header (call from the feature's init_app)."""
    registered = app.extensions.setdefault(ENTRIES, [])
    for entry in entries:
        if entry.group not in GROUPS:
            raise ValueError(f"navigation entry {entry.endpoint}: unknown group {entry.group!r}")
        if any(known.endpoint == entry.endpoint for known in registered):
            raise ValueError(f"navigation entry {entry.endpoint} is registered twice")
        if entry.home and any(known.home for known in registered):
            raise ValueError(f"navigation entry {entry.endpoint}: another entry is already the home page")
        registered.append(entry)
    _entry_labels.forget(app)  # translated again, with the new entry's


def navigating_launch():
    """The launch behind the request, as the lti package says (None: no launch, or outside a request)."""
    if not has_request_context():
        return None
    navigator = current_app.extensions.get(NAVIGATOR)
    return navigator() if navigator else None


def home_url() -> str | None:
    """The URL of the launch's home page (the path), with the launch's token; None without a launch.

    Reads nothing from the database, so an error page can always offer it."""
    if navigating_launch() is None:
        return None
    home = next((entry for entry in current_app.extensions.get(ENTRIES, []) if entry.home), None)
    return _url(home.endpoint, {}) if home else None


def navigation_links() -> list[NavLink]:
    """The pages the current launch's person may open, in header order; none without a launch, or when the
    database cannot say (an error page must still render)."""
    launch = navigating_launch()
    if launch is None:
        return []
    entries = sorted(current_app.extensions.get(ENTRIES, []), key=lambda entry: (GROUPS.index(entry.group),
                                                                                   entry.order))
    labels = _entry_labels()
    try:
        return [_link(entry, launch, labels[entry.endpoint]) for entry in entries if entry.shown(launch)]
    except SQLAlchemyError:
        log.warning("navigation left out: the database did not answer", exc_info=True)
        return []


@once_per_language
def _entry_labels() -> dict[str, str]:
    """Endpoint → its entry's label in the request's language, translated once per language (shared: read, never
    changed): every page has the header, and a lazy translation read through Flask-Babel cost a third of building its
    links."""
    return {entry.endpoint: str(entry.label) for entry in current_app.extensions.get(ENTRIES, [])}


def _link(entry: NavEntry, launch, label: str) -> NavLink:
    if request.endpoint == entry.endpoint:
        current = "page"
    elif request.endpoint in entry.within:
        current = "true"
    else:
        current = None
    return NavLink(label, _url(entry.endpoint, entry.url_values(launch)), entry.group, current,
                   entry.endpoint)


_LINKS_MAX = 10_000
_QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode)


def _url(endpoint: str, values: dict) -> str:
    """url_for(endpoint, **values), the same link, with url_for's rule building done once per process: every page
    has the header, and building each of its links was a sixth of a light page's rendering.

    What the app's url_defaults add on this page (the launch's token) is added here, last, as url_for adds it.
    """
    defaults: dict = {}
    current_app.inject_url_defaults(endpoint, defaults)
    # The app's links without those defaults: (endpoint, values, where the app is mounted) → link.
    links = current_app.extensions.setdefault(LINKS, {})
    key = (endpoint, tuple(sorted(values.items())), request.script_root)
    link = links.get(key)
    if link is None:
        if len(links) > _LINKS_MAX:
            links.clear()
        # A value given as None is left out by url_for, and url_defaults do not replace it.
        link = links[key] = url_for(endpoint, **values, **dict.fromkeys(defaults))
    if not defaults:
        return link
    return f"{link}{'&' if '?' in link else '?'}{urlencode(defaults, safe=_QUERY_SAFE)}"


def navigation_groups() -> list[tuple[str, list[NavLink]]]:
    """The links by group, in header order, leaving out empty groups (base.html)."""
    links = navigation_links()
    return [(group, [link for link in links if link.group == group]) for group in GROUPS
            if any(link.group == group for link in links)]
