"""Where a launch lands: the one page the launch POST's 303 names, which renders without a further redirect.

Every hop inside the LMS frame is a round trip on a school's network and a request's CPU for us (issue 30), so the
launch view answers with the page itself, not with a page that redirects to it (`learning.start` stays for old
bookmarks and asks the same question). lti sits below the packages whose pages a launch opens (learning,
deep_linking, reports: docs/architecture.md), so each of them registers a resolver: a function of the recorded
launch that answers the `Landing` of the launches it claims, or None. They are asked in the order they were
registered (create_app's FEATURES order: deep_linking before reports, so a Deep Linking request goes to the picker
whatever the role); the fallback (learning's: the link's module or the path page) answers every other launch.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, g, url_for
from flask_babel import refresh

from app.lti.models import Launch
from app.lti.session import TOKEN_PARAMETER

FLASHES = "_flashes"  # where Flask's flash() keeps its messages in a session


@dataclass(frozen=True)
class Landing:
    """A page of the tool: its endpoint, its URL values and a warning to show on it, if any."""

    endpoint: str
    values: dict = field(default_factory=dict)
    warning: str | None = None  # shown on the page as a flash message of category "warning"

    def url(self, **extra) -> str:
        return url_for(self.endpoint, **self.values, **extra)


Resolver = Callable[[Launch], Landing | None]


def register_landing(app: Flask, resolver: Resolver, *, fallback: bool = False) -> None:
    """A higher package claims the launches it opens; the fallback (one per app) answers all the others."""
    landings = app.extensions.setdefault("lti.landings", {"resolvers": [], "fallback": None})
    if fallback:
        landings["fallback"] = resolver
    else:
        landings["resolvers"].append(resolver)


def landing_of(launch: Launch) -> Landing:
    """The page this launch opens first."""
    landings = current_app.extensions["lti.landings"]
    for resolver in landings["resolvers"]:
        if (landing := resolver(launch)) is not None:
            return landing
    return landings["fallback"](launch)


def open_landing(launch: Launch, token: str) -> str:
    """The URL the launch POST redirects to, with the launch's token; its warning waits in the launch's session.

    The launch POST has no launch session yet (the token is new), so the warning is written where the landing page
    reads its session from (`Launch.session_data`), in the launch's language, as its pages will be.
    """
    g.locale = launch.locale  # as load_launch_session does on the launch's pages
    refresh()  # in case something of this request was translated already (in the browser's languages)
    landing = landing_of(launch)
    if landing.warning:
        launch.session_data = {**(launch.session_data or {}),
                               FLASHES: [*(launch.session_data or {}).get(FLASHES, []), ["warning", landing.warning]]}
    return landing.url(**{TOKEN_PARAMETER: token})
