"""On a registration several colleges share (itslearning), a new site waits for the installation admin.

The LMS asserts who is an institution administrator; on a shared registration the default organisation's admin
is only one college's admin, so they must not be able to pull another college's new site into their organisation.
"""
import pytest

from app.extensions import db
from app.tenancy.models import Deployment, Registration
from app.tenancy.services import find_or_create_deployment, record_person
from tests.support.factories import ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


@pytest.fixture
def shared_itslearning(app):
    """itslearning's one registration: college A is its default organisation; other colleges arrive as new sites."""
    world = make_world("College A", new_deployment_policy=Registration.POLICY_HOLD_PENDING)
    world.registration.default_organisation = world.organisation
    db.session.flush()
    return world


def test_a_new_site_of_a_shared_registration_waits_in_no_organisation(shared_itslearning):
    deployment = find_or_create_deployment(shared_itslearning.registration, "college-b-site", "College B")

    assert deployment.status == Deployment.PENDING
    assert deployment.organisation_id is None  # not under College A, whose admin would see and approve it


def test_the_default_organisations_admin_cannot_approve_a_site_held_under_it(shared_itslearning, client, clock):
    """A site held under the default organisation (before this rule) stays for the installation admin."""
    world = shared_itslearning
    other_college = Deployment(registration=world.registration, deployment_id="college-b-site",
                               organisation=world.organisation, status=Deployment.PENDING)
    db.session.add(other_college)
    admin = record_person(world.organisation.id, world.registration.issuer, "admin-a")
    db.session.flush()
    sign_in(client, make_launch(world, admin, [ORG_ADMIN_ROLE], now=clock.now()))

    page = client.get("/organisation/sites")
    response = post_form(client, f"/organisation/sites/{other_college.id}/approve", {}, page="/organisation/sites")

    assert page.status_code == 200
    assert f"/organisation/sites/{other_college.id}/approve" not in page.text
    assert "Waits for the administrators of REX VET Path" in page.text
    assert response.status_code == 403
    assert "Only the administrators of REX VET Path can approve" in response.text
    assert db.session.get(Deployment, other_college.id).status == Deployment.PENDING


def test_a_registration_the_organisation_owns_alone_lets_its_admin_approve(shared_itslearning, client, clock):
    """The installation admin marks the registration as the default organisation's own: its admins approve."""
    world = shared_itslearning
    world.registration.default_organisation_approves = True
    db.session.flush()
    second_site = find_or_create_deployment(world.registration, "second-moodle", None)
    admin = record_person(world.organisation.id, world.registration.issuer, "admin-a")
    db.session.flush()
    sign_in(client, make_launch(world, admin, [ORG_ADMIN_ROLE], now=clock.now()))

    response = post_form(client, f"/organisation/sites/{second_site.id}/approve", {}, page="/organisation/sites")

    assert second_site.organisation_id == world.organisation.id
    assert response.status_code == 303
    assert db.session.get(Deployment, second_site.id).status == Deployment.ACTIVE


def test_a_launch_from_a_new_site_of_a_shared_registration_says_who_approves_it(shared_itslearning, in_request):
    from app.lti.exceptions import DeploymentNotActive
    from app.lti.launch import ToolMessageLaunch
    from tests.support.factories import new_login

    launch = ToolMessageLaunch.__new__(ToolMessageLaunch)  # only the deployment step: the rest is checked elsewhere
    launch._body = {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "college-b-site"}
    launch._registration_row, launch._deployment_row = shared_itslearning.registration, None
    launch._login = new_login()

    with pytest.raises(DeploymentNotActive) as refused:
        launch.validate_deployment()

    assert "waiting for approval" in refused.value.message
    assert refused.value.hint.startswith("An administrator of REX VET Path must approve this LMS site")
