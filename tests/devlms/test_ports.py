"""`make run TOOL_PORT=… LMS_PORT=…`: the development LMS derives every URL from the two ports, its own (issuer,
endpoints, frame origins) and the tool's (login, launch, key set), so a moved tool port never leaves it posting to
whatever answers on 5000; the registration file it writes for the tool carries the same URLs."""
import json
from urllib.parse import urlsplit

import pytest

from devlms import create_devlms_app
from devlms.config import development_urls, load_settings
from devlms.lti.registration import default_tool

pytestmark = pytest.mark.sqlite


def urls_in(value) -> list[str]:
    """Every http(s) URL anywhere in a JSON-like value."""
    if isinstance(value, dict):
        return [url for item in value.values() for url in urls_in(item)]
    if isinstance(value, list):
        return [url for item in value for url in urls_in(item)]
    return [value] if isinstance(value, str) and value.startswith(("http://", "https://")) else []


@pytest.fixture
def on_other_ports(monkeypatch, devlms_settings):
    """The LMS as `make run TOOL_PORT=6100 LMS_PORT=6101` starts it: the ports from the environment, no URL given."""
    monkeypatch.setenv("TOOL_PORT", "6100")
    monkeypatch.setenv("LMS_PORT", "6101")
    for name in ("DEVLMS_BASE_URL", "DEVLMS_TOOL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = {key: value for key, value in devlms_settings.items()
                if key not in ("DEVLMS_BASE_URL", "DEVLMS_TOOL_BASE_URL")}
    return create_devlms_app(settings)


def test_the_urls_follow_the_two_ports_and_default_to_5000_and_5001():
    assert development_urls(6100, "6101") == {"DEVLMS_BASE_URL": "http://localhost:6101",
                                              "DEVLMS_TOOL_BASE_URL": "http://127.0.0.1:6100"}
    assert development_urls() == {"DEVLMS_BASE_URL": "http://localhost:5001",
                                  "DEVLMS_TOOL_BASE_URL": "http://127.0.0.1:5000"}


@pytest.mark.parametrize("tool_port, lms_port", [(5000, 5000), ("x", 5001), (70000, 5001), (5000, 0)])
def test_ports_that_cannot_work_are_refused_at_start(tool_port, lms_port):
    with pytest.raises(ValueError):
        development_urls(tool_port, lms_port)


def test_explicit_urls_still_win_over_the_ports(monkeypatch, tmp_path):
    monkeypatch.setenv("TOOL_PORT", "6100")
    monkeypatch.setenv("DEVLMS_TOOL_BASE_URL", "https://tool.example")

    settings = load_settings(str(tmp_path), {"DEVLMS_SECRET_KEY": "s"})

    assert settings["DEVLMS_TOOL_BASE_URL"] == "https://tool.example"


def test_every_url_the_lms_uses_and_registers_is_on_the_given_ports(on_other_ports):
    with on_other_ports.app_context():
        tool = default_tool()
        tool_urls = [tool.login_url, tool.launch_url, tool.jwks_url, tool.deep_linking_url, *tool.redirect_uris]
    registration = on_other_ports.test_client().get("/lti/tool-registration.json").json
    lms_urls = urls_in(registration)

    assert {urlsplit(url).netloc for url in tool_urls} == {"127.0.0.1:6100"}
    assert len(lms_urls) == 6  # issuer, three endpoints, two sites' frame origin
    assert {urlsplit(url).netloc for url in lms_urls} == {"localhost:6101"}
    assert registration["issuer"] == "http://localhost:6101"


def test_the_course_page_launches_the_tool_on_its_port(on_other_ports):
    page = on_other_ports.test_client().get("/launch/intl-skills-path?user=learner").get_data(as_text=True)

    assert 'action="http://127.0.0.1:6100/lti/login"' in page
    assert "127.0.0.1:5000" not in page


def test_the_registration_file_command_writes_what_the_lms_serves(on_other_ports, tmp_path):
    path = tmp_path / "instance" / "devlms-registration.json"

    result = on_other_ports.test_cli_runner().invoke(args=["registration-file", str(path)])

    assert result.exit_code == 0, result.output
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == on_other_ports.test_client().get("/lti/tool-registration.json").json
    assert written["auth_login_url"] == "http://localhost:6101/lti/auth"
    assert not list(path.parent.glob("*.partial"))
