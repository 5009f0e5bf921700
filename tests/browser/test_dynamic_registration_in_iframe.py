"""The LMS admin registers REX VET Path from the development LMS's Tools page, in Chromium: the tool's page in the
LMS's iframe says what happened and stays until "Done" (reached and pressed by keyboard) asks the LMS to close it;
without an invitation the page in the frame says how to get one. axe-core finds no serious violation on either."""
import re

import pytest

from tests.browser.accessibility import AccessibilityAudit, load_axe
from tests.support.browser import keep_screenshot
from tests.support.registrations import invite, invited

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser


@pytest.fixture
def lms_tools_page(unregistered_lti_world, chromium):
    context = chromium()
    load_axe(context)
    page = context.new_page()

    def register(registration_url: str):
        page.goto(f"{unregistered_lti_world.devlms.url}/admin/tools")
        page.get_by_label("Tool's registration URL (LTI Dynamic Registration)").fill(registration_url)
        page.get_by_role("button", name="Register a tool").click()
        return page, page.frame_locator("iframe")

    return register


def test_registration_page_stays_in_the_lms_frame_until_done_is_pressed(unregistered_lti_world, lms_tools_page):
    world, audit = unregistered_lti_world, AccessibilityAudit()
    page, tool = lms_tools_page(invited(world.tool.url + "/lti/register", invite(world.app, organisation="Omnia")))

    expect(tool.get_by_role("heading", level=1)).to_have_text("REX VET Path is registered with your LMS", timeout=15000)
    page.wait_for_timeout(1500)  # the old page closed itself at once; this one must still be there to be read
    expect(page).to_have_url(re.compile(r"/admin/tools/register$"))
    expect(tool.get_by_text("they belong to the organisation “Omnia”")).to_be_visible()
    audit.check(page, "dynamic-registration-done", frame=page.frames[1])
    done = tool.get_by_role("button", name="Done")
    done.focus()
    expect(done).to_be_focused()
    done.press("Enter")

    expect(page).to_have_url(re.compile(r"/admin/tools$"), timeout=15000)  # the LMS got org.imsglobal.lti.close
    expect(page.get_by_text("REX VET Path").first).to_be_visible()
    audit.assert_passed()


def test_plain_registration_url_explains_in_the_lms_frame_how_to_get_an_invitation(
    unregistered_lti_world, lms_tools_page
):
    world, audit = unregistered_lti_world, AccessibilityAudit()
    page, tool = lms_tools_page(world.tool.url + "/lti/register")

    expect(tool.get_by_role("heading", level=1)).to_have_text("A registration URL from REX VET Path is needed",
                                                              timeout=15000)
    expect(tool.get_by_text("Ask the REX VET Path administrator for a one-time registration URL")).to_be_visible()
    keep_screenshot(page, "dynamic-registration-invitation-needed")
    audit.check(page, "dynamic-registration-invitation-needed", frame=page.frames[1])
    tool.get_by_role("button", name="Done").click()
    expect(page).to_have_url(re.compile(r"/admin/tools$"), timeout=15000)
    audit.assert_passed()
