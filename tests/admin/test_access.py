"""Every admin page and action is for a logged-in admin only, and no admin page can be framed."""
import pytest
from flask import url_for

from app.tenancy.models import Deployment
from tests.support.app import make_app
from tests.support.forms import csrf_token_from


def admin_endpoints(method: str) -> list[str]:
    """The admin blueprint's endpoints that answer `method`, except the login page itself."""
    rules = make_app("sqlite://").url_map.iter_rules()
    return sorted(
        rule.endpoint
        for rule in rules
        if rule.endpoint.startswith("admin.")
        and method in rule.methods
        and rule.endpoint not in ("admin.login", "admin.logout")
    )


def url_with_ids(app, endpoint: str) -> str:
    """The endpoint's URL with every id argument set to 1."""
    with app.test_request_context():
        arguments = next(app.url_map.iter_rules(endpoint)).arguments
        return url_for(endpoint, **{name: 1 for name in arguments})


@pytest.mark.parametrize("endpoint", admin_endpoints("GET"))
def test_every_admin_page_sends_an_anonymous_visitor_to_the_login(app, client, endpoint):
    url = url_with_ids(app, endpoint)

    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("endpoint", admin_endpoints("POST"))
def test_every_admin_action_refuses_an_anonymous_visitor(app, client, make_deployment, endpoint):
    deployment = make_deployment("1", status=Deployment.PENDING)
    token = csrf_token_from(client.get("/admin/login"))

    response = client.post(url_with_ids(app, endpoint), data={"csrf_token": token, "new_organisation_name": "Sneaky"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    assert deployment.status == Deployment.PENDING


def test_the_pages_checked_above_come_from_the_url_map():
    assert {"admin.overview", "admin.deployment"} <= set(admin_endpoints("GET"))
    assert "admin.approve_deployment" in admin_endpoints("POST")


@pytest.mark.parametrize("path", ["/admin/login", "/admin/"])
def test_admin_pages_refuse_to_be_framed(client, path):
    response = client.get(path)

    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_logged_in_admin_pages_refuse_to_be_framed(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_error_pages_of_the_admin_refuse_to_be_framed(admin_client):
    response = admin_client.get("/admin/deployments/999999")

    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
