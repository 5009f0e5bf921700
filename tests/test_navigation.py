"""The header's navigation: each person sees the pages their launch's role may open, and only those, with the
current one marked; a page without a launch has none (app/navigation.py, base.html)."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from app.extensions import db
from app.navigation import COURSE, NavEntry, register_navigation
from app.reports.access import set_reporting_course

pytestmark = pytest.mark.sqlite

LEARNER_PAGES = ["Your path", "Self-assessment", "My badges", "My data"]
ORGANISATION_PAGES = ["Skills map", "People and their data", "LMS sites and settings", "Badges awarded",
                      "Badge reviewers", "Badge issuer profile"]


def header_nav(html: str) -> list[tuple[str, str, str | None]]:
    """The header navigation's links, in order: (label, href, aria-current or None)."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    if nav is None:
        return []
    return [(label.strip(), href.replace("&amp;", "&"), current or None) for href, current, label in re.findall(
        r'<a href="([^"]*)" data-testid="nav-[^"]*"(?: aria-current="([a-z]+)")?>([^<]*)</a>', nav.group(0))]


def labels(html: str) -> list[str]:
    return [label for label, _href, _current in header_nav(html)]


def test_a_learner_sees_their_own_pages_only(client, launch_as):
    launch_as("learner")

    assert labels(client.get("/").get_data(as_text=True)) == LEARNER_PAGES


def test_an_instructor_also_sees_their_course_dashboard(client, launch_as, world):
    launch_as("instructor")

    nav = header_nav(client.get("/").get_data(as_text=True))

    assert [label for label, _href, _current in nav] == LEARNER_PAGES + ["Course dashboard"]
    dashboard = dict((label, href) for label, href, _current in nav)["Course dashboard"]
    assert urlsplit(dashboard).path == f"/courses/{world.course.id}/dashboard"


def test_the_reporting_course_instructor_also_sees_the_skills_map(client, launch_as, world):
    set_reporting_course(world.organisation.id, world.course.id)
    db.session.flush()
    launch_as("instructor")

    assert labels(client.get("/").get_data(as_text=True)) == LEARNER_PAGES + ["Course dashboard", "Skills map"]


def test_the_skills_map_link_follows_the_reporting_course_from_the_next_page_on(client, launch_as, world):
    """The dashboard reads the reporting course with its own rows and the header takes it from there."""
    launch_as("instructor")
    dashboard = f"/courses/{world.course.id}/dashboard"

    before = labels(client.get(dashboard).get_data(as_text=True))
    set_reporting_course(world.organisation.id, world.course.id)
    db.session.flush()
    chosen = labels(client.get(dashboard).get_data(as_text=True))
    set_reporting_course(world.organisation.id, None)
    db.session.flush()
    after = labels(client.get(dashboard).get_data(as_text=True))

    assert "Skills map" not in before and "Skills map" in chosen and "Skills map" not in after


def test_an_organisation_admin_sees_the_organisation_pages(client, launch_as):
    launch_as("organisation admin")

    assert labels(client.get("/").get_data(as_text=True)) == LEARNER_PAGES + ["Course dashboard"] + ORGANISATION_PAGES


@pytest.mark.parametrize("role", ["learner", "instructor", "organisation admin"])
def test_every_page_in_the_navigation_opens_for_the_person_it_is_shown_to(client, launch_as, role):
    launch = launch_as(role)

    nav = header_nav(client.get("/").get_data(as_text=True))

    assert nav
    for label, href, _current in nav:
        assert parse_qs(urlsplit(href).query)["launch_token"] == [launch.token], f"{label} keeps the launch"
        client.launch_token = None  # the link carries the token itself
        response = client.get(href)
        client.launch_token = launch.token
        assert response.status_code == 200, f"{label} ({href}) answered {response.status_code}"


@pytest.mark.parametrize(("path", "current"), [
    ("/", "Your path"), ("/self-assessment", "Self-assessment"), ("/badges/mine", "My badges"),
    ("/my-data", "My data"), ("/reports/people", "People and their data"), ("/organisation/sites",
                                                                              "LMS sites and settings"),
])
def test_the_current_page_is_marked_and_no_other(client, launch_as, path, current):
    launch_as("organisation admin")

    nav = header_nav(client.get(path).get_data(as_text=True))

    assert [(label, mark) for label, _href, mark in nav if mark] == [(current, "page")]


def test_a_page_within_another_marks_it_as_where_the_person_is(client, launch_as):
    """The merge page belongs to "People and their data": marked, but not as that page itself."""
    launch_as("organisation admin")

    nav = header_nav(client.get("/organisation/people").get_data(as_text=True))

    assert [(label, mark) for label, _href, mark in nav if mark] == [("People and their data", "true")]


def test_a_page_without_a_launch_has_no_navigation(client):
    html = client.get("/no-such-page").get_data(as_text=True)

    assert 'class="site-nav"' not in html


def test_a_public_page_opened_inside_a_launch_has_no_navigation(client, launch_as):
    """Public pages are shared with anyone: none of their links may carry the launch's token."""
    launch = launch_as("learner")

    response = client.get("/badges/path/levels/rookie")  # sent with the launch's token

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="site-nav"' not in html and launch.token not in html


def test_the_navigation_has_a_menu_button_for_narrow_screens(client, launch_as):
    """The button is hidden in the page (app.js shows it), so without script every link stays listed."""
    launch_as("learner")

    html = client.get("/").get_data(as_text=True)

    button = re.search(r'<button[^>]*class="nav-toggle[^>]*>', html).group(0)
    assert 'aria-expanded="false"' in button and 'aria-controls="site-nav-links"' in button and " hidden" in button
    assert 'id="site-nav-links"' in html


@pytest.mark.own_app
def test_a_feature_registers_its_page_with_the_rule_that_shows_it(app, client, launch_as):
    """How another feature (a mentor's mentees page) joins the header: one registration in its init_app."""
    app.add_url_rule("/test-mentees", "test_mentees", lambda: "mentees")
    register_navigation(app, NavEntry("test_mentees", "Your mentees", COURSE, order=20,
                                      shown=lambda launch: launch.course_role == "learner"))
    launch_as("learner")
    learner_nav = labels(client.get("/").get_data(as_text=True))
    launch_as("instructor")
    instructor_nav = labels(client.get("/").get_data(as_text=True))

    assert learner_nav == LEARNER_PAGES + ["Your mentees"]
    assert "Your mentees" not in instructor_nav


@pytest.mark.own_app
def test_an_entry_s_link_is_url_for_s_on_every_page_with_the_page_s_launch_token(app, client, launch_as):
    """The links are built once per process and the token added per page (app.navigation._url): still url_for's."""
    app.add_url_rule("/test-pages/<int:number>", "test_page", lambda number: "page")
    register_navigation(app, NavEntry("test_page", "A page", COURSE, url_values=lambda launch: {"number": 7,
                                                                                                "tab": "a b"}))
    hrefs = []
    for role in ("learner", "instructor"):
        launch = launch_as(role)
        for _page in range(2):
            href = dict((label, href) for label, href, _current in header_nav(client.get("/").get_data(as_text=True)))
            hrefs.append((href["A page"], launch.token))

    assert [href for href, _token in hrefs] == [f"/test-pages/7?tab=a+b&launch_token={token}" for _href, token in hrefs]
    assert hrefs[0][1] != hrefs[2][1]


def test_an_entry_must_name_a_known_group_and_be_registered_once():
    app = Flask(__name__)
    register_navigation(app, NavEntry("learning.home", "Your path", home=True))

    with pytest.raises(ValueError, match="unknown group"):
        register_navigation(app, NavEntry("x.page", "X", "sidebar"))
    with pytest.raises(ValueError, match="registered twice"):
        register_navigation(app, NavEntry("learning.home", "Path again"))
    with pytest.raises(ValueError, match="home page"):
        register_navigation(app, NavEntry("y.page", "Y", home=True))
