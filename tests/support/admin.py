"""Admin worlds: an admin account, a logged-in browser, and LMS registrations, deployments and organisations made
and committed as the admin pages make them."""
import pytest

from app.admin import accounts
from app.extensions import db
from app.tenancy.models import Deployment, Organisation, Registration
from tests.support import factories
from tests.support.forms import post_form

ADMIN_USERNAME = "ops"
ADMIN_PASSWORD = "correct horse battery staple"


def log_in(client, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD):
    return post_form(
        client, "/admin/login", {"username": username, "password": password}, page="/admin/login"
    )


@pytest.fixture
def in_request(app):
    """Service calls as the admin pages make them: inside a request, whose locale translates the messages."""
    with app.test_request_context():
        yield


@pytest.fixture
def admin_user(app):
    admin_user = accounts.create_admin_user(ADMIN_USERNAME, ADMIN_PASSWORD)
    db.session.commit()
    return admin_user


@pytest.fixture
def admin_client(client, admin_user):
    """A browser with a logged-in admin."""
    response = log_in(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def make_registration(app):
    def make(name: str = "Moodle of Omnia", **values) -> Registration:
        values.setdefault("issuer", "https://moodle.omnia.example")
        values.setdefault("client_id", f"client-{name}")
        registration = factories.make_registration(name=name, **values)
        db.session.commit()
        return registration

    return make


@pytest.fixture
def make_deployment(app, make_registration):
    def make(deployment_id: str = "1", *, registration: Registration | None = None, **values) -> Deployment:
        deployment = Deployment(
            registration=registration or make_registration(), deployment_id=deployment_id, **values
        )
        db.session.add(deployment)
        db.session.commit()
        return deployment

    return make


@pytest.fixture
def make_organisation(app):
    def make(name: str = "Omnia", **values) -> Organisation:
        organisation = Organisation(name=name, **values)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def pending_deployment(make_deployment):
    """A deployment held by a hold-pending registration, waiting for the admin."""
    return make_deployment(
        "site-42", status=Deployment.PENDING, platform_name="Taitotalo Moodle", frame_ancestors=["https://moodle.omnia.example"]
    )
