"""`flask lti registration …` and `flask lti deployment …`: registering an LMS by hand from the command line."""
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.tenancy.models import Deployment, Organisation, Registration

pytestmark = pytest.mark.sqlite
DEVLMS_FILE = "lti_config/devlms.json"
ITSLEARNING = [
    "--name", "itslearning", "--issuer", "https://itslearning.example", "--client-id", "rexvet-tool",
    "--auth-login-url", "https://lti.itslearning.example/connect/authorize",
    "--auth-token-url", "https://lti.itslearning.example/connect/token",
    "--key-set-url", "https://lti.itslearning.example/jwks",
]


@pytest.fixture
def lti(runner):
    """Run `flask lti ARGS…`; the session is expired afterwards so the test reads what the command committed."""

    def run(*args):
        result = runner.invoke(args=["lti", *args])
        db.session.expire_all()
        return result

    return run


@pytest.fixture
def itslearning(lti) -> Registration:
    assert lti("registration", "add", *ITSLEARNING).exit_code == 0
    return db.session.scalars(select(Registration)).one()


def test_add_registers_an_lms_from_its_values(lti):
    result = lti(
        "registration", "add", *ITSLEARNING, "--algorithm", "RS256", "--algorithm", "ES256", "--policy", "hold_pending"
    )

    assert result.exit_code == 0, result.output
    registration = db.session.scalars(select(Registration)).one()
    assert f"registration {registration.id} added: itslearning" in result.output
    assert registration.allowed_algorithms == ["RS256", "ES256"]
    assert registration.new_deployment_policy == Registration.POLICY_HOLD_PENDING
    assert registration.status == Registration.ACTIVE


def test_add_names_every_missing_or_wrong_value(lti):
    result = lti("registration", "add", "--name", "x", "--issuer", "itslearning.example", "--algorithm", "HS256")

    assert result.exit_code == 1
    for problem in ("`client_id` is required", "`key_set_url` is required", "`issuer` must be an http(s) URL",
                    "`allowed_algorithms` must be a non-empty list"):
        assert problem in result.output
    assert db.session.scalars(select(Registration)).first() is None


def test_add_refuses_an_issuer_and_client_id_already_registered(lti, itslearning):
    result = lti("registration", "add", *ITSLEARNING)

    assert result.exit_code == 1
    assert "is already registered for issuer 'https://itslearning.example'" in result.output


def test_add_from_a_file_creates_the_registration_and_its_deployments(lti):
    result = lti("registration", "add", "--from-file", DEVLMS_FILE)

    assert result.exit_code == 0, result.output
    assert "registration 'Development LMS' created" in result.output
    assert len(db.session.scalars(select(Deployment)).all()) == 2


def test_add_from_a_file_already_registered_points_to_import(lti):
    lti("registration", "add", "--from-file", DEVLMS_FILE)

    result = lti("registration", "add", "--from-file", DEVLMS_FILE)

    assert result.exit_code == 1
    assert f"flask lti registration import {DEVLMS_FILE}` updates it" in result.output


def test_add_from_a_bad_file_names_the_file_and_problem(lti, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "x"}))

    result = lti("registration", "add", "--from-file", str(path))

    assert result.exit_code == 1
    assert f"{path}: " in result.output and "`issuer` is required" in result.output


def test_list_and_show_by_id_or_by_issuer_and_client_id(lti, itslearning):
    listed = lti("registration", "list")
    by_id = lti("registration", "show", str(itslearning.id))
    by_values = lti("registration", "show", "--issuer", "https://itslearning.example", "--client-id", "rexvet-tool")

    assert f"{itslearning.id}\tactive\thttps://itslearning.example\trexvet-tool\titslearning" in listed.output
    assert by_id.exit_code == 0 and by_id.output == by_values.output
    assert "key_set_url\thttps://lti.itslearning.example/jwks" in by_id.output
    assert "auth_audience\t-" in by_id.output


@pytest.mark.parametrize(
    "args, explanation",
    [(["999"], "There is no registration with id 999."),
     (["--issuer", "https://nowhere.example", "--client-id", "x"], "There is no registration for issuer"),
     ([], "Name a registration by its id, or by both its issuer and client ID.")],
)
def test_show_explains_a_registration_it_cannot_find(lti, args, explanation):
    result = lti("registration", "show", *args)

    assert result.exit_code == 1
    assert explanation in result.output


def test_edit_changes_only_the_values_given(lti, itslearning):
    result = lti("registration", "edit", str(itslearning.id), "--name", "itslearning EU", "--auth-audience", "its-aud",
                 "--default-organisation", "none")

    assert result.exit_code == 0, result.output
    assert (itslearning.name, itslearning.auth_audience) == ("itslearning EU", "its-aud")
    assert itslearning.key_set_url == "https://lti.itslearning.example/jwks"


def test_edit_sets_the_default_organisation_by_name(lti, itslearning):
    db.session.add(Organisation(name="Omnia"))
    db.session.commit()

    result = lti(
        "registration", "edit", str(itslearning.id), "--default-organisation", "Omnia", "--policy", "hold_pending"
    )

    assert result.exit_code == 0, result.output
    assert itslearning.default_organisation.name == "Omnia"
    assert itslearning.new_deployment_policy == Registration.POLICY_HOLD_PENDING


def test_a_wrong_edit_is_named_and_nothing_changes(lti, itslearning):
    result = lti("registration", "edit", str(itslearning.id), "--name", "changed", "--key-set-url", "jwks.json")

    assert result.exit_code == 1
    assert "`key_set_url` must be an http(s) URL, not 'jwks.json'" in result.output
    assert itslearning.name == "itslearning"


def test_edit_without_values_is_a_usage_error(lti, itslearning):
    result = lti("registration", "edit", str(itslearning.id))

    assert result.exit_code == 2
    assert "Give at least one value to change" in result.output


def test_disable_and_enable(lti, itslearning):
    assert lti("registration", "disable", str(itslearning.id)).exit_code == 0
    assert itslearning.status == Registration.DISABLED
    assert lti("registration", "enable", str(itslearning.id)).exit_code == 0
    assert itslearning.status == Registration.ACTIVE


def test_export_round_trips_through_import(lti, tmp_path):
    lti("registration", "import", DEVLMS_FILE)
    registration = db.session.scalars(select(Registration)).one()
    output = tmp_path / "exported.json"

    printed = lti("registration", "export", str(registration.id))
    written = lti("registration", "export", str(registration.id), "--output", str(output))

    assert json.loads(printed.output) == json.loads(open(DEVLMS_FILE).read())
    assert written.exit_code == 0 and output.read_text() == printed.output
    reimported = lti("registration", "import", str(output))
    assert "registration 'Development LMS' updated" in reimported.output
    assert len(db.session.scalars(select(Deployment)).all()) == 2


def test_deployment_add_into_an_organisation_named_or_new(lti, itslearning):
    db.session.add(Organisation(name="Omnia"))
    db.session.commit()

    into_existing = lti("deployment", "add", str(itslearning.id), "omnia-1", "--organisation", "Omnia")
    into_new = lti("deployment", "add", str(itslearning.id), "taitotalo-1", "--new-organisation", "Taitotalo",
                   "--frame-origin", "https://taitotalo.itslearning.com", "--frame-origin", "https://other.example")

    assert into_existing.exit_code == 0 and into_new.exit_code == 0, into_existing.output + into_new.output
    deployments = {d.deployment_id: d for d in db.session.scalars(select(Deployment))}
    assert deployments["omnia-1"].organisation.name == "Omnia"
    assert deployments["omnia-1"].frame_ancestors == ["https://lti.itslearning.example"]
    assert deployments["taitotalo-1"].organisation.name == "Taitotalo"
    assert deployments["taitotalo-1"].frame_ancestors == ["https://taitotalo.itslearning.com", "https://other.example"]


@pytest.mark.parametrize(
    "args, explanation",
    [(["1"], "Choose either an existing organisation or a name for a new one"),
     (["1", "--organisation", "Nobody"], "There is no organisation called 'Nobody'"),
     (["1", "--new-organisation", "X", "--frame-origin", "lms.example"], "has no scheme"),
     (["dup", "--new-organisation", "X"], "Deployment 'dup' already exists under this registration.")],
)
def test_deployment_add_explains_what_is_wrong(lti, itslearning, args, explanation):
    lti("deployment", "add", str(itslearning.id), "dup", "--new-organisation", "First")

    result = lti("deployment", "add", str(itslearning.id), *args)

    assert result.exit_code == 1
    assert explanation in result.output
    assert len(db.session.scalars(select(Deployment)).all()) == 1


def test_deployment_list_edit_and_disable(lti, itslearning):
    lti("deployment", "add", str(itslearning.id), "omnia-1", "--new-organisation", "Omnia")
    deployment = db.session.scalars(select(Deployment)).one()
    taitotalo = Organisation(name="Taitotalo")
    db.session.add(taitotalo)
    db.session.commit()

    listed = lti("deployment", "list", "--registration", str(itslearning.id))
    edited = lti("deployment", "edit", str(deployment.id), "--organisation", str(taitotalo.id),
                 "--frame-origin", "https://omnia.itslearning.com")
    disabled = lti("deployment", "disable", str(deployment.id))

    assert f"{deployment.id}\t{itslearning.id}\tomnia-1\tactive" in listed.output
    assert edited.exit_code == 0, edited.output
    assert deployment.organisation_id == taitotalo.id
    assert deployment.frame_ancestors == ["https://omnia.itslearning.com"]
    assert disabled.exit_code == 0 and deployment.status == Deployment.DISABLED


def test_deployment_edit_of_an_unknown_deployment_is_explained(lti):
    result = lti("deployment", "edit", "999", "--new-organisation", "X")

    assert result.exit_code == 1
    assert "There is no deployment with id 999." in result.output


# `flask lti invitation create`: one-time registration URLs for scripts -----------------------------------------

def test_invitation_create_prints_a_one_time_url_for_an_existing_organisation(lti):
    from app.lti.models import RegistrationInvitation

    omnia = Organisation(name="Omnia")
    db.session.add(omnia)
    db.session.commit()

    result = lti("invitation", "create", "--organisation", "Omnia")

    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith("http://127.0.0.1:5000/lti/register?invitation=")
    assert f"organisation {omnia.id} Omnia" in result.stderr
    [invitation] = db.session.scalars(select(RegistrationInvitation)).all()
    assert invitation.organisation_id == omnia.id
    assert url.split("invitation=", 1)[1] not in invitation.token_hash


@pytest.mark.parametrize("args, says", [
    (["--organisation", "Nobody"], "There is no organisation called 'Nobody'"),
    (["--new-organisation", "x" * 201], "An organisation name needs 1 to 200 characters"),
    (["--organisation", "1", "--new-organisation", "Omnia"], "not both"),
])
def test_invitation_create_refuses_what_it_cannot_use_saying_why(lti, args, says):
    from app.lti.models import RegistrationInvitation

    result = lti("invitation", "create", *args)

    assert result.exit_code != 0
    assert says in result.output
    assert db.session.scalars(select(RegistrationInvitation)).all() == []
