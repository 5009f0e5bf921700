"""The installation admin's part in Dynamic Registration: the public URL, the approval setting, approving a
pending registration, and one-time registration URLs that attach an LMS to an existing organisation."""
import re

import pytest
from sqlalchemy import select

from app.admin.settings import registration_approval_required
from app.extensions import db
from app.lti.models import RegistrationInvitation
from app.tenancy.models import Registration
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


def test_overview_shows_the_registration_url_and_the_approval_setting(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)

    assert 'value="http://127.0.0.1:5000/lti/register"' in page
    assert "Require my approval of every LMS that registers itself" in page


def test_admin_turns_on_and_off_approval_of_new_registrations(admin_client):
    response = post_form(admin_client, "/admin/settings/registration-approval", {"require_approval": "y"}, page="/admin/")

    assert response.status_code == 302
    assert registration_approval_required() is True
    post_form(admin_client, "/admin/settings/registration-approval", {}, page="/admin/")
    assert registration_approval_required() is False


def test_pending_registration_is_listed_and_approved_with_its_pending_organisation(admin_client, make_registration, make_organisation):
    organisation = make_organisation("New LMS at moodle.example", status="pending")
    registration = make_registration("Moodle · moodle.example", status=Registration.PENDING, default_organisation=organisation)

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

    post_form(admin_client, f"{page}/approve", {}, page=page)

    assert "is not waiting for approval" in admin_client.get(page).get_data(as_text=True)


def test_admin_makes_a_one_time_registration_url_for_an_organisation(admin_client, make_organisation):
    organisation = make_organisation("Omnia")
    page = f"/admin/organisations/{organisation.id}"

    response = post_form(admin_client, f"{page}/registration-url", {}, page=page)

    assert response.status_code == 200
    url = re.search(r'id="invitation-url" type="url" readonly value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert url.startswith("http://127.0.0.1:5000/lti/register?invitation=")
    token = url.split("invitation=", 1)[1]
    [invitation] = db.session.scalars(select(RegistrationInvitation)).all()
    assert invitation.organisation_id == organisation.id
    assert token not in invitation.token_hash  # only the hash is kept
