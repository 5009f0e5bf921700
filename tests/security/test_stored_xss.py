"""Stored XSS: text from learners, content authors, badge files and the LMS is shown escaped on every page.

Each test stores a payload where an attacker (or a careless author) could put it, opens every page that shows
that field, and checks the payload is there as text, never as markup the browser would run.
"""
import shutil
from pathlib import Path

from app.badges.models import BadgeAward
from app.extensions import db
from app.learning.content.loader import load_content
from app.tenancy.services import record_person
from tests.support.badges import badge_yaml, complete_module
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, sign_in
from tests.support.forms import post_form

PROJECT = Path(__file__).resolve().parents[2]
PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>"\'><svg onload=alert(2)>'
RAW = ("<script>alert", "<img src=x", "<svg onload", '"\'><')
MODULE, SECTION = "erasmus-plus-for-vet", "why"


def assert_escaped(response, *, shown=True):
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    for raw in RAW:
        assert raw not in html, f"{raw!r} reached the page unescaped"
    if shown:
        assert "&lt;script&gt;alert(" in html, "the payload is not shown as text at all: is this the right page?"


def test_a_reflection_is_shown_as_text(app, client, clock, world):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    sign_in(client, launch)
    module = app.extensions["path_model"].module("centres-of-vocational-excellence")
    section = next(
        section for section in module.sections if any(a.id == "priority-at-home" for a in section.activities)
    )
    page = f"/modules/{module.id}/sections/{section.id}"

    saved = post_form(client, f"{page}/activities/priority-at-home", {"text": PAYLOAD}, page=page)

    assert saved.status_code == 302
    assert_escaped(client.get(page))


def test_person_names_from_the_lms_are_shown_as_text_on_every_page_with_names(app, client, clock, world):
    """The name claim of a launch and the NRPS roster both land in Person.name (record_person)."""
    record_person(world.organisation.id, world.registration.issuer, world.learner.subject, name=PAYLOAD)
    admin = record_person(world.organisation.id, world.registration.issuer, "admin", name=PAYLOAD + " admin")
    db.session.flush()
    sign_in(client, make_launch(world, admin, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now()))

    for url in (f"/courses/{world.course.id}/dashboard", "/reports/people", "/organisation/people",
                f"/reports/people/{world.learner.id}/erase"):
        assert_escaped(client.get(url))


def test_earner_name_on_the_public_award_page_is_text(app, client, clock, world):
    world.learner.name = PAYLOAD
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, MODULE, now=clock.now())
    award = db.session.query(BadgeAward).one()
    award.show_name = True
    from app.badges import earners
    earners.save_settings(world.organisation.id, world.learner.id, email="", show_name=True)
    db.session.flush()

    assert_escaped(client.get(f"/badges/awards/{award.public_id}"))


def test_badge_file_texts_are_shown_as_text(app, client, clock, world, tmp_path, use_badges):
    quoted = PAYLOAD.replace("\\", "\\\\").replace('"', '\\"')
    use_badges({"evil.yaml": badge_yaml("evil", f"{{type: module_completed, module: {MODULE}}}").replace(
        "name: Badge evil", f'name: "{quoted}"').replace("description: About evil.", f'description: "{quoted}"')
        .replace("criteria: Earned by evil.", f'criteria: "{quoted}"')})
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, MODULE, now=clock.now())
    award = db.session.query(BadgeAward).one()
    db.session.flush()
    sign_in(client, launch)

    assert_escaped(client.get("/badges/mine"))
    assert_escaped(client.get(f"/badges/awards/{award.public_id}"))


def test_module_titles_and_markdown_are_shown_safely(app, client, clock, world, tmp_path):
    content = tmp_path / "modules"
    shutil.copytree(PROJECT / "modules", content)
    module_file = content / MODULE / "module.md"
    text = module_file.read_text(encoding="utf-8")
    quoted = PAYLOAD.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace('title: "Erasmus+ in VET: what it offers you and your learners"', f'title: "{quoted}"')
    text = text.replace("## Why this matters to a VET teacher {#why}\n",
                        "## Why this matters to a VET teacher {#why}\n\n" + PAYLOAD
                        + "\n\n[click me](javascript:alert(3)) <a href=\"javascript:alert(4)\">raw link</a>\n")
    module_file.write_text(text, encoding="utf-8")
    loaded = load_content(content)
    assert not loaded.errors, [problem.format(str(content)) for problem in loaded.errors]
    app.extensions["path_model"] = loaded.model
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    for url in ("/", f"/modules/{MODULE}", f"/modules/{MODULE}/summary"):
        response = client.get(url, follow_redirects=True)
        assert_escaped(response)
        assert "javascript:" not in response.get_data(as_text=True), url
