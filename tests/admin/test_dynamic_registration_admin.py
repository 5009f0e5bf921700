"""The installation admin's part in Dynamic Registration: one-time registration URLs (the only way an LMS registers
itself), the approval setting, approving what waits (a registration, a second registration of a known LMS, an
Update's new values, a pending organisation), and an overview that stays one page of bounded size."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.lti.models import RegistrationInvitation
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.settings import registration_approval_required
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite
MOODLE = "https://moodle.omnia.example"


def invitation_url_on(response) -> str:
    return re.search(r'id="invitation-url" type="url" readonly value="([^"]+)"', response.get_data(as_text=True)).group(
        1
    )


def test_overview_shows_the_invitation_flow_and_the_approval_setting(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)

    assert "only with a one-time registration URL that you make" in page
    assert 'action="/admin/registration-invitations"' in page  # a URL for an LMS of a new organisation
    assert "flask --app wsgi lti invitation create" in page
    assert "only shows, inside the LMS, how to get one" in page  # the plain URL registers nothing
    assert 'value="http://127.0.0.1:5000/lti/register"' not in page  # no longer offered as something to paste
    assert "Require my approval of every LMS that registers itself" in page


def test_admin_turns_on_and_off_approval_of_new_registrations(admin_client):
    response = post_form(
        admin_client, "/admin/settings/registration-approval", {"require_approval": "y"}, page="/admin/"
    )

    assert response.status_code == 302
    assert registration_approval_required() is True
    post_form(admin_client, "/admin/settings/registration-approval", {}, page="/admin/")
    assert registration_approval_required() is False


def test_admin_makes_a_one_time_registration_url_for_an_organisation(admin_client, make_organisation):
    organisation = make_organisation("Omnia")
    page = f"/admin/organisations/{organisation.id}"

    response = post_form(admin_client, f"{page}/registration-url", {}, page=page)

    assert response.status_code == 200
    url = invitation_url_on(response)
    assert url.startswith("http://127.0.0.1:5000/lti/register?invitation=")
    token = url.split("invitation=", 1)[1]
    [invitation] = db.session.scalars(select(RegistrationInvitation)).all()
    assert invitation.organisation_id == organisation.id
    assert token not in invitation.token_hash  # only the hash is kept


def test_admin_makes_a_registration_url_for_an_lms_of_a_new_organisation(admin_client):
    response = post_form(
        admin_client, "/admin/registration-invitations", {"organisation_name": "Stadin AO"}, page="/admin/"
    )

    assert response.status_code == 200
    assert invitation_url_on(response).startswith("http://127.0.0.1:5000/lti/register?invitation=")
    assert "a new one, Stadin AO, made when the LMS registers" in response.get_data(as_text=True)
    [invitation] = db.session.scalars(select(RegistrationInvitation)).all()
    assert invitation.organisation_id is None and invitation.organisation_name == "Stadin AO"
    assert db.session.scalars(select(Organisation)).all() == []  # made only when an LMS registers with it


def test_a_new_organisation_name_too_long_is_refused_saying_so(admin_client):
    response = post_form(
        admin_client, "/admin/registration-invitations", {"organisation_name": "x" * 201}, page="/admin/"
    )

    assert response.status_code == 302
    assert "needs 1 to 200 characters" in admin_client.get(response.location).get_data(as_text=True)
    assert db.session.scalars(select(RegistrationInvitation)).all() == []


def test_pending_registration_is_listed_and_approved_with_its_pending_organisation(
    admin_client, make_registration, make_organisation
):
    organisation = make_organisation("New LMS at moodle.example", status="pending")
    registration = make_registration(
        "Moodle · moodle.example", status=Registration.PENDING, default_organisation=organisation
    )

    assert "Review registration Moodle · moodle.example" in admin_client.get("/admin/").get_data(as_text=True)
    page = f"/admin/registrations/{registration.id}"
    response = post_form(admin_client, f"{page}/approve", {}, page=page)

    assert response.status_code == 302
    db.session.refresh(registration)
    assert registration.status == Registration.ACTIVE
    assert registration.default_organisation.status == "active"


def test_approving_a_registration_that_is_not_pending_says_so(admin_client, make_registration):
    registration = make_registration()
    page = f"/admin/registrations/{registration.id}"

    response = post_form(admin_client, f"{page}/approve", {}, page=page)

    assert response.status_code == 400
    assert "is not waiting for approval" in response.get_data(as_text=True)


# A second registration of a known issuer: the admin chooses its organisation ---------------------------------

@pytest.fixture
def second_registration(make_registration, make_organisation, make_deployment):
    """Omnia's Moodle is registered; it registered again under a new client ID, held with no organisation."""
    omnia = make_organisation("Omnia")
    first = make_registration("Moodle · Omnia", issuer=MOODLE, client_id="first", default_organisation=omnia)
    make_deployment("1", registration=first, organisation=omnia)
    make_organisation("Some other college")
    second = make_registration("Moodle · again", issuer=MOODLE, client_id="second", status=Registration.PENDING)
    make_deployment("2", registration=second, organisation=None, status=Deployment.PENDING)
    return second


def test_second_registration_page_offers_the_lms_organisation_or_a_new_one(admin_client, second_registration):
    page = admin_client.get(f"/admin/registrations/{second_registration.id}").get_data(as_text=True)

    assert "The tool already knows this LMS" in page
    assert "Attach it to this LMS's organisation" in page
    choices = re.findall(r"<option[^>]*>([^<]+)</option>", page.split("Attach it to", 1)[1].split("</form>", 1)[0])
    assert choices == [f"Omnia (#{second_registration_org_id('Omnia')})"]  # not every organisation: this LMS's
    assert "Make a new organisation for it" in page
    assert "choose its organisation" in admin_client.get("/admin/").get_data(as_text=True)


def second_registration_org_id(name: str) -> int:
    return db.session.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def test_admin_attaches_a_second_registration_to_the_lms_organisation(admin_client, second_registration):
    page = f"/admin/registrations/{second_registration.id}"
    omnia = second_registration_org_id("Omnia")

    response = post_form(admin_client, f"{page}/approve", {"organisation_id": omnia}, page=page)

    assert response.status_code == 302
    db.session.expire_all()
    assert second_registration.status == Registration.ACTIVE
    assert second_registration.default_organisation_id == omnia
    [deployment] = second_registration.deployments
    assert (deployment.organisation_id, deployment.status) == (omnia, Deployment.ACTIVE)


def test_admin_makes_a_new_organisation_for_a_second_registration(admin_client, second_registration):
    page = f"/admin/registrations/{second_registration.id}"

    post_form(admin_client, f"{page}/approve", {"new_organisation_name": "Omnia adult education"}, page=page)

    db.session.expire_all()
    assert second_registration.default_organisation.name == "Omnia adult education"
    assert second_registration.deployments[0].organisation.name == "Omnia adult education"


def test_a_second_registration_cannot_join_an_organisation_of_another_lms(admin_client, second_registration):
    page = f"/admin/registrations/{second_registration.id}"
    other = second_registration_org_id("Some other college")

    response = post_form(admin_client, f"{page}/approve", {"organisation_id": other}, page=page)

    assert response.status_code == 400
    assert "is not one of this LMS&#39;s organisations (Omnia)" in response.get_data(as_text=True)
    db.session.expire_all()
    assert second_registration.status == Registration.PENDING


def test_a_second_registration_needs_a_choice(admin_client, second_registration):
    page = f"/admin/registrations/{second_registration.id}"

    response = post_form(admin_client, f"{page}/approve", {}, page=page)

    assert response.status_code == 400
    assert "Choose either one of this LMS&#39;s organisations or a name for a new one" in response.get_data(
        as_text=True
    )


# An Update's new values: held until the admin applies them ----------------------------------------------------

@pytest.fixture
def updated_registration(make_registration, clock):
    return make_registration(
        "Moodle · Omnia", issuer=MOODLE, proposed_values={"key_set_url": "https://elsewhere.example/jwks"},
        proposed_at=clock.now(),
    )


def test_held_update_is_shown_beside_the_values_in_force(admin_client, updated_registration):
    page = admin_client.get(f"/admin/registrations/{updated_registration.id}").get_data(as_text=True)

    assert "The LMS's Update offers new values" in page
    assert f"{MOODLE}/jwks" in page
    assert 'data-testid="offered-key_set_url">https://elsewhere.example/jwks<' in page
    assert "an Update offers new values" in admin_client.get("/admin/").get_data(as_text=True)


def test_admin_applies_an_update(admin_client, updated_registration):
    page = f"/admin/registrations/{updated_registration.id}"

    response = post_form(admin_client, f"{page}/proposed-values/apply", {}, page=page)

    assert response.status_code == 302
    db.session.expire_all()
    assert updated_registration.key_set_url == "https://elsewhere.example/jwks"
    assert updated_registration.proposed_values is None


def test_admin_refuses_an_update_keeping_the_values_in_force(admin_client, updated_registration):
    page = f"/admin/registrations/{updated_registration.id}"

    post_form(admin_client, f"{page}/proposed-values/discard", {}, page=page)

    db.session.expire_all()
    assert updated_registration.key_set_url == f"{MOODLE}/jwks"
    assert updated_registration.proposed_values is None
    assert "Update offers new values" not in admin_client.get(page).get_data(as_text=True)


# A pending organisation ---------------------------------------------------------------------------------------

def test_admin_approves_a_pending_organisation(admin_client, make_organisation):
    organisation = make_organisation("New LMS at moodle.example", status="pending")
    page = f"/admin/organisations/{organisation.id}"
    assert "Its people's badges are held" in admin_client.get(page).get_data(as_text=True)

    response = post_form(admin_client, f"{page}/approve", {}, page=page)

    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "active"


# The overview in pages ----------------------------------------------------------------------------------------

def test_overview_lists_fifty_of_each_with_links_to_the_other_pages(admin_client, make_registration):
    db.session.add_all(Organisation(name=f"College {number:03}", status="pending") for number in range(120))
    db.session.commit()

    first = admin_client.get("/admin/").get_data(as_text=True)
    last = admin_client.get("/admin/?organisations_page=3").get_data(as_text=True)

    assert "College 049" in first and "College 050" not in first
    assert "Page 1 of 3 (120 in all)" in first
    assert 'href="/admin/?organisations_page=2#organisations-title"' in first
    assert "College 100" in last and "College 119" in last and "College 099" not in last
    assert 'rel="prev" href="/admin/?organisations_page=2#organisations-title"' in last
    assert "Page 3 of 3" in admin_client.get("/admin/?organisations_page=99").get_data(as_text=True)
    assert "College 000" in admin_client.get("/admin/?organisations_page=x").get_data(as_text=True)


def test_overview_pages_of_one_list_keep_the_others_page(admin_client, make_registration):
    for number in range(55):
        make_registration(f"Moodle {number:03}", client_id=f"c{number}")
    db.session.add_all(Organisation(name=f"College {number:03}") for number in range(55))
    db.session.commit()

    page = admin_client.get("/admin/?registrations_page=2").get_data(as_text=True)

    assert "Moodle 054" in page and "Moodle 000" not in page
    assert "College 000" in page  # the organisations stay on their first page
    assert (
        "organisations_page=2&amp;registrations_page=2" in page
        or "registrations_page=2&amp;organisations_page=2" in page
    )
