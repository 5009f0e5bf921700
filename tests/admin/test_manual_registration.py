"""Registering an LMS by hand on the admin pages (itslearning has no Dynamic Registration; Blackboard registers
centrally): add, edit, disable, deployments, registration files uploaded and downloaded, and a launch through it."""
import io
import json

import pytest
import requests
from sqlalchemy import select

from app.admin import accounts
from app.errors import InvalidInput
from app.extensions import db
from app.lti import registrations
from app.lti.registrations import InvalidRegistration
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.organisations import find_organisation
from tests.support.admin import ADMIN_PASSWORD, ADMIN_USERNAME, log_in
from tests.support.forms import post_form

NEW = "/admin/registrations/new"
ITSLEARNING = {
    "name": "itslearning",
    "issuer": "https://itslearning.example",
    "client_id": "rexvet-tool",
    "auth_login_url": "https://lti.itslearning.example/connect/authorize",
    "auth_token_url": "https://lti.itslearning.example/connect/token",
    "auth_audience": "",
    "key_set_url": "https://lti.itslearning.example/.well-known/openid-configuration/jwks",
    "allowed_algorithms": ["RS256"],
    "new_deployment_policy": "hold_pending",
    "default_organisation_id": "",
}
DEVLMS_FILE = "lti_config/devlms.json"


def add(client, **changes):
    return post_form(client, NEW, {**ITSLEARNING, **changes}, page=NEW)


def only_registration() -> Registration:
    return db.session.scalars(select(Registration)).one()


def test_admin_registers_an_lms_by_hand(admin_client):
    response = add(admin_client)

    registration = only_registration()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/registrations/{registration.id}#add-deployment-title"
    assert registration.status == Registration.ACTIVE
    assert (registration.issuer, registration.client_id) == ("https://itslearning.example", "rexvet-tool")
    assert registration.auth_audience is None
    assert registration.allowed_algorithms == ["RS256"]
    assert registration.new_deployment_policy == Registration.POLICY_HOLD_PENDING


def test_every_wrong_field_is_named_next_to_it_and_nothing_is_saved(admin_client):
    response = add(
        admin_client, client_id="  ", issuer="itslearning.example", key_set_url="ftp://keys", allowed_algorithms=[]
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in text and "The registration was not saved" in text
    for field, problem in [
        ("client_id", "`client_id` is required"),
        ("issuer", "`issuer` must be an http(s) URL"),
        ("key_set_url", "`key_set_url` must be an http(s) URL"),
        ("allowed_algorithms", "`allowed_algorithms` must be a non-empty list"),
    ]:
        error = text[text.index(f'id="{field}-error"'):].split("</p>")[0]
        assert problem in error
    assert 'aria-invalid="true"' in text[text.index('id="client_id-error"'):]
    assert 'value="itslearning.example"' in text  # what the admin typed is still there
    assert db.session.scalars(select(Registration)).first() is None


def test_the_same_issuer_and_client_id_cannot_be_registered_twice(admin_client):
    add(admin_client)

    response = add(admin_client, name="itslearning again")

    assert response.status_code == 400
    assert "is already registered for issuer" in response.get_data(as_text=True)
    assert only_registration().name == "itslearning"


def test_admin_edits_every_platform_value(admin_client, make_registration):
    registration = make_registration()
    page = f"/admin/registrations/{registration.id}"
    values = {
        "name": "Omnia Moodle", "issuer": "https://moodle2.omnia.example", "client_id": "abc123",
        "auth_login_url": "https://moodle2.omnia.example/mod/lti/auth.php",
        "auth_token_url": "https://moodle2.omnia.example/mod/lti/token.php", "auth_audience": "moodle-token",
        "key_set_url": "https://moodle2.omnia.example/mod/lti/certs.php", "allowed_algorithms": ["RS256", "ES256"],
    }

    response = post_form(admin_client, f"{page}/values", values, page=page)

    assert response.status_code == 302
    assert {field: getattr(registration, field) for field in values} == values


def test_a_wrong_edit_is_named_and_keeps_the_stored_values(admin_client, make_registration):
    registration = make_registration()
    page = f"/admin/registrations/{registration.id}"
    values = registrations.registration_values(registration) | {"auth_token_url": "token.php", "auth_audience": ""}

    response = post_form(admin_client, f"{page}/values", values, page=page)

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "`auth_token_url` must be an http(s) URL" in text[text.index('id="auth_token_url-error"'):]
    assert registration.auth_token_url == "https://moodle.omnia.example/token"


def test_admin_disables_and_enables_a_registration_again(admin_client, make_registration):
    registration = make_registration()
    page = f"/admin/registrations/{registration.id}"
    settings = {"new_deployment_policy": "new_organisation", "default_organisation_id": ""}

    post_form(admin_client, page, {"status": "disabled", **settings}, page=page)
    assert registration.status == Registration.DISABLED
    post_form(admin_client, page, {"status": "active", **settings}, page=page)
    assert registration.status == Registration.ACTIVE


def test_the_deployment_form_offers_the_lms_origin_as_frame_origin(admin_client, make_registration):
    registration = make_registration(issuer="https://its.example")
    registration.auth_login_url = "https://login.its.example:8443/authorize"
    db.session.commit()

    text = admin_client.get(f"/admin/registrations/{registration.id}").get_data(as_text=True)

    assert "https://login.its.example:8443</textarea>" in text


def test_admin_adds_a_deployment_in_a_new_organisation(admin_client, make_registration):
    registration = make_registration()
    page = f"/admin/registrations/{registration.id}"

    response = post_form(
        admin_client, f"{page}/deployments",
        {"deployment_id": " omnia-1 ", "organisation_id": "", "new_organisation_name": "Omnia", "frame_origins": ""},
        page=page,
    )

    deployment = db.session.scalars(select(Deployment)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/deployments/{deployment.id}"
    assert (deployment.deployment_id, deployment.status) == ("omnia-1", Deployment.ACTIVE)
    assert deployment.organisation.name == "Omnia"
    assert deployment.frame_ancestors == ["https://moodle.omnia.example"]


def test_admin_adds_a_deployment_in_an_existing_organisation_with_its_frame_origins(
    admin_client, make_registration, make_organisation
):
    registration, omnia = make_registration(), make_organisation("Omnia")
    page = f"/admin/registrations/{registration.id}"

    post_form(
        admin_client, f"{page}/deployments",
        {"deployment_id": "7", "organisation_id": str(omnia.id), "frame_origins": "https://Omnia.itslearning.com\n"},
        page=page,
    )

    deployment = db.session.scalars(select(Deployment)).one()
    assert deployment.organisation_id == omnia.id
    assert deployment.frame_ancestors == ["https://omnia.itslearning.com"]


@pytest.mark.parametrize(
    "data, explanation",
    [
        ({"deployment_id": "1", "new_organisation_name": "Again"}, "Deployment &#39;1&#39; already exists"),
        ({"deployment_id": "2", "new_organisation_name": ""}, "Choose either an existing organisation or a name"),
        ({"deployment_id": "", "new_organisation_name": "X"}, "A deployment ID needs 1 to 500 characters."),
        ({"deployment_id": "3", "new_organisation_name": "X", "frame_origins": "https://lms.example/course"},
         "Line 1:"),
    ],
)
def test_a_deployment_that_cannot_be_added_is_explained(admin_client, make_deployment, data, explanation):
    registration = make_deployment("1").registration
    page = f"/admin/registrations/{registration.id}"

    response = post_form(admin_client, f"{page}/deployments", {"organisation_id": "", **data}, page=page)

    assert response.status_code == 400
    assert explanation in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Deployment)).all()) == 1


def test_admin_moves_an_active_deployment_to_another_organisation(admin_client, make_deployment, make_organisation):
    deployment = make_deployment("1", organisation=make_organisation("Omnia"))
    taitotalo = make_organisation("Taitotalo")
    page = f"/admin/deployments/{deployment.id}"

    response = post_form(admin_client, f"{page}/organisation", {"organisation_id": str(taitotalo.id)}, page=page)

    assert response.status_code == 302
    assert deployment.organisation_id == taitotalo.id
    assert deployment.status == Deployment.ACTIVE


def test_admin_disables_an_active_deployment(admin_client, make_deployment):
    deployment = make_deployment("1")
    page = f"/admin/deployments/{deployment.id}"

    post_form(admin_client, f"{page}/disable", {}, page=page)

    assert deployment.status == Deployment.DISABLED


def upload(client, content: bytes, filename: str = "devlms.json"):
    return post_form(
        client, "/admin/registrations/import", {"registration_file": (io.BytesIO(content), filename)}, page=NEW
    )


def test_an_uploaded_registration_file_is_imported(admin_client):
    with open(DEVLMS_FILE, "rb") as file:
        response = upload(admin_client, file.read())

    registration = only_registration()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/registrations/{registration.id}"
    assert registration.client_id == "rexvet-dev-tool"
    assert {d.deployment_id for d in registration.deployments} == {"devlms-site-1", "devlms-site-2"}
    assert "registration &#39;Development LMS&#39; created" in admin_client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_a_bad_uploaded_file_shows_the_problems_the_command_shows(admin_client):
    bad = json.loads(open(DEVLMS_FILE).read())
    del bad["client_id"]
    bad["private_key"] = "-----BEGIN"

    response = upload(admin_client, json.dumps(bad).encode(), filename="bad.json")

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "bad.json: " in text and "`client_id` is required" in text and "`private_key` must never be" in text
    assert db.session.scalars(select(Registration)).first() is None


@pytest.mark.parametrize(
    "content, explanation",
    [(b'{\n  "name": \n}', "broken.json:3:1: not valid JSON"), (b"\xff\xfe", "broken.json is not UTF-8 text."),
     (b"", "Choose a registration file")],
)
def test_an_upload_that_is_no_registration_file_is_explained(admin_client, content, explanation):
    response = upload(admin_client, content, filename="broken.json")

    assert response.status_code == 400
    assert explanation in response.get_data(as_text=True)


def test_export_downloads_the_file_that_imports_back(admin_client):
    original = json.loads(open(DEVLMS_FILE).read())
    upload(admin_client, json.dumps(original).encode())
    registration = only_registration()

    response = admin_client.get(f"/admin/registrations/{registration.id}/export")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="development-lms-{registration.id}.json"'
    assert response.get_json() == original
    registration.name = "Renamed"
    db.session.commit()
    upload(admin_client, response.get_data())
    assert only_registration().name == "Development LMS"


def test_the_overview_and_registration_pages_link_to_the_new_pages(admin_client, make_registration):
    registration = make_registration()

    overview = admin_client.get("/admin/").get_data(as_text=True)
    page = admin_client.get(f"/admin/registrations/{registration.id}").get_data(as_text=True)

    assert 'href="/admin/registrations/new"' in overview and 'href="/admin/tool-values"' in overview
    assert 'href="/admin/tool-values"' in page and f'href="/admin/registrations/{registration.id}/export"' in page


@pytest.mark.sqlite
def test_problems_are_grouped_by_the_field_they_name(in_request):
    with pytest.raises(InvalidRegistration) as refused:
        registrations.add_registration({"name": "x", "issuer": "nope", "allowed_algorithms": "HS256"})

    by_field = refused.value.problems_by_field
    assert {"issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url", "allowed_algorithms"} <= set(
        by_field
    )
    assert "name" not in by_field


@pytest.mark.sqlite
def test_values_are_cleaned_before_the_rules_apply(in_request):
    registration = registrations.add_registration(
        {**ITSLEARNING, "name": "  its  ", "auth_audience": "   ", "allowed_algorithms": "RS256, ES256"}
    )

    assert registration.name == "its"
    assert registration.auth_audience is None
    assert registration.allowed_algorithms == ["RS256", "ES256"]


@pytest.mark.sqlite
def test_an_edit_cannot_take_another_registrations_issuer_and_client_id(in_request, make_registration):
    first, second = make_registration("A", client_id="a"), make_registration("B", client_id="b")

    with pytest.raises(InvalidRegistration, match="already registered"):
        registrations.edit_registration(second.id, {"client_id": first.client_id})


@pytest.mark.sqlite
def test_organisations_are_found_by_id_or_by_a_unique_name(in_request, make_organisation):
    omnia = make_organisation("Omnia")
    make_organisation("Twin"), make_organisation("Twin")

    assert find_organisation(str(omnia.id)) is omnia
    assert find_organisation(" Omnia ") is omnia
    with pytest.raises(InvalidInput, match="Several organisations are called 'Twin'"):
        find_organisation("Twin")
    with pytest.raises(InvalidInput, match="There is no organisation called 'Nobody'"):
        find_organisation("Nobody")


def test_the_development_lms_registered_by_hand_launches(unregistered_lti_world):
    """An admin copies the development LMS's values into the admin pages, then a learner launches through it."""
    world = unregistered_lti_world
    platform = requests.get(f"{world.devlms.url}/lti/tool-registration.json", timeout=10).json()
    with world.app.app_context():
        accounts.create_admin_user(ADMIN_USERNAME, ADMIN_PASSWORD)
        db.session.commit()
    admin = world.app.test_client()
    admin.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
    assert log_in(admin).status_code == 302
    assert f'value="{world.tool.url}/lti/login"' in admin.get("/admin/tool-values").get_data(as_text=True)

    added = post_form(admin, NEW, {
        **{field: platform.get(field) or "" for field in registrations.PLATFORM_VALUE_FIELDS},
        # Held: the launch below succeeds only because the deployment was added by hand.
        "new_deployment_policy": "hold_pending", "default_organisation_id": "",
    }, page=NEW)
    assert added.status_code == 302, added.get_data(as_text=True)
    page = added.headers["Location"].split("#")[0]
    deployment_added = post_form(admin, page + "/deployments", {
        "deployment_id": platform["deployments"][0]["deployment_id"], "organisation_id": "",
        "new_organisation_name": "Development College", "frame_origins": "",
    }, page=page)
    assert deployment_added.status_code == 302, deployment_added.get_data(as_text=True)

    response = world.browser.launch("intl-skills-path", "learner")

    assert response.status_code == 200, response.text[:500]
    assert "Laura Learner" in response.text
    assert world.devlms.url in response.headers["Content-Security-Policy"]
    with world.app.app_context():
        organisation = db.session.scalars(select(Organisation).where(Organisation.name == "Development College")).one()
        assert [d.deployment_id for d in organisation.deployments] == [platform["deployments"][0]["deployment_id"]]
