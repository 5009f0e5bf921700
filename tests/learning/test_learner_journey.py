"""A learner's way over real HTTP, from the development LMS: self-assessment, a recommendation with its reason,
a module begun in one launch, resumed from its own course link in the next, and completed."""
import re

import pytest

from tests.support.content import add_module_link, serve_fixture_content
from tests.support.pages import Page, take_self_assessment

MODULE_LINK = "mobility-basics-link"


@pytest.fixture
def journey(lti_world, tmp_path):
    """The tool on the player fixture content; the LMS course has a path link and a link to one module."""
    serve_fixture_content(lti_world, "player", tmp_path)
    add_module_link(lti_world, MODULE_LINK, "mobility-basics")
    return lti_world


def test_a_learner_assesses_gets_a_reasoned_recommendation_and_completes_a_module_over_two_launches(journey):
    browser = journey.browser

    # First launch, from the course's path link: the path asks for the self-assessment.
    path = Page(browser, browser.launch("intl-skills-path", "learner"))
    assert "Start with the self-assessment" in path.text
    assessment = path.follow(r'href="([^"]*/self-assessment\?[^"]*)"')
    report = take_self_assessment(assessment, **{"rating-languages.rookie.1": "2", "rating-languages.rookie.2": "3"})
    assert "Your self-assessment is saved." in report.text  # on the taking's report, which leads to the path
    path = report.follow(r'href="([^"]*)" data-testid="to-path"')

    assert ("You have not yet rated yourself at any level in Learner mobility; this Rookie module covers:"
            in path.text)
    assert "You know the steps of a mobility." in path.text
    section = path.follow(r'data-testid="open-recommended" href="([^"]+)"')
    assert "Section 1 of 4" in section.text and "Mobility basics" in section.text
    section = section.submit("/sections/welcome/done")
    section = section.submit("/activities/first", choice="prepare")
    assert "Right, everything starts with preparing." in section.text
    section = section.submit("/sections/before/done")
    assert "Section 3 of 4" in section.text  # the learner stops here, in "During"

    # Second launch, from the link to the module itself: it opens where the learner left off.
    section = Page(browser, browser.launch(MODULE_LINK, "learner"))
    assert "Section 3 of 4" in section.text and "Stay in touch." in section.text
    assert re.search(r'<a href="/\?launch_token=[^"]+">Back to your path</a>', section.text)
    section = section.submit("/activities/homesick", choice="listen")
    section = section.submit("/sections/during/done")
    section = section.submit("/activities/lessons", text="Start the paperwork a month earlier.")
    summary = section.submit("/sections/after/done")

    assert "Not completed yet" in summary.text  # "documents" is still unanswered: 67 % of 80 %
    before = summary.follow(r'href="([^"]*/sections/before[^"]*#activity-documents)"')
    before = before.submit("/activities/documents", choice=["agreement", "card"])
    assert 'data-testid="module-completed"' in before.text
    summary = before.follow(r'href="([^"]*/sections/after\?[^"]*)"').submit("/sections/after/done")
    assert "You completed this module" in summary.text and "Your result is 100 %" in summary.text
    assert "Start the paperwork a month earlier." in summary.text

    path = summary.follow(r'href="([^"]*/\?launch_token=[^"]*)"')
    assert re.search(r'<li data-module="mobility-basics">.*?\(completed\)', path.text, re.S)
    assert "this Explorer module covers:" in path.text  # on to the next level of the area


def test_a_link_naming_a_module_the_path_does_not_have_opens_the_path_with_a_warning(journey):
    from devlms.courses.models import ResourceLink
    from devlms.extensions import db as devlms_db

    with journey.devlms.app.app_context():
        devlms_db.session.get(ResourceLink, MODULE_LINK).custom = {"module": "retired-module"}
        devlms_db.session.commit()

    page = Page(journey.browser, journey.browser.launch(MODULE_LINK, "learner"))

    assert page.response.url.startswith(journey.tool.url + "/?launch_token=")
    assert "This course link opens the module “retired-module”, which the path no longer has." in page.text
