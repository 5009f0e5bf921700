"""Registrations as files in lti_config/: imported by a command, refused with every problem named."""
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.tenancy.models import Course, Deployment, Membership, Person, Registration

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


def test_a_file_naming_another_organisation_moves_the_site_with_its_courses(runner, tmp_path):
    """Importing a file that puts a known site in another organisation moves what the site recorded."""
    runner.invoke(args=["lti", "registration", "import", DEVLMS_FILE])
    site = db.session.scalars(select(Deployment).where(Deployment.deployment_id == "devlms-site-1")).one()
    course = Course(organisation_id=site.organisation_id, deployment_id=site.id, context_id="c-1")
    learner = Person(organisation_id=site.organisation_id, issuer="http://localhost:5001", subject="lea")
    db.session.add_all([course, learner])
    db.session.flush()
    db.session.add(Membership(organisation_id=site.organisation_id, course_id=course.id, person_id=learner.id,
                              role="learner"))
    db.session.commit()
    moved = json.loads(open(DEVLMS_FILE).read())
    moved["deployments"][0]["organisation"] = "Moved College"
    (tmp_path / "moved.json").write_text(json.dumps(moved))

    result = runner.invoke(args=["lti", "registration", "import", str(tmp_path / "moved.json")])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert site.organisation.name == "Moved College"
    assert course.organisation_id == learner.organisation_id == site.organisation_id
