"""The course dashboard's matrices, a learner's path read-only and a mentor's mentees, in Chromium on a desktop
(1280) and a phone (390), launched from the development LMS on the real path (eight areas, 32 modules): a column
sorts through its header link, a filter narrows the members, a member's path opens read-only; on a phone the members
are cards and the page never scrolls sideways. Every new page type passes axe-core in English and Finnish.
Screenshots: test-results/browser/dashboard-*.png and a11y-dashboard-*.png (with axe-*.json beside them)."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.browser.accessibility import AccessibilityAudit, launch_token, visit
from tests.support.browser import ARTEFACTS, keep_screenshot

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
FIRST_AREA = {"en": "The EU and European VET policy", "fi": "EU ja eurooppalainen ammatillisen koulutuksen politiikka"}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def launch(page, world, user: str, locale: str) -> str:
    """A full-page launch from the development LMS's whole-path link; the launch token of the tool's session."""
    page.goto(f"{world.devlms.url}/launch/intl-skills-path?user={user}&locale={locale}")
    page.wait_for_url(f"{world.tool.url}/**launch_token=*", timeout=15000)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return launch_token(page)


def learners_with_progress(world, chromium_page) -> int:
    """Laura (the mentor's mentee) and Eeva launch; Laura completed Erasmus+ in VET (score 90) and started the next
    module of its area. The course's id in the tool."""
    for user in ("learner", "learner-et"):
        launch(chromium_page, world, user, "en")
    from app.extensions import db
    from app.learning.models import ModuleProgress
    from app.tenancy.models import Course, Person

    now = datetime.now(UTC)
    with world.app.app_context():
        laura = db.session.scalars(select(Person).where(Person.subject == "learner")).one()
        for module_id, completed in (("erasmus-plus-for-vet", True), ("europass-eqf-and-learning-outcomes", False)):
            db.session.add(ModuleProgress(organisation_id=laura.organisation_id, person_id=laura.id,
                                          module_id=module_id, started_at=now, updated_at=now,
                                          completed_at=now if completed else None, score=90 if completed else None))
        db.session.commit()
        return db.session.scalars(select(Course.id).where(Course.context_id == "intl-skills")).one()


def roster_of_sixty(world, course_id: int) -> None:
    """The LMS's roster lists Laura, Eeva and 60 more learners who never opened the tool (as a roster reading would
    record them)."""
    from app.clock import current_clock
    from app.extensions import db
    from app.lti.nrps import Member
    from app.lti.roster import record_roster
    from app.tenancy.models import Course

    learner = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    with world.app.app_context():
        record_roster(db.session.get(Course, course_id), [
            Member("learner", (learner,), "Active", "Laura Learner", None),
            Member("learner-et", (learner,), "Active", "Eeva Tamm", None),
            *[Member(f"student-{n:02}", (learner,), "Active", f"Student {n:02}", None) for n in range(60)],
        ], now=current_clock().now())
        db.session.commit()


@pytest.mark.parametrize("locale, viewport", [("en", DESKTOP), ("fi", PHONE)], ids=["en-desktop", "fi-phone"])
def test_the_instructor_sorts_filters_and_opens_a_learner_s_path(lti_world, browser, locale, viewport):
    page, audit = browser(viewport), AccessibilityAudit()
    course_id = learners_with_progress(lti_world, page)
    token = launch(page, lti_world, "instructor", locale)
    roster_of_sixty(lti_world, course_id)
    visit(page, lti_world.tool.url, f"/courses/{course_id}/dashboard", token)
    rows = page.locator("tr[data-person]")
    expect(rows).to_have_count(50)  # a page of the 62 learners
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the dashboard scrolls sideways"
    page.screenshot(path=str(ARTEFACTS / f"dashboard-areas-whole-page-{locale}.png"), full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 9000, height  # a phone's page of 50 members was 12,600 px tall (now about 7,700)
    audit.check(page, f"dashboard-areas-{locale}")

    area = FIRST_AREA[locale]
    header = page.get_by_role("columnheader").filter(has=page.get_by_role("link", name=area, exact=True))
    if viewport is DESKTOP:
        header.get_by_role("link").click()
    else:  # on a phone the header row is there for screen readers only: the form's sort list offers the areas
        page.get_by_role("search").get_by_label("Järjestä").select_option("area:eu-vet-policy")
        page.get_by_role("search").get_by_role("button").click()
    page.wait_for_url("**sort=area*")
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_contain_text("Laura Learner")  # Rookie by a completed module; everyone else not started
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    keep_screenshot(page, f"dashboard-sorted-by-area-{locale}")

    page.get_by_role("search").get_by_role("searchbox").fill("Eeva")
    page.get_by_role("search").get_by_role("button").click()
    page.wait_for_url("**q=Eeva*")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Eeva Tamm")

    page.get_by_test_id("view-tabs").get_by_role("link").nth(1).click()  # the modules
    page.wait_for_url("**view=modules*")
    expect(page.locator("table[data-view=modules]")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the modules matrix scrolls the page sideways"
    audit.check(page, f"dashboard-modules-{locale}")
    page.screenshot(path=str(ARTEFACTS / f"dashboard-modules-whole-page-{locale}.png"), full_page=True)
    if viewport is DESKTOP:  # a wide matrix scrolls in its own labelled region, which the keyboard reaches
        region = page.get_by_role("region", name="Members of the course and where they are in each module")
        expect(region).to_have_attribute("tabindex", "0")
        assert region.evaluate("element => element.scrollWidth > element.clientWidth")

    visit(page, lti_world.tool.url, f"/courses/{course_id}/dashboard", token)
    rows.filter(has_text="Laura Learner").get_by_test_id("open-path").click()
    page.wait_for_url(f"**/courses/{course_id}/learners/*")
    expect(page.get_by_test_id("learner-name")).to_have_text("Laura Learner")
    expect(page.locator("[data-module=erasmus-plus-for-vet]")).to_contain_text("90")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    audit.check(page, f"dashboard-learner-path-{locale}")
    page.screenshot(path=str(ARTEFACTS / f"dashboard-learner-path-whole-page-{locale}.png"), full_page=True)

    audit.assert_passed()


@pytest.mark.parametrize("locale, viewport", [("en", DESKTOP), ("fi", PHONE)], ids=["en-desktop", "fi-phone"])
def test_the_mentor_s_launch_shows_the_mentee_s_path_read_only(lti_world, browser, locale, viewport):
    page, audit = browser(viewport), AccessibilityAudit()
    learners_with_progress(lti_world, page)

    launch(page, lti_world, "mentor", locale)

    page.wait_for_url("**/mentees?*")
    mentees = page.get_by_test_id("mentees").get_by_role("link")
    expect(mentees).to_have_count(1)  # Laura: the development LMS names her; Eeva, also in the course, is not
    expect(mentees).to_have_text("Laura Learner")
    audit.check(page, f"dashboard-mentees-{locale}")
    mentees.click()
    page.wait_for_url("**/learners/*")
    expect(page.get_by_test_id("learner-name")).to_have_text("Laura Learner")
    assert page.locator("main form").count() == 0  # read-only
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    audit.check(page, f"dashboard-mentee-path-{locale}")

    audit.assert_passed()
