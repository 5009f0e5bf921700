"""Send to my backpack in a real browser: the learner in the development LMS's iframe on another site, with every
cookie of the tool blocked, connects an Open Badges 3.0 host (the fake one, tests/support/fake_ob3_host.py), allows
it in a new tab, sends a badge (201 at the host), sends it again (200: replaced), sends once more after the host
ended the access token (refreshed, then 200); Deny connects nothing; a host on 127.0.0.2 is refused unasked."""
import json

import pytest
from sqlalchemy import select

from tests.browser.accessibility import AccessibilityAudit, load_axe
from tests.support.browser import (
    ARTEFACTS,
    block_every_cookie_of,
    expect_path_page,
    launch_in_course_page,
)
from tests.support.fake_ob3_host import expire_access_tokens, serve_fake_ob3_host
from tests.support.http_servers import stop

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

pytestmark = pytest.mark.browser


@pytest.fixture
def backpack_host():
    server = serve_fake_ob3_host()
    yield server
    stop(server)


def award_the_journey_badge(world) -> str:
    """The journey's badge, awarded to the person of the latest launch (as their completion would)."""
    from app.badges.awarding import award_badge
    from app.badges.catalogue import badge_catalogue
    from app.clock import current_clock
    from app.extensions import db
    from app.lti.models import Launch

    with world.app.app_context():
        launch = db.session.scalars(select(Launch).order_by(Launch.id.desc())).first()
        award = award_badge(launch.organisation_id, launch.person_id, badge_catalogue().badge("mobility-starter"),
                            now=current_clock().now(), evidence=[])
        db.session.commit()
        return award.public_id


def connect_and_answer(context, tool, host_url: str, decision: str):
    """Type the host on My badges, open the host's page in a new tab (as the earner's click does), Allow or Deny
    there; the new tab's final page."""
    tool.get_by_label("Your backpack's address").fill(host_url)
    tool.get_by_role("button", name="Connect a backpack").click()
    with context.expect_page() as opened:
        tool.get_by_role("link", name="Open your backpack to allow the connection (opens a new tab)").click()
    consent = opened.value
    consent.get_by_role("button", name=decision).click()
    consent.wait_for_load_state()
    return consent


def test_connect_allow_send_and_send_again_then_deny_inside_the_lms_iframe_with_no_cookie(
    journey_world, chromium, backpack_host
):
    world, host = journey_world, backpack_host
    context, audit = chromium(block_every_cookie_of(world.tool.url)), AccessibilityAudit()
    load_axe(context)
    page = context.new_page()
    tool = launch_in_course_page(page, world)
    expect_path_page(tool, "Learner")
    award_the_journey_badge(world)
    tool.get_by_role("link", name="See your badges and the ones within reach").click()
    expect(tool.get_by_role("heading", level=1)).to_have_text("My badges")

    consent = connect_and_answer(context, tool, host.url, "Allow")
    expect(consent.get_by_role("heading", level=1)).to_have_text("Connected — return to your LMS tab")
    audit.check(consent, "backpack-connected")
    consent.set_viewport_size({"width": 390, "height": 844})  # the earner's phone
    audit.check(consent, "backpack-connected-390")
    assert consent.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sideways
    consent.close()
    tool.get_by_role("link", name="I have allowed it: show my backpacks").click()
    expect(tool.get_by_test_id("backpack-connections")).to_contain_text(host.url)

    tool.get_by_role("button", name="Send to Fake OB3 Backpack").click()
    expect(tool.locator(".flashes")).to_contain_text(f"The badge is now in your backpack at {host.url}.")
    expect(tool.get_by_test_id("backpack-connections")).to_contain_text("last sent on")
    audit.check(page, "backpack-sent", frame=page.frames[1])
    page.set_viewport_size({"width": 390, "height": 844})
    audit.check(page, "backpack-sent-390", frame=page.frames[1])
    page.set_viewport_size({"width": 1100, "height": 1000})  # back to the desktop the test began on
    tool.get_by_role("button", name="Send to Fake OB3 Backpack").click()
    expect(tool.locator(".flashes")).to_contain_text(f"The badge in your backpack at {host.url} is updated.")
    expire_access_tokens(host)  # the host ends the access token early: the send refreshes it and tries once more
    with page.expect_response(lambda response: "/badges/backpack/send" in response.url):
        tool.get_by_role("button", name="Send to Fake OB3 Backpack").click()  # (the flash reads as the last one's)
    expect(tool.locator(".flashes")).to_contain_text(f"The badge in your backpack at {host.url} is updated.")
    assert [r["fields"]["grant_type"] for r in host.received if r["path"] == "/token"] == [
        "authorization_code", "refresh_token"]
    assert len(host.credentials) == 1
    upserts = [r for r in host.received if r["path"] == "/ims/ob/v3p0/credentials"]
    assert [(r["status"], r["content_type"]) for r in upserts] == [
        (201, "text/plain"), (200, "text/plain"), (401, "text/plain"), (200, "text/plain")]
    assert not [cookie for cookie in context.cookies() if cookie["domain"] == "127.0.0.1"]

    tool.get_by_role("button", name="Disconnect").click()
    expect(tool.locator(".flashes")).to_contain_text("is disconnected")
    consent = connect_and_answer(context, tool, host.url, "Deny")
    expect(consent.get_by_test_id("backpack-not-connected")).to_have_text(
        "The backpack was not connected: access was not allowed.")
    consent.close()
    tool.get_by_role("link", name="I have allowed it: show my backpacks").click()
    expect(tool.get_by_test_id("backpack")).to_be_visible()
    expect(tool.get_by_test_id("backpack-connections")).to_have_count(0)

    private = serve_fake_ob3_host("127.0.0.2")  # not in BACKPACK_PRIVATE_HOSTS: refused before any request
    try:
        tool.get_by_label("Your backpack's address").fill(private.url.replace("http://", "https://"))
        tool.get_by_role("button", name="Connect a backpack").click()
        expect(tool.get_by_text("The tool does not call 127.0.0.2: it is not a public address.")).to_be_visible()
    finally:
        stop(private)
    assert private.received == []

    audit.assert_passed()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "backpack-host-received.json").write_text(json.dumps(host.received, indent=1))
