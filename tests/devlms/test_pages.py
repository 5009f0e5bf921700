"""The LMS's own pages: courses, a course with launch buttons and the tool in an iframe, the return page."""

import html
from html.parser import HTMLParser

import pytest


class ElementParser(HTMLParser):
    """Every element of a page with its attributes."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(response, tag: str) -> list[dict]:
    """The attributes of every `tag` element of a page."""
    parser = ElementParser()
    parser.feed(response.get_data(as_text=True))
    return [attributes for name, attributes in parser.elements if name == tag]


def test_course_list_shows_every_course_and_sample_user(client):
    page = html.unescape(client.get("/").get_data(as_text=True))

    for title in ("International skills for VET staff", "Internationalisation at home",
                  "Staff development: intercultural competence"):
        assert title in page
    for user_id in ("learner", "instructor", "orgadmin", "courseadmin", "learner-et", "learner-it", "learner-nl",
                    "learner-es", "mentor", "anonymous"):
        assert f"<code>{user_id}</code>" in page


def test_course_page_offers_launch_buttons_and_a_user_picker_for_each_link(client):
    response = client.get("/courses/intl-skills")
    page = response.get_data(as_text=True)

    assert page.count(">Launch as learner</button>") == 3  # the path, the mobility link and one module's link
    assert page.count(">Launch as instructor</button>") == 3
    assert page.count('name="user"') >= 6
    assert "Add content (Deep Linking)" in page
    assert not elements(response, "iframe")


def test_launching_shows_the_tool_in_an_iframe_on_the_course_page(client):
    response = client.get("/courses/intl-skills?link=intl-skills-path&user=instructor")

    [iframe] = elements(response, "iframe")
    assert iframe["src"] == "/launch/intl-skills-path?user=instructor"
    assert iframe["width"] == "100%" and iframe["height"] == "700"
    assert iframe["title"] == "REX VET Path: from a rookie to an expert, launched as Iida Opettaja"
    assert "allow" not in iframe


def test_test_options_are_passed_on_to_the_iframe_and_to_later_launches(client):
    response = client.get("/courses/intl-skills?link=intl-skills-path&user=learner&tamper=expired&locale=it")

    [iframe] = elements(response, "iframe")
    assert iframe["src"] == "/launch/intl-skills-path?user=learner&tamper=expired&locale=it"
    hidden = [(field["name"], field["value"]) for field in elements(response, "input")
              if field.get("type") == "hidden"]
    assert ("tamper", "expired") in hidden and ("locale", "it") in hidden


def test_deep_linking_opens_in_the_iframe(client):
    response = client.get("/courses/intl-skills?deep_link=1&user=instructor")

    [iframe] = elements(response, "iframe")
    assert iframe["src"] == "/deep-link/intl-skills?user=instructor"


def test_deep_linking_can_ask_for_one_item_only(client):
    response = client.get("/courses/intl-skills?deep_link=1&user=instructor&accept_multiple=false")

    [iframe] = elements(response, "iframe")
    assert iframe["src"] == "/deep-link/intl-skills?user=instructor&accept_multiple=false"


def test_only_course_editors_are_offered_for_deep_linking(client):
    response = client.get("/courses/intl-skills")
    page = response.get_data(as_text=True)
    picker = page[page.index('id="deep-link-user"'):page.index("Add content (Deep Linking)</button>")]

    assert 'value="instructor"' in picker and 'value="courseadmin"' in picker and 'value="orgadmin"' in picker
    assert 'value="learner"' not in picker and 'value="mentor"' not in picker


def test_course_page_answers_platform_storage_messages_for_the_tool_origin_only(client):
    [script] = [s for s in elements(client.get("/courses/intl-skills"), "script") if "platform_storage" in s["src"]]

    assert script["data-tool-origin"] == "http://127.0.0.1:5000"


def test_launch_with_a_link_of_another_course_is_not_found(client):
    assert client.get("/courses/intl-skills?link=second-college-path&user=learner").status_code == 404


@pytest.mark.parametrize("url", ["/courses/no-such-course", "/courses/no-such-course/gradebook"])
def test_unknown_course_is_not_found(client, url):
    assert client.get(url).status_code == 404


def test_return_page_shows_the_tools_messages_and_leads_back_to_the_course(client):
    response = client.get("/courses/intl-skills/return?lti_msg=Module+saved&lti_errormsg=Could+not+grade")
    page = response.get_data(as_text=True)

    assert "Module saved" in page and "Could not grade" in page
    assert {"href": "/courses/intl-skills", "target": "_top"} in elements(response, "a")


def test_empty_gradebook_says_so(client):
    page = client.get("/courses/intl-at-home/gradebook").get_data(as_text=True)

    assert "This course has no line items." in page
