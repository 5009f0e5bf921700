"""The admin's pages show words, not the codes the database stores (`hold_pending`, `FullyGraded`, `not_sent`), in
every language; registrations are named with their issuer, so two LMSs of one product are told apart; the one-time
registration URL has a copy button."""
import re

import pytest

from app.extensions import db
from app.grades.labels import PROGRESS_LABELS, SYNC_STATUS_LABELS
from app.grades.models import GradeSync
from app.grades.policy import COMPLETED, FULLY_GRADED
from app.tenancy.labels import NEW_DEPLOYMENT_POLICY_LABELS, STATUS_LABELS, registration_label
from app.tenancy.models import Deployment, Person, Registration
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


def text_of(html: str) -> str:
    """What a reader sees: the page without its tags and attribute values."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def two_moodles(app, make_registration, make_organisation):
    """Two colleges' Moodles, both called "Moodle"; one holds new sites, with a pending one."""
    college = make_organisation("College")
    first = make_registration("Moodle", issuer="https://moodle.college.fi", client_id="a",
                              new_deployment_policy=Registration.POLICY_HOLD_PENDING)
    second = make_registration("Moodle", issuer="https://moodle.other.fi", client_id="b")
    db.session.add_all([Deployment(registration=first, deployment_id="1", organisation=college,
                                   status=Deployment.PENDING),
                        Deployment(registration=second, deployment_id="2", organisation=college)])
    db.session.commit()
    return first, second, college


def test_a_registration_is_named_with_its_issuer_unless_its_name_has_it_already(app):
    moodle = Registration(name="Moodle", issuer="https://moodle.college.fi")
    named = Registration(name="https://moodle.college.fi", issuer="https://moodle.college.fi")

    assert registration_label(moodle) == "Moodle (https://moodle.college.fi)"
    assert registration_label(named) == "https://moodle.college.fi"


def test_the_overview_shows_policies_and_statuses_as_words_and_tells_the_two_moodles_apart(two_moodles, admin_client):
    page = text_of(admin_client.get("/admin/").get_data(as_text=True))

    assert "hold_pending" not in page and "new_organisation" not in page
    assert str(NEW_DEPLOYMENT_POLICY_LABELS["hold_pending"]) in page
    assert str(NEW_DEPLOYMENT_POLICY_LABELS["new_organisation"]) in page
    assert "Moodle (https://moodle.college.fi)" in page and "Moodle (https://moodle.other.fi)" in page


def test_the_registration_settings_offer_the_policies_in_words(two_moodles, admin_client):
    first, _, _ = two_moodles
    html = admin_client.get(f"/admin/registrations/{first.id}").get_data(as_text=True)

    options = re.findall(r'<option[^>]*value="(?:new_organisation|hold_pending)"[^>]*>([^<]*)</option>', html)
    assert options == ["Create a new organisation for it", "Hold it until an admin approves it"]


def test_the_overview_reads_in_finnish_without_a_code(two_moodles, admin_client):
    page = text_of(admin_client.get("/admin/", headers={"Accept-Language": "fi"}).get_data(as_text=True))

    assert "hold_pending" not in page and "new_organisation" not in page
    assert "jokainen uusi sivusto odottaa hyväksyntää" in page  # "each new site waits for approval"


def test_every_status_and_policy_code_has_a_word():
    assert set(STATUS_LABELS) == {"active", "pending", "disabled"}
    assert set(NEW_DEPLOYMENT_POLICY_LABELS) == {Registration.POLICY_NEW_ORGANISATION,
                                                 Registration.POLICY_HOLD_PENDING}
    assert set(SYNC_STATUS_LABELS) == {GradeSync.PENDING, GradeSync.SENT, GradeSync.FAILED, GradeSync.NOT_SENT}
    assert {COMPLETED, FULLY_GRADED} <= set(PROGRESS_LABELS)


def test_the_grade_outbox_shows_progress_and_state_in_words(two_moodles, admin_client, clock):
    _, second, college = two_moodles
    world_person = Person(organisation_id=college.id, issuer=second.issuer, subject="s-1", name="Lea")
    db.session.add(world_person)
    db.session.flush()
    db.session.add(GradeSync(
        organisation_id=college.id, person_id=world_person.id, deployment_id=second.deployments[0].id,
        line_item_key="https://moodle.other.fi/li/1", line_item_url="https://moodle.other.fi/li/1",
        resource_id="mobility-basics", label="Mobility basics", user_id="s-1", score_given=1, score_maximum=1,
        activity_progress=COMPLETED, grading_progress=FULLY_GRADED, scored_at=clock.now(), updated_at=clock.now(),
        status=GradeSync.NOT_SENT, reason="The LMS offers no gradebook."))
    db.session.commit()

    page = text_of(admin_client.get(f"/admin/organisations/{college.id}/grades").get_data(as_text=True))

    assert "completed / fully graded" in page
    assert "FullyGraded" not in page and "not_sent" not in page
    assert "not sent" in page


def test_the_one_time_registration_url_has_a_copy_button(app, admin_client, make_organisation):
    college = make_organisation("College")

    html = post_form(admin_client, f"/admin/organisations/{college.id}/registration-url", {},
                     page=f"/admin/organisations/{college.id}").get_data(as_text=True)

    field = re.search(r"<input id=\"invitation-url\"[^>]*>", html).group(0)
    assert "data-copy" in field and "readonly" in field and "/lti/register?invitation=" in field
    assert '<label for="invitation-url">' in html
    assert 'id="copy-labels"' in html and 'data-copied-label="Copied"' in html
    assert '<script src="/static/copy.js" defer></script>' in html


def test_the_registration_page_is_headed_with_name_and_issuer(two_moodles, admin_client):
    first, second, _ = two_moodles

    pages = [admin_client.get(f"/admin/registrations/{r.id}").get_data(as_text=True) for r in (first, second)]

    assert '<h1 class="long-words">Moodle (https://moodle.college.fi)</h1>' in pages[0]
    assert '<h1 class="long-words">Moodle (https://moodle.other.fi)</h1>' in pages[1]


def test_refusing_to_approve_an_active_registration_names_it_and_its_status_in_words(two_moodles, admin_client):
    _, second, _ = two_moodles
    page = f"/admin/registrations/{second.id}"

    response = post_form(admin_client, f"{page}/approve", {}, page=page)

    assert response.status_code == 400
    assert ("Registration Moodle (https://moodle.other.fi) is not waiting for approval (it is active)."
            in response.get_data(as_text=True))
