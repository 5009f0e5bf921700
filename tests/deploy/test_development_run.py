"""`make run TOOL_PORT=… LMS_PORT=…`: both ports reach both processes and the tool's BASE_URL, and every `make run`
imports the registration the development LMS writes for those ports; importing it again changes nothing."""
import json
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.tenancy.models import Deployment, Organisation, Registration
from devlms import create_devlms_app

pytestmark = pytest.mark.sqlite
ROOT = Path(__file__).resolve().parents[2]


def dry_run(*arguments: str) -> str:
    """What make would run, without running it."""
    return subprocess.run(["make", "-n", "--no-print-directory", *arguments], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def registration_file(tmp_path, tool_port: int, lms_port: int) -> Path:
    """What `make setup` has the development LMS write, for these ports."""
    lms = create_devlms_app({"DEVLMS_DATABASE_URL": f"sqlite:///{tmp_path / f'devlms-{lms_port}.sqlite'}",
                             "DEVLMS_SECRET_KEY": "s", "DEVLMS_BASE_URL": f"http://localhost:{lms_port}",
                             "DEVLMS_TOOL_BASE_URL": f"http://127.0.0.1:{tool_port}"})
    path = tmp_path / f"devlms-{lms_port}.json"
    with lms.app_context():  # the LMS's, not the tool's (which the test's fixtures have pushed)
        result = lms.test_cli_runner().invoke(args=["registration-file", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def import_file(runner):
    def run(path: Path):
        result = runner.invoke(args=["lti", "registration", "import", str(path)])
        db.session.expire_all()
        assert result.exit_code == 0, result.output
        return result.output
    return run


def test_setup_writes_the_lms_registration_for_the_ports_and_imports_that_file():
    commands = dry_run("setup", "TOOL_PORT=6100", "LMS_PORT=6101").splitlines()

    write = next(line for line in commands if "registration-file" in line)
    load = next(line for line in commands if "lti registration import" in line)
    assert "TOOL_PORT=6100" in write and "LMS_PORT=6101" in write and "devlms:create_devlms_app()" in write
    assert write.split()[-1] == load.split()[-1] == "instance/devlms-registration.json"
    assert commands.index(write) < commands.index(load)
    assert "lti_config/devlms.json" not in "\n".join(commands)  # the fixed 5000/5001 file is no longer imported


def test_run_gives_both_ports_and_the_tool_s_base_url_to_every_process():
    honcho = next(line for line in dry_run("run", "TOOL_PORT=6100", "LMS_PORT=6101").splitlines() if "honcho" in line)
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")

    assert "TOOL_PORT=6100" in honcho and "LMS_PORT=6101" in honcho and "BASE_URL=http://127.0.0.1:6100" in honcho
    assert re.search(r"^tool: .*--port \$\{TOOL_PORT:-5000\}$", procfile, re.M)
    assert re.search(r"^devlms: .*--port \$\{LMS_PORT:-5001\}$", procfile, re.M)


def test_the_default_ports_give_the_committed_registration_file(tmp_path):
    written = json.loads(registration_file(tmp_path, 5000, 5001).read_text(encoding="utf-8"))

    assert written == json.loads((ROOT / "lti_config" / "devlms.json").read_text(encoding="utf-8"))


def test_importing_the_registration_at_every_run_is_idempotent(app, tmp_path, import_file):
    path = registration_file(tmp_path, 6100, 6101)

    first = import_file(path)
    rows = db.session.execute(select(Deployment.id, Deployment.deployment_id, Deployment.organisation_id,
                                     Deployment.frame_ancestors).order_by(Deployment.id)).all()
    second = import_file(path)

    assert "created" in first and "created" not in second and "updated" in second
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    assert db.session.execute(select(Deployment.id, Deployment.deployment_id, Deployment.organisation_id,
                                     Deployment.frame_ancestors).order_by(Deployment.id)).all() == rows
    assert [row.frame_ancestors for row in rows] == [["http://localhost:6101"]] * 2
    registration = db.session.scalars(select(Registration)).one()
    assert registration.issuer == "http://localhost:6101"
    assert registration.auth_login_url == "http://localhost:6101/lti/auth"


def test_a_moved_lms_port_registers_that_lms_into_the_same_colleges(app, tmp_path, import_file):
    import_file(registration_file(tmp_path, 5000, 5001))
    import_file(registration_file(tmp_path, 5000, 5002))

    issuers = db.session.scalars(select(Registration.issuer).order_by(Registration.id)).all()
    assert issuers == ["http://localhost:5001", "http://localhost:5002"]
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2  # the two colleges, once each
