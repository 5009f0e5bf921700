"""The module picker in the LMS's "add content" dialog, over HTTP: who may use it, browsing and searching, single
or several choices, and the signed answer (or empty answer) the browser posts back to the LMS."""
import html
import re
from urllib.parse import urlencode

import jwt
import pytest

from app.extensions import db
from app.lti.constants import CONTENT_ITEMS, DATA, ERRORMSG
from app.tenancy.models import Person
from tests.support.deep_linking import RETURN_URL, submit
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, MENTOR_ROLE, ORG_ADMIN_ROLE, make_launch, sign_in

pytestmark = pytest.mark.sqlite



def picker(client, **query):
    """GET the picker with this query (the signed-in client adds the launch token)."""
    return client.get("/deep-linking/" + ("?" + urlencode(query, doseq=True) if query else ""))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def module_ids_shown(response) -> list[str]:
    return re.findall(r'<li class="picker-module" data-module="([^"]+)"', response.get_data(as_text=True))


def posted_answer(response) -> tuple[str, dict]:
    """The form the page posts to the LMS: its action and the response's claims."""
    page = response.get_data(as_text=True)
    action = html.unescape(re.search(r'<form[^>]*method="post" action="([^"]+)"', page).group(1))
    token = re.search(r'name="JWT" value="([^"]+)"', page).group(1)
    return action, jwt.decode(token, options={"verify_signature": False})


def test_deep_linking_launch_lands_on_the_picker(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    response = client.get("/start")

    assert response.status_code == 302 and response.headers["Location"].startswith("/deep-linking/")


def test_picker_shows_every_module_by_area_and_level_with_minutes_and_outcomes(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    response = client.get("/deep-linking/")

    assert response.status_code == 200
    page = text(response)
    assert module_ids_shown(response) == [
        "path",
        "mobility-basics",
        "mobility-abroad",
        "mobility-guide",
        "languages-email",
    ]
    assert "<h2>Learner mobility</h2>" in page and "<h3>Explorer</h3>" in page and "<h2>Languages</h2>" in page
    assert "Learner mobility, Explorer level, 15 minutes." in page
    assert "You can do what mobility-abroad teaches." in page
    assert "4 modules found." in page


def test_picker_is_made_of_labelled_form_controls_in_fieldsets(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    page = client.get("/deep-linking/").get_data(as_text=True)

    assert page.count("<fieldset") == 3 and page.count("<legend>") == 3
    for control_id in ("picker-q", "picker-area", "picker-level", "choice-path", "choice-mobility-basics"):
        assert f'<label for="{control_id}">' in page, control_id
    assert 'id="choice-mobility-basics" aria-describedby="choice-about-mobility-basics"' in page
    assert 'id="choice-about-mobility-basics"' in page
    assert '<form method="get" action="/deep-linking/?launch_token=' in page
    assert 'formmethod="post" formaction="/deep-linking/add?launch_token=' in page


@pytest.mark.parametrize("query, shown", [
    ({"q": "abroad"}, ["path", "mobility-abroad"]),
    ({"q": "what languages-email teaches"}, ["path", "languages-email"]),
    ({"area": "mobility", "level": "practitioner"}, ["path", "mobility-guide"]),
    ({"level": "rookie"}, ["path", "mobility-basics", "languages-email"]),
])
def test_search_and_filters_narrow_the_list_on_the_server(client, open_picker, query, shown):
    open_picker([INSTRUCTOR_ROLE])

    response = picker(client, **query)

    assert module_ids_shown(response) == shown
    assert "Show all modules" in text(response)


def test_a_search_with_no_match_says_so(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    page = text(picker(client, q="astronomy"))

    assert "0 modules found." in page and "No module matches your search." in page


def test_what_is_ticked_stays_ticked_through_a_search_even_when_the_search_hides_it(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    response = picker(client, q="abroad", item=["module:mobility-basics", "path"])
    page = response.get_data(as_text=True)

    assert 'value="path" id="choice-path"\n               aria-describedby="choice-about-path" checked' in page
    assert re.search(r'data-testid="hidden-choices">.*value="module:mobility-basics"[^>]*checked', page, re.S)
    assert module_ids_shown(response) == ["path", "mobility-abroad", "mobility-basics"]


def test_an_lms_that_takes_several_items_gets_checkboxes_one_that_takes_one_gets_radio_buttons(client, open_picker):
    open_picker([INSTRUCTOR_ROLE], settings={"accept_multiple": True})
    several = client.get("/deep-linking/").get_data(as_text=True)
    open_picker([INSTRUCTOR_ROLE], settings={"accept_multiple": False})
    one = client.get("/deep-linking/").get_data(as_text=True)

    assert several.count('type="checkbox" name="item"') == 5 and 'type="radio"' not in several
    assert one.count('type="radio" name="item"') == 5 and 'type="checkbox"' not in one
    assert "Your LMS adds one item at a time" in html.unescape(one)


def test_adding_two_modules_posts_a_signed_response_with_two_items_to_the_lms(app, client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    response = submit(client, "add", ["module:mobility-basics", "module:languages-email"])

    assert response.status_code == 200
    action, message = posted_answer(response)
    assert action == RETURN_URL
    assert [item["custom"] for item in message[CONTENT_ITEMS]] == [
        {"module": "mobility-basics"},
        {"module": "languages-email"},
    ]
    assert {item["url"] for item in message[CONTENT_ITEMS]} == {app.config["BASE_URL"] + "/lti/launch"}
    assert message[DATA] == "request-42"
    assert 'src="/static/deep_linking_return.js"' in response.get_data(as_text=True)


def test_cancel_posts_an_empty_response(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    action, message = posted_answer(submit(client, "cancel", ["module:mobility-basics"]))

    assert action == RETURN_URL and message[CONTENT_ITEMS] == [] and message[DATA] == "request-42"


def test_adding_nothing_shows_the_picker_again_with_the_reason(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    response = submit(client, "add", [], q="abroad")

    assert response.status_code == 400
    assert "Choose at least one module or the whole path, or press Cancel to add nothing." in text(response)
    assert module_ids_shown(response) == ["path", "mobility-abroad"]  # the search is kept


def test_two_choices_for_an_lms_that_takes_one_are_refused_and_stay_ticked(client, open_picker):
    open_picker([INSTRUCTOR_ROLE], settings={"accept_multiple": False})

    response = submit(client, "add", ["path", "module:mobility-guide"])

    assert response.status_code == 400
    assert "Your LMS adds one item at a time: choose one module or the whole path." in text(response)
    assert re.search(r'value="module:mobility-guide"[^>]*checked', response.get_data(as_text=True))


def test_a_module_that_left_the_path_is_refused_with_a_reason(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    response = submit(client, "add", ["module:gone"])

    assert response.status_code == 400 and "The path has no module “gone” any more." in text(response)


def test_the_lms_gets_one_answer_per_request(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])
    assert submit(client, "add", ["path"]).status_code == 200

    again = submit(client, "add", ["module:mobility-basics"])

    assert again.status_code == 409
    assert "Your choice was already sent to your LMS from this window." in text(again)
    assert submit(client, "cancel").status_code == 409


def test_add_without_the_csrf_token_is_refused(client, open_picker):
    open_picker([INSTRUCTOR_ROLE])

    assert client.post("/deep-linking/add", data={"item": ["path"]}).status_code == 400


@pytest.mark.parametrize("roles", [[LEARNER_ROLE], [MENTOR_ROLE], []])
def test_a_learners_request_is_refused_clearly_and_the_lms_is_told_why(client, open_picker, world, roles):
    open_picker(roles, person=world.learner)

    response = client.get("/deep-linking/")

    assert response.status_code == 403
    assert "Only instructors can add modules" in text(response)
    assert 'data-module' not in response.get_data(as_text=True)
    action, message = posted_answer(response)
    assert action == RETURN_URL and message[CONTENT_ITEMS] == []
    assert message[ERRORMSG] == "Only instructors of the course can add REX VET Path modules to it."


@pytest.mark.parametrize("button", ["add", "cancel"])
def test_a_learner_cannot_answer_by_posting_the_form_directly(app, client, open_picker, world, button):
    open_picker([LEARNER_ROLE], person=world.learner)
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about the role; CSRF has its own test

    response = client.post(f"/deep-linking/{button}", data={"item": ["path", "module:mobility-basics"]})

    assert response.status_code == 403
    _, message = posted_answer(response)
    assert message[CONTENT_ITEMS] == [] and message[ERRORMSG]


def test_an_organisation_admin_who_is_not_the_courses_instructor_may_add_modules(client, open_picker, world):
    admin = Person(organisation_id=world.organisation.id, issuer=world.registration.issuer, subject="org-admin")
    db.session.add(admin)
    db.session.flush()
    open_picker([ORG_ADMIN_ROLE], person=admin)

    assert client.get("/deep-linking/").status_code == 200


def test_a_course_link_launch_cannot_open_the_picker(client, clock, world, path):
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))

    response = client.get("/deep-linking/")

    assert response.status_code == 403
    assert "This page opens only when you add REX VET Path to a course from your LMS." in text(response)


def test_without_a_launch_the_picker_asks_to_open_it_from_the_lms(client, path):
    assert client.get("/deep-linking/").status_code == 403


def test_an_lms_that_takes_no_resource_links_is_told_and_can_only_cancel(client, open_picker):
    open_picker([INSTRUCTOR_ROLE], settings={"accept_types": ["file", "html"]})

    page = client.get("/deep-linking/")

    assert "Your LMS asked for content of a kind REX VET Path does not offer (file, html)." in text(page)
    assert "data-module" not in page.get_data(as_text=True)
    assert submit(client, "add", ["path"]).status_code == 400
    assert posted_answer(submit(client, "cancel"))[1][CONTENT_ITEMS] == []


def test_picker_speaks_the_launchs_language(client, open_picker):
    open_picker([INSTRUCTOR_ROLE], locale="fi-FI")

    page = text(client.get("/deep-linking/"))

    assert '<html lang="fi">' in page
    assert "<h2>Opiskelijoiden liikkuvuus</h2>" in page and "Moduuli mobility-basics" in page
    assert "Add REX VET Path to your course" not in page and "Search" not in page


def test_the_picker_filters_modules_by_the_language_they_are_available_in(app, client, open_picker, path):
    from dataclasses import replace
    english_only = replace(path.module("languages-email"), translations=())
    app.extensions["path_model"] = replace(path, modules=tuple(
        english_only if module.id == "languages-email" else module for module in path.modules))
    open_picker([INSTRUCTOR_ROLE])

    in_finnish = picker(client, language="fi")
    in_estonian = picker(client, language="et")
    all_languages = picker(client, language="")

    def modules(response):
        return set(module_ids_shown(response)) - {"path"}  # the whole path is offered whatever the filter

    assert modules(in_finnish) == {"mobility-basics", "mobility-abroad", "mobility-guide"}
    assert modules(in_estonian) == set()
    assert modules(all_languages) == {"mobility-basics", "mobility-abroad", "mobility-guide", "languages-email"}
    assert '<option value="fi" selected>Available in suomi</option>' in in_finnish.get_data(as_text=True)


def test_link_titles_default_to_the_organisations_language_and_the_instructor_may_choose_another(
        client, open_picker, world):
    world.organisation.language = "fi"
    db.session.flush()
    open_picker([INSTRUCTOR_ROLE], locale="en")  # the instructor reads the picker in English

    page = picker(client).get_data(as_text=True)
    in_finnish = posted_answer(submit(client, "add", ["path", "module:mobility-basics"]))[1][CONTENT_ITEMS]
    open_picker([INSTRUCTOR_ROLE], locale="en")
    in_english = posted_answer(submit(client, "add", ["module:mobility-basics"], titles="en"))[1][CONTENT_ITEMS]

    assert '<option value="fi" lang="fi" selected>suomi</option>' in page
    assert [item["title"] for item in in_finnish] == ["REX VET Path: kansainvälisen osaamisen polkusi",
                                                       "Moduuli mobility-basics"]
    assert in_finnish[1]["lineItem"]["label"] == "Moduuli mobility-basics"
    assert [item["title"] for item in in_english] == ["Module mobility-basics"]
