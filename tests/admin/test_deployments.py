"""Deployments waiting for the admin: approve into an organisation, reject, and choose who may frame them."""
import pytest
from sqlalchemy import select

from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.tenancy import deployments
from app.tenancy.models import Deployment, Organisation
from tests.support.forms import post_form


def approve(client, deployment, **data):
    page = f"/admin/deployments/{deployment.id}"
    return post_form(client, f"{page}/approve", data, page=page)


def test_overview_puts_deployments_waiting_for_approval_first(admin_client, pending_deployment):
    page = admin_client.get("/admin/").get_data(as_text=True)

    assert "1 deployment waits for approval" in page
    assert page.index("waits for approval") < page.index('id="registrations-title"')
    assert f"/admin/deployments/{pending_deployment.id}" in page


def test_approving_a_pending_deployment_into_a_new_organisation(admin_client, pending_deployment):
    response = approve(admin_client, pending_deployment, new_organisation_name="  Taitotalo  ")

    assert response.status_code == 302
    assert pending_deployment.status == Deployment.ACTIVE
    assert pending_deployment.organisation.name == "Taitotalo"
    assert pending_deployment.organisation.status == "active"
    assert "Deployment approved." in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_approving_a_pending_deployment_into_an_existing_organisation(
    admin_client, pending_deployment, make_organisation
):
    omnia = make_organisation("Omnia", status="pending")

    response = approve(admin_client, pending_deployment, organisation_id=str(omnia.id))

    assert response.status_code == 302
    assert pending_deployment.status == Deployment.ACTIVE
    assert pending_deployment.organisation_id == omnia.id
    assert omnia.status == "active"


def test_approving_without_the_csrf_token_is_refused(admin_client, pending_deployment):
    response = admin_client.post(
        f"/admin/deployments/{pending_deployment.id}/approve", data={"new_organisation_name": "Taitotalo"}
    )

    assert response.status_code == 400
    assert pending_deployment.status == Deployment.PENDING


def test_approving_an_active_deployment_again_is_explained(admin_client, make_deployment):
    deployment = make_deployment("7", status=Deployment.ACTIVE)

    response = approve(admin_client, deployment, new_organisation_name="Elsewhere")

    assert response.status_code == 400
    assert "Deployment 7 is already active." in response.get_data(as_text=True)
    assert db.session.scalars(select(Organisation).where(Organisation.name == "Elsewhere")).first() is None


def test_rejecting_a_pending_deployment_disables_it(admin_client, pending_deployment):
    page = f"/admin/deployments/{pending_deployment.id}"

    response = post_form(admin_client, f"{page}/disable", {}, page=page)

    assert response.status_code == 302
    assert pending_deployment.status == Deployment.DISABLED


def test_saving_frame_origins_keeps_each_origin_once_in_lower_case(admin_client, pending_deployment):
    page = f"/admin/deployments/{pending_deployment.id}"
    origins = "https://Moodle.Omnia.example\n\nhttp://localhost:8080\nhttps://moodle.omnia.example\n"

    response = post_form(admin_client, f"{page}/frame-origins", {"origins": origins}, page=page)

    assert response.status_code == 302
    assert pending_deployment.frame_ancestors == ["https://moodle.omnia.example", "http://localhost:8080"]


def test_an_invalid_frame_origin_is_explained_and_nothing_is_saved(admin_client, pending_deployment):
    page = f"/admin/deployments/{pending_deployment.id}"
    origins = "https://lms.example.org\nhttps://lms.example.org/course/view.php"

    response = post_form(admin_client, f"{page}/frame-origins", {"origins": origins}, page=page)

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 2:" in text and "has a path: keep only the origin, https://lms.example.org." in text
    assert "https://lms.example.org/course/view.php</textarea>" in text  # what the admin typed is still there
    assert pending_deployment.frame_ancestors == ["https://moodle.omnia.example"]


@pytest.mark.sqlite
@pytest.mark.parametrize(
    "typed, origin",
    [
        ("https://lms.example.org", "https://lms.example.org"),
        ("  HTTPS://LMS.Example.org:8443 ", "https://lms.example.org:8443"),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_frame_origin_is_scheme_host_and_optional_port(typed, origin):
    assert deployments.parse_frame_origin(typed) == origin


@pytest.mark.sqlite
@pytest.mark.parametrize(
    "typed, explanation",
    [
        ("lms.example.org", "has no scheme"),
        ("ftp://lms.example.org", "uses ftp: only http and https"),
        ("javascript://lms.example.org", "uses javascript: only http and https"),
        ("https://lms.example.org/", "has a path"),
        ("https://lms.example.org?x=1", "has a path"),
        ("https://lms.example.org#top", "has a path"),
        ("https://lms.example.org:99999", "is not scheme://host"),
        ("https://user@lms.example.org", "is not scheme://host"),
        ("https://lms.example.org 'unsafe-inline'", "is not scheme://host"),
        ("https://lms.example.org;script-src", "is not scheme://host"),
        ("https://*.example.org", "is not scheme://host"),
    ],
)
def test_anything_but_an_http_origin_is_refused_with_the_reason(typed, explanation):
    with pytest.raises(InvalidInput) as refused:
        deployments.parse_frame_origin(typed)

    assert explanation in refused.value.message


@pytest.mark.sqlite
def test_approve_needs_exactly_one_of_organisation_and_new_name(in_request, pending_deployment, make_organisation):
    omnia = make_organisation()

    for choice in (
        {},
        {"new_organisation_name": "   "},
        {"organisation_id": omnia.id, "new_organisation_name": "Taitotalo"},
    ):
        with pytest.raises(InvalidInput, match="either an existing organisation or a name for a new one"):
            deployments.approve_deployment(pending_deployment.id, **choice)


@pytest.mark.sqlite
def test_approve_into_an_unknown_organisation_is_not_found(in_request, pending_deployment):
    with pytest.raises(NotFound, match="There is no organisation with id 424242."):
        deployments.approve_deployment(pending_deployment.id, organisation_id=424242)


@pytest.mark.sqlite
def test_approve_refuses_an_overlong_organisation_name(in_request, pending_deployment):
    with pytest.raises(InvalidInput, match="An organisation name needs 1 to 200 characters."):
        deployments.approve_deployment(pending_deployment.id, new_organisation_name="x" * 201)


@pytest.mark.sqlite
def test_a_disabled_deployment_can_be_approved_again(in_request, make_deployment, make_organisation):
    deployment = make_deployment("9", status=Deployment.DISABLED)

    deployments.approve_deployment(deployment.id, organisation_id=make_organisation().id)

    assert deployment.status == Deployment.ACTIVE


@pytest.mark.sqlite
def test_moving_a_deployment_on_its_page_takes_its_courses_and_people_along(admin_client, make_organisation):
    """The admin's "Organisation" form moves what the site recorded, not only its future launches."""
    from tests.support.factories import make_world

    world = make_world("College A")
    db.session.commit()
    college_b = make_organisation("College B")
    page = f"/admin/deployments/{world.deployment.id}"

    response = post_form(admin_client, f"{page}/organisation", {"organisation_id": str(college_b.id)}, page=page)

    assert response.status_code == 302
    assert (world.deployment.organisation_id, world.course.organisation_id) == (college_b.id, college_b.id)
    assert {world.learner.organisation_id, world.instructor.organisation_id} == {college_b.id}
    shown = admin_client.get(page).text
    assert "Moving the deployment moves what it recorded" in shown
    assert "Moved with the deployment: 1 course(s), 2 person(s); 0 merged" in shown


@pytest.mark.sqlite
def test_a_disabled_deployment_approved_into_another_organisation_takes_its_courses(in_request, make_organisation):
    from tests.support.factories import make_world

    world = make_world("College A")
    world.deployment.status = Deployment.DISABLED
    college_b = make_organisation("College B")

    deployments.approve_deployment(world.deployment.id, organisation_id=college_b.id)

    assert (world.course.organisation_id, world.learner.organisation_id) == (college_b.id, college_b.id)
