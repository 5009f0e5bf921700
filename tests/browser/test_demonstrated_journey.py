"""A demonstrated badge in a real browser, as the people do it: the learner writes and attaches their work and
submits it, a reviewer returns it with a comment, the learner revises, the reviewer accepts, the badge is on My
badges with the reviewed criteria as evidence. Each new page passes axe (desktop English; phone Finnish)."""

import pytest
from sqlalchemy import select

from app.badges.models import BadgeAward
from app.badges.submissions import name_reviewer
from app.clock import current_clock
from app.extensions import db
from app.lti.models import Launch
from app.tenancy.models import Person
from tests.browser.accessibility import AccessibilityAudit, launch_token, load_axe, visit
from tests.support.badges import complete_module, demonstrated_yaml, write_badges
from tests.support.browser import STARTER_BADGE

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WORK = "/badges/work/placement-plan"


@pytest.fixture
def demonstrated_world(journey_world, tmp_path):
    journey_world.app.config["BADGE_TEMPLATES_DIR"] = str(write_badges(tmp_path / "badges", {
        "mobility-starter.yaml": STARTER_BADGE,
        "placement-plan.yaml": demonstrated_yaml("placement-plan", "{type: module_completed, module: mobility-basics}"),
    }))
    journey_world.app.extensions.pop("badge_catalogue", None)
    return journey_world


def open_as(chromium, world, user: str, *, locale: str = "en", viewport: dict | None = None):
    context = chromium()
    load_axe(context)
    page = context.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(f"{world.devlms.url}/launch/intl-skills-path?user={user}&locale={locale}")
    page.wait_for_url(f"{world.tool.url}/**launch_token=*", timeout=15000)
    return page, launch_token(page)


def with_the_app(world, work):
    with world.app.app_context():
        result = work()
        db.session.commit()
        return result


def completed_basics_and_a_named_reviewer(world):
    """The learner completed the module the badge builds on; the instructor is named reviewer by the admin."""
    def work():
        people = {person.subject: person for person in db.session.scalars(select(Person))}
        learner = people["learner"]
        launch = db.session.scalars(select(Launch).where(Launch.person_id == learner.id)).first()
        complete_module(world.app, launch, "mobility-basics", now=current_clock().now())
        name_reviewer(learner.organisation_id, people["instructor"].id, None, named_by="Admin",
                      now=current_clock().now())
    with_the_app(world, work)


def test_submit_return_revise_accept_in_the_browser(demonstrated_world, chromium, tmp_path):
    world, audit = demonstrated_world, AccessibilityAudit()
    learner, learner_token = open_as(chromium, world, "learner")
    open_as(chromium, world, "instructor")  # the reviewer exists once they have launched
    completed_basics_and_a_named_reviewer(world)

    visit(learner, world.tool.url, WORK, learner_token)
    expect(learner.get_by_role("heading", level=1)).to_have_text("The placement-plan artefact (en)")
    audit.check(learner, "demonstrated-brief")
    learner.get_by_label("Your text").fill("My plan for the placement at **Hotel Aurora**.")
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    learner.get_by_label("Attach a file", exact=False).set_input_files(str(plan))
    learner.get_by_role("button", name="Save the draft").click()
    expect(learner.get_by_test_id("attached-files")).to_contain_text("plan.pdf")
    learner.get_by_test_id("submit-work").click()
    expect(learner.get_by_test_id("submission-state")).to_contain_text("waiting for a reviewer")

    reviewer, reviewer_token = open_as(chromium, world, "instructor")
    expect(reviewer.get_by_test_id("notices")).to_contain_text("1 submission to review")
    reviewer.get_by_test_id("notices").get_by_role("link").click()
    audit.check(reviewer, "review-queue")
    reviewer.get_by_role("link", name="The placement-plan artefact (en)").click()
    expect(reviewer.get_by_test_id("submitted-work")).to_contain_text("Hotel Aurora")
    audit.check(reviewer, "review-page")
    for criterion, result in (("a", "meets"), ("b", "not yet"), ("c", "meets")):
        reviewer.locator(f"fieldset[data-criterion={criterion}]").get_by_label(result, exact=True).check()
    reviewer.get_by_label("Comment (the learner sees it)").nth(1).fill("Name who assesses the learner at the host.")
    reviewer.get_by_label("Feedback to the learner", exact=False).fill("Almost there: add the assessor.")
    reviewer.get_by_test_id("return").click()
    expect(reviewer.get_by_test_id("queue-empty")).to_be_visible()

    learner.reload()
    expect(learner.get_by_test_id("submission-state")).to_contain_text("Returned with feedback")
    expect(learner.get_by_test_id("review-results")).to_contain_text("Name who assesses the learner at the host.")
    expect(learner.get_by_test_id("notices")).to_contain_text("1 submission returned with feedback")
    learner.get_by_label("Your text").fill("My plan, with Ms Virtanen as the assessor at Hotel Aurora.")
    learner.get_by_test_id("submit-work").click()

    visit(reviewer, world.tool.url, "/badges/work/reviews", reviewer_token)
    reviewer.get_by_role("link", name="The placement-plan artefact (en)").click()
    for criterion in "abc":
        reviewer.locator(f"fieldset[data-criterion={criterion}]").get_by_label("meets", exact=True).check()
    reviewer.get_by_test_id("accept").click()

    learner.reload()
    expect(learner.get_by_test_id("submission-state")).to_contain_text("Accepted")
    visit(learner, world.tool.url, "/badges/mine", learner_token)
    expect(learner.locator("[data-badge=placement-plan]").first).to_contain_text("Shown placement-plan")
    evidence = with_the_app(world, lambda: db.session.scalars(
        select(BadgeAward).where(BadgeAward.badge_id == "placement-plan")).one().evidence)
    assert [item["result"] for item in evidence[0]["criteria"]] == ["meets"] * 3

    admin, _token = open_as(chromium, world, "orgadmin")
    visit(admin, world.tool.url, "/badges/work/reviewers", _token)
    expect(admin.get_by_test_id("reviewers")).to_be_visible()
    audit.check(admin, "badge-reviewers")
    audit.assert_passed()


def test_the_new_pages_in_finnish_on_a_phone(demonstrated_world, chromium):
    world, audit = demonstrated_world, AccessibilityAudit()
    learner, token = open_as(chromium, world, "learner", locale="fi", viewport=PHONE)
    open_as(chromium, world, "instructor")
    completed_basics_and_a_named_reviewer(world)

    visit(learner, world.tool.url, WORK, token)
    expect(learner.get_by_role("heading", level=1)).to_have_text("The placement-plan artefact (fi)")
    audit.check(learner, "demonstrated-brief-fi-phone")
    learner.wait_for_load_state("networkidle")
    assert learner.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    learner.get_by_test_id("submit-work").click()  # an empty submission: the page says what to do, in Finnish
    expect(learner.locator("html")).to_have_attribute("lang", "fi")

    reviewer, reviewer_token = open_as(chromium, world, "instructor", locale="fi", viewport=PHONE)
    visit(reviewer, world.tool.url, "/badges/work/reviews", reviewer_token)
    audit.check(reviewer, "review-queue-fi-phone")
    admin, admin_token = open_as(chromium, world, "orgadmin", locale="fi", viewport=PHONE)
    visit(admin, world.tool.url, "/badges/work/reviewers", admin_token)
    audit.check(admin, "badge-reviewers-fi-phone")
    admin.wait_for_load_state("networkidle")  # the stylesheet and fonts in place before measuring
    wide = admin.evaluate("""[document.documentElement.scrollWidth, document.documentElement.clientWidth,
        ...[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
        document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className + '#' + e.id
        + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)]""")
    assert admin.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"), wide
    audit.assert_passed()
