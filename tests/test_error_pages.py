"""Error pages are never a dead end: each offers the page the person came from (only one of this site) or the
browser's Back, and their path when the request belongs to a launch; without a launch, it says to open the tool again
from the LMS (app/errors.py, errors/error.html)."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.errors import AppError

pytestmark = pytest.mark.sqlite

ORIGIN = "https://localhost"  # the test client's
REOPEN = "Open REX VET Path again from your course in the LMS."


def link(html: str, testid: str) -> str | None:
    found = re.search(rf'<a[^>]*href="([^"]*)"[^>]*data-testid="{testid}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_404_in_a_launch_goes_back_to_the_page_before_and_on_to_the_path(client, launch_as):
    launch = launch_as("learner")
    came_from = f"{ORIGIN}/self-assessment?launch_token={launch.token}"

    response = client.get("/modules/no-such-module", headers={"Referer": came_from})

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert link(html, "way-back") == came_from
    home = urlsplit(link(html, "way-home"))
    assert home.path == "/" and parse_qs(home.query)["launch_token"] == [launch.token]
    assert 'class="site-nav"' in html, "the navigation stays on a launch's error page"
    assert client.get(link(html, "way-home"), headers={}).status_code == 200


def test_another_sites_page_is_not_linked_back_to_the_browsers_back_is_offered(client, launch_as):
    launch_as("learner")

    html = client.get("/modules/no-such-module", headers={"Referer": "https://lms.example/course/1"}).get_data(
        as_text=True)

    assert link(html, "way-back") is None
    assert 'data-testid="history-back"' in html and "data-history-back" in html
    assert link(html, "way-home") is not None


def test_the_failing_page_itself_is_not_offered_as_the_way_back(client, launch_as):
    launch = launch_as("learner")
    here = f"{ORIGIN}/modules/no-such-module?launch_token={launch.token}"

    html = client.get("/modules/no-such-module", headers={"Referer": here}).get_data(as_text=True)

    assert link(html, "way-back") is None


def test_a_403_in_a_launch_offers_the_path(client, launch_as):
    launch = launch_as("learner")

    response = client.get("/reports/people")

    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert parse_qs(urlsplit(link(html, "way-home")).query)["launch_token"] == [launch.token]


@pytest.mark.own_app
def test_a_422_refusal_in_a_launch_offers_the_way_back_and_the_path(app, client, launch_as):
    def refuse():
        raise AppError("These values cannot be used together.", hint="Change one of them.", status=422)

    app.add_url_rule("/test-refusal", "test_refusal", refuse)
    launch = launch_as("learner")
    form_page = f"{ORIGIN}/self-assessment?launch_token={launch.token}"

    response = client.get("/test-refusal", headers={"Referer": form_page})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "These values cannot be used together." in html and "Change one of them." in html
    assert link(html, "way-back") == form_page
    assert link(html, "way-home") is not None


def test_an_error_before_any_launch_says_to_open_the_tool_again_from_the_lms(client):
    response = client.get("/no-such-page")

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert REOPEN in html
    assert link(html, "way-home") is None and 'class="site-nav"' not in html


def test_an_ended_session_says_to_open_the_tool_again_once(client):
    response = client.get("/self-assessment")

    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert html.count(REOPEN) == 1, "the refusal's own hint says it; the way on does not repeat it"


def test_the_installation_admins_error_pages_go_back_to_the_admin_overview(client):
    html = client.get("/admin/no-such-page").get_data(as_text=True)

    assert urlsplit(link(html, "way-admin")).path == "/admin/"
    assert REOPEN not in html


def test_programs_still_get_json_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})

    assert response.status_code == 404 and response.is_json
