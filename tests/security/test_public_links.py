"""Links to public badge pages never carry the launch token: earners copy them into LinkedIn, e-mails and
backpacks, and the token would open their session to everyone the link reaches. Links to the launch's own
pages keep it (the session lives in the token, not in a cookie)."""
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.badges.awarding import awards_of
from app.extensions import db
from app.lti.session import is_public_endpoint
from tests.security.routes import is_public_by_design
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

MODULE = "erasmus-plus-for-vet"  # completing it earns the shipped badge erasmus-plus-starter


class _Links(HTMLParser):
    """Every URL a page offers: links, images, forms, and values to copy (the share link) or to share (og:url)."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (method, url)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action", "value", "content"):
            value = attrs.get(name) or ""
            if value.startswith(("/", "http://", "https://")):
                self.urls.append(("POST" if tag == "form" else "GET", value))


def links_of(app, page: str) -> list[tuple]:
    """(rule, url, launch token or None) for each URL of the page that is one of the tool's."""
    parser = _Links()
    parser.feed(page)
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind("localhost")
    found = []
    for method, url in parser.urls:
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in ("localhost", base.netloc):
            continue  # another site (LinkedIn, Facebook)
        try:
            rule, _values = adapter.match(parts.path, method=method, return_rule=True)
        except (NotFound, MethodNotAllowed):
            raise AssertionError(f"{url} is not a URL of the tool") from None
        found.append((rule, url, parse_qs(parts.query).get("launch_token", [None])[0]))
    return found


@pytest.fixture
def earner(app, client, clock):
    """A learner inside a launch who has completed a module and earned its badge, with a share link."""
    world = make_world()
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, MODULE, now=clock.now())
    db.session.commit()
    sign_in(client, launch)
    return world, launch


@pytest.mark.parametrize("page, shown", [
    ("/", {"badges.award_page", "badges.badge_image"}),
    ("/badges/mine", {"badges.award_page", "badges.download", "badges.credential", "badges.credential_jwt"}),
    (f"/modules/{MODULE}/summary", {"badges.award_page", "badges.badge_image"}),  # "You earned the badge …"
])
def test_links_to_public_badge_pages_carry_no_launch_token_and_the_launch_s_own_pages_keep_it(app, client, earner,
                                                                                           page, shown):
    _world, launch = earner
    links = links_of(app, client.get(page).get_data(as_text=True))

    public = [(rule.endpoint, url, token) for rule, url, token in links if is_public_by_design(rule)]
    private = [(rule.endpoint, url, token) for rule, url, token in links if not is_public_by_design(rule)]
    assert shown <= {endpoint for endpoint, _url, _token in public}
    assert private
    assert [url for _endpoint, url, token in public if token is not None] == []
    assert [url for _endpoint, url, token in private if token != launch.token] == []


def test_the_share_link_on_my_badges_carries_no_token(app, client, earner):
    post_form(client, "/badges/mine/share", {"action": "make"}, page="/badges/mine")
    links = links_of(app, client.get("/badges/mine").get_data(as_text=True))
    assert ("badges.shared", None) in {(rule.endpoint, token) for rule, _url, token in links}


@pytest.mark.parametrize("page", ["award", "shared"])
def test_public_badge_pages_opened_inside_a_launch_never_write_its_token(app, client, earner, page):
    world, launch = earner
    [award] = awards_of(world.organisation.id, world.learner.id)
    post_form(client, "/badges/mine/share", {"action": "make"}, page="/badges/mine")
    share_url = next(url for rule, url, _token in links_of(app, client.get("/badges/mine").get_data(as_text=True))
                     if rule.endpoint == "badges.shared")
    url = f"/badges/awards/{award.public_id}" if page == "award" else urlsplit(share_url).path
    body = client.get(url).get_data(as_text=True)  # the test client adds the token to the request itself
    assert launch.token not in body and "launch_token" not in body  # LinkedIn, Facebook, e-mail, credentials, og:url


def test_an_organisation_admin_s_export_links_award_pages_without_the_token(app, client, earner, clock):
    world, learner_launch = earner
    admin = make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now())
    db.session.commit()
    sign_in(client, admin)
    body = client.get(f"/reports/people/{world.learner.id}/data.json").get_data(as_text=True)
    assert "/badges/awards/" in body
    assert admin.token not in body and "launch_token" not in body


def test_every_route_public_by_design_is_declared_public_and_no_other(app):
    declared = {rule.rule for rule in app.url_map.iter_rules() if is_public_endpoint(rule.endpoint)}
    by_design = {
        rule.rule for rule in app.url_map.iter_rules() if is_public_by_design(rule) and rule.endpoint != "static"
    }
    assert declared == by_design
