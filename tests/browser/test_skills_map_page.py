"""The organisation manager's skills map in Chromium, at 1280 and 390 pixels wide, in English and Finnish: no
sideways scrolling on a phone, every "not shown" explained on screen, the percent view reached by a plain link
(no script), and axe-core clean. Screenshots: test-results/browser/a11y-skills-map-*.png and skills-map-*.png.

The organisation is the one the development LMS's organisation admin launches into, with a generated college's
people, launches, self-assessments and completions over the year moved into it (tests/support/reports.py)."""
import re

import pytest
from sqlalchemy import select, update

from tests.browser.accessibility import AccessibilityAudit, launch_token, load_axe, visit
from tests.support.browser import ARTEFACTS, keep_screenshot

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
COMPARED = "/reports/skills-map?by=month&period=2026-10&compare=2026-06"
REASON = {"en": "Not shown:", "fi": "Ei näytetä:"}
PERCENTAGES = {"en": "Percentages", "fi": "Prosentteina"}


def _with_a_generated_college(app, organisation_id: int) -> None:
    """A generated college's people and everything they did, moved into the launched organisation."""
    from app.extensions import db
    from app.learning.models import ModuleProgress, SelfAssessment
    from app.reports.models import LaunchRecord
    from app.tenancy.models import Course, Membership, Person
    from tests.support.reports import generate_organisation

    with app.app_context():
        generated = generate_organisation(app.extensions["path_model"], name="Browser College", staff=260, seed=7)
        source = generated.world.organisation.id
        for model in (Person, Course, Membership, LaunchRecord, SelfAssessment, ModuleProgress):
            db.session.execute(update(model).where(model.organisation_id == source)
                               .values(organisation_id=organisation_id))
        db.session.commit()


def _keep_whole_page(page, name: str) -> None:
    """The whole page, top to bottom, beside the viewport screenshots: for a person to read the tables."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}-whole.png"), full_page=True)


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("locale, viewport", [("en", DESKTOP), ("fi", PHONE)], ids=["en-1280", "fi-390"])
def test_the_skills_map_explains_what_it_cannot_show_and_offers_percentages(lti_world, chromium, locale, viewport):
    from app.extensions import db
    from app.lti.models import Launch

    context = chromium()
    load_axe(context)
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto(f"{lti_world.devlms.url}/launch/intl-skills-path?user=orgadmin&locale={locale}")
    page.wait_for_url(f"{lti_world.tool.url}/**launch_token=*", timeout=15000)
    token = launch_token(page)
    with lti_world.app.app_context():
        organisation_id = db.session.scalars(select(Launch.organisation_id).order_by(Launch.id.desc())).first()
    _with_a_generated_college(lti_world.app, organisation_id)
    audit, name = AccessibilityAudit(), f"skills-map-{locale}-{viewport['width']}"

    response = visit(page, lti_world.tool.url, COMPARED, token)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    reasons = page.locator(".figure-reason")
    expect(reasons.first).to_be_visible()
    assert all(text.startswith(REASON[locale]) for text in reasons.all_inner_texts())
    any_area = page.locator(".comparison-table .any-area td").first
    expect(any_area).to_have_text(re.compile(r"^\d+$"))  # moved up in any area: shown
    assert _no_sideways_scroll(page), "the page scrolls sideways"
    audit.check(page, name)
    _keep_whole_page(page, name)

    page.locator(".view-toggle a").click()  # a plain link: the server renders the percent view
    page.wait_for_url("**view=percent**")
    expect(page.locator(".view-toggle strong")).to_have_text(PERCENTAGES[locale])
    expect(page.locator(".skills-map-table td").first).to_contain_text(re.compile(r"\d\s?%"))
    assert _no_sideways_scroll(page), "the percent view scrolls sideways"
    audit.check(page, name + "-percent")
    _keep_whole_page(page, name + "-percent")

    if viewport is DESKTOP:  # the same page on a phone: still no sideways scrolling, the reasons still shown
        page.set_viewport_size(PHONE)
        assert _no_sideways_scroll(page), "the page scrolls sideways at 390 pixels"
        expect(reasons.first).to_be_visible()
        keep_screenshot(page, name.replace("1280", "390"))
        _keep_whole_page(page, name.replace("1280", "390") + "-percent")
    audit.assert_passed()
