"""Registrations as files in lti_config/: imported by a command, refused with every problem named."""
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.tenancy.models import Deployment, Registration

pytestmark = pytest.mark.sqlite
DEVLMS_FILE = "lti_config/devlms.json"


def test_import_creates_the_registration_and_its_deployments(runner):
    result = runner.invoke(args=["lti", "registration", "import", DEVLMS_FILE])

    assert result.exit_code == 0, result.output
    registration = db.session.scalars(select(Registration)).one()
    assert (registration.issuer, registration.client_id) == ("http://localhost:5001", "rexvet-dev-tool")
    deployments = {d.deployment_id: d for d in db.session.scalars(select(Deployment))}
    assert deployments["devlms-site-1"].organisation.name == "Development College"
    assert deployments["devlms-site-1"].frame_ancestors == ["http://localhost:5001"]
    assert deployments["devlms-site-2"].organisation.name == "Second Development College"


def test_importing_again_updates_instead_of_duplicating(runner):
    runner.invoke(args=["lti", "registration", "import", DEVLMS_FILE])

    result = runner.invoke(args=["lti", "registration", "import", DEVLMS_FILE])

    assert "registration 'Development LMS' updated" in result.output
    assert len(db.session.scalars(select(Registration)).all()) == 1
    assert len(db.session.scalars(select(Deployment)).all()) == 2


def test_a_bad_file_is_refused_with_every_problem_named(runner, tmp_path):
    bad = json.loads(open(DEVLMS_FILE).read())
    del bad["client_id"]
    bad.update(key_set_url="ftp://lms/keys", allowed_algorithms=["HS256"], private_key="-----BEGIN")
    bad["deployments"][0]["frame_ancestors"] = ["http://localhost:5001/course/view.php"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))

    result = runner.invoke(args=["lti", "registration", "import", str(path)])

    assert result.exit_code != 0
    for problem in ("`client_id` is required", "`key_set_url` must be an http(s) URL", "`allowed_algorithms`",
                    "`private_key` must never be", "frame ancestor"):
        assert problem in result.output
    assert str(path) in result.output
    assert db.session.scalars(select(Registration)).first() is None


def test_invalid_json_names_file_and_line(runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  oops\n}')

    result = runner.invoke(args=["lti", "registration", "import", str(path)])

    assert f"{path}:3:" in result.output
