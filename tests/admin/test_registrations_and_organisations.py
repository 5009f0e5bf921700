"""A registration's status and new-deployment policy, and organisation names, as the admin edits them."""
import pytest

from app.errors import InvalidInput
from app.extensions import db
from app.lti.registrations import update_registration
from app.tenancy.models import Person, Registration
from tests.support.forms import post_form


def test_admin_disables_a_registration_and_holds_its_new_deployments(
    admin_client, make_registration, make_organisation
):
    registration = make_registration()
    omnia = make_organisation("Omnia")
    page = f"/admin/registrations/{registration.id}"

    response = post_form(
        admin_client,
        page,
        {"status": "disabled", "new_deployment_policy": "hold_pending", "default_organisation_id": str(omnia.id)},
        page=page,
    )

    assert response.status_code == 302
    assert registration.status == Registration.DISABLED
    assert registration.new_deployment_policy == Registration.POLICY_HOLD_PENDING
    assert registration.default_organisation_id == omnia.id
    assert registration.default_organisation_approves is False  # unticked: held sites wait for the installation admin


def test_admin_lets_the_default_organisation_approve_held_sites_of_its_own_lms(admin_client, make_registration,
                                                                               make_organisation):
    registration = make_registration()
    omnia = make_organisation("Omnia")
    page = f"/admin/registrations/{registration.id}"

    response = post_form(
        admin_client, page,
        {"status": "active", "new_deployment_policy": "hold_pending", "default_organisation_id": str(omnia.id),
         "default_organisation_approves": "y"},
        page=page,
    )

    assert response.status_code == 302
    assert registration.default_organisation_approves is True
    assert registration.held_sites_organisation_id == omnia.id


def test_registration_without_a_default_organisation(admin_client, make_registration, make_organisation):
    registration = make_registration(default_organisation=make_organisation())
    page = f"/admin/registrations/{registration.id}"

    post_form(
        admin_client,
        page,
        {"status": "active", "new_deployment_policy": "new_organisation", "default_organisation_id": ""},
        page=page,
    )

    assert registration.default_organisation_id is None


def test_an_unknown_policy_is_explained(admin_client, make_registration):
    registration = make_registration()
    page = f"/admin/registrations/{registration.id}"

    response = post_form(
        admin_client, page, {"status": "active", "new_deployment_policy": "anything_goes"}, page=page
    )

    assert response.status_code == 400
    assert "The new-deployment policy must be one of new_organisation, hold_pending." in response.get_data(as_text=True)
    assert registration.new_deployment_policy == Registration.POLICY_NEW_ORGANISATION


@pytest.mark.sqlite
def test_a_registration_cannot_be_set_back_to_pending(in_request, make_registration):
    registration = make_registration()

    with pytest.raises(InvalidInput, match="Status must be one of active, disabled."):
        update_registration(
            registration.id, status="pending", new_deployment_policy="new_organisation", default_organisation_id=None
        )


def test_admin_renames_an_organisation(admin_client, make_organisation):
    organisation = make_organisation("Omnia (auto)")
    page = f"/admin/organisations/{organisation.id}"

    response = post_form(admin_client, f"{page}/name", {"name": " Omnia, Espoo "}, page=page)

    assert response.status_code == 302
    assert organisation.name == "Omnia, Espoo"
    assert "Organisation renamed." in admin_client.get(page).get_data(as_text=True)


def test_a_blank_organisation_name_is_refused(admin_client, make_organisation):
    organisation = make_organisation("Omnia")
    page = f"/admin/organisations/{organisation.id}"

    response = post_form(admin_client, f"{page}/name", {"name": "  "}, page=page)

    assert response.status_code == 400
    assert "An organisation name needs 1 to 200 characters." in response.get_data(as_text=True)
    assert organisation.name == "Omnia"


def test_overview_counts_deployments_and_people(admin_client, make_deployment, make_organisation):
    omnia = make_organisation("Omnia")
    make_deployment("1", organisation=omnia)
    db.session.add_all(
        Person(organisation_id=omnia.id, issuer="https://moodle.omnia.example", subject=s) for s in "abc"
    )
    db.session.commit()

    page = admin_client.get("/admin/").get_data(as_text=True)

    organisations_table = page[page.index('id="organisations-title"'):]
    omnia_row = organisations_table[organisations_table.index(f"/admin/organisations/{omnia.id}"):].split("</tr>")[0]
    assert "<td>1</td>" in omnia_row and "<td>3</td>" in omnia_row
