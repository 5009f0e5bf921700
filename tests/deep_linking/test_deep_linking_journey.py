"""Deep Linking end to end over real HTTP with the development LMS: an instructor adds modules from the picker,
the LMS verifies the signed response and creates the links and gradebook columns, and a learner's launch of a
created link opens that module."""
import html
import re
from urllib.parse import urljoin

from tests.support.lti_browser import first_form, submit


class Picker:
    """The picker page as the instructor's browser got it, with its search form and its buttons."""

    def __init__(self, browser, response):
        assert response.status_code == 200, response.text[:800]
        assert "/deep-linking/" in response.url, response.url
        self.browser, self.response, self.text = browser, response, response.text

    def hidden(self, name: str) -> str:
        return html.unescape(re.search(rf'name="{name}" value="([^"]+)"', self.text).group(1))

    def _fields(self, items, **fields) -> dict:
        return {"launch_token": self.hidden("launch_token"), "csrf_token": self.hidden("csrf_token"),
                "item": list(items), **fields}

    def search(self, items=(), **fields) -> "Picker":
        """The "Search" button: the form by GET to its action, with what is ticked."""
        action = urljoin(
            self.response.url, html.unescape(re.search(r'<form method="get" action="([^"]+)"', self.text).group(1))
        )
        return Picker(self.browser, self.browser.session.get(action, params=self._fields(items, **fields), timeout=30))

    def press(self, button_label: str, items=()):
        """A submit button with its own formaction, as the browser posts the form for it."""
        match = re.search(rf'formmethod="post" formaction="([^"]+)">{re.escape(button_label)}</button>', self.text)
        assert match, f"no button {button_label!r}"
        url = urljoin(self.response.url, html.unescape(match.group(1)))
        return self.browser.session.post(url, data=self._fields(items), timeout=30)

    def module_ids(self) -> list[str]:
        return re.findall(r'<li class="picker-module" data-module="([^"]+)"', self.text)


def open_picker(world, **query) -> Picker:
    return Picker(
        world.browser,
        world.browser.post_id_token(world.browser.open_deep_linking("intl-skills", "instructor", **query)),
    )


def send_to_the_lms(browser, answer):
    """What the return page's script does: post the signed response to the LMS's return URL."""
    assert answer.status_code == 200, answer.text[:800]
    return submit(browser.session, first_form(answer))


def devlms_rows(world, model, **filters):
    from devlms.extensions import db as devlms_db

    with world.devlms.app.app_context():
        return devlms_db.session.scalars(devlms_db.select(model).filter_by(**filters)).all()


def test_an_instructor_adds_two_modules_and_a_learner_launch_of_one_opens_it(lti_world):
    from devlms.ags.models import LineItem
    from devlms.courses.models import ResourceLink

    path = lti_world.app.extensions["path_model"]
    picker = open_picker(lti_world)
    assert '<html lang="fi">' in picker.text  # the development LMS's instructor works in Finnish
    assert {"path", "preparing-learners-for-mobility", "virtual-exchange-first-steps"} <= set(picker.module_ids())

    # A search by a word of an outcome, keeping the first module ticked while it looks for the second.
    found = picker.search(["module:preparing-learners-for-mobility"], q="virtual exchange")
    assert found.module_ids() == ["path", "virtual-exchange-first-steps", "preparing-learners-for-mobility"]
    result = send_to_the_lms(lti_world.browser, found.press(
        "Lisää kurssille", ["module:preparing-learners-for-mobility", "module:virtual-exchange-first-steps"]))

    assert result.status_code == 200, result.text[:800]
    assert result.url == lti_world.devlms.url + "/lti/deep-link/return"
    created = {link.custom["module"]: link for link in devlms_rows(lti_world, ResourceLink, course_id="intl-skills")
               if link.id.startswith("dl-")}
    assert sorted(created) == ["preparing-learners-for-mobility", "virtual-exchange-first-steps"]
    preparing = created["preparing-learners-for-mobility"]
    assert preparing.title == path.module("preparing-learners-for-mobility").localised("fi")
    assert preparing.title != path.module("preparing-learners-for-mobility").title.english
    assert preparing.url == lti_world.tool.url + "/lti/launch"
    columns = {item.resource_id: item for item in devlms_rows(lti_world, LineItem, course_id="intl-skills")
               if item.resource_link_id in {link.id for link in created.values()}}
    assert {
        (resource_id, column.score_maximum, column.tag, column.resource_link_id)
        for resource_id, column in columns.items()
    } == {
        ("preparing-learners-for-mobility", 100.0, "rexvet-module", preparing.id),
        ("virtual-exchange-first-steps", 100.0, "rexvet-module", created["virtual-exchange-first-steps"].id),
    }
    assert columns["preparing-learners-for-mobility"].label == preparing.title

    learner = lti_world.new_browser()
    module_page = learner.launch(created["virtual-exchange-first-steps"].id, "learner")
    assert module_page.status_code == 200, module_page.text[:800]
    assert "/modules/virtual-exchange-first-steps/sections/without-travel" in module_page.url
    assert "Running a virtual exchange with a partner class" in html.unescape(module_page.text)


def test_an_lms_taking_one_item_gets_the_whole_path_as_one_link_that_opens_the_path_page(lti_world):
    from devlms.ags.models import LineItem
    from devlms.courses.models import ResourceLink

    picker = open_picker(lti_world, accept_multiple="false")
    assert picker.text.count('type="radio" name="item"') == len(picker.module_ids())

    result = send_to_the_lms(lti_world.browser, picker.press("Lisää kurssille", ["path"]))

    assert result.status_code == 200, result.text[:800]
    [link] = [
        link for link in devlms_rows(lti_world, ResourceLink, course_id="intl-skills") if link.id.startswith("dl-")
    ]
    assert link.custom == {}
    [column] = devlms_rows(lti_world, LineItem, resource_link_id=link.id)
    assert (column.resource_id, column.tag, column.score_maximum) == ("path", "rexvet-path", 100.0)
    path_page = lti_world.new_browser().launch(link.id, "learner")
    assert path_page.status_code == 200 and "/?launch_token=" in path_page.url
    assert "Your international skills path" in path_page.text


def test_cancel_adds_nothing_to_the_course(lti_world):
    from devlms.courses.models import ResourceLink

    links_before = len(devlms_rows(lti_world, ResourceLink))

    result = send_to_the_lms(lti_world.browser, open_picker(lti_world).press("Peruuta", ["path"]))

    assert result.status_code == 200 and "nothing was added" in result.text
    assert len(devlms_rows(lti_world, ResourceLink)) == links_before

