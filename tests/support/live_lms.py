"""The tool and the development LMS on real HTTP, each on its own site and port (as in an LMS iframe)."""
from dataclasses import dataclass

import pytest
import requests

from app.clock import SystemClock
from app.extensions import db
from tests.support.live_server import LiveServer
from tests.support.lti_browser import LtiBrowser


@dataclass
class LtiWorld:
    """The tool and the development LMS, each on its own site and port, registered with each other."""

    app: object
    tool: "LiveServer"
    devlms: "LiveServer"
    browser: "LtiBrowser"

    def new_browser(self) -> "LtiBrowser":
        return LtiBrowser(self.devlms.url)


def start_devlms(server, tool_url: str, database_path) -> None:
    from devlms import create_devlms_app

    server.start(create_devlms_app({
        "DEVLMS_BASE_URL": server.url,
        "DEVLMS_DATABASE_URL": f"sqlite:///{database_path}",
        "DEVLMS_TOOL_BASE_URL": tool_url,
        "DEVLMS_ALLOW_TAMPERING": True,
        "DEVLMS_SECRET_KEY": "devlms-test-secret",
    }))


def register_devlms(app, devlms_url: str) -> None:
    """What `make run` does with lti_config/devlms.json, for the live development LMS."""
    from app.lti.keys import ensure_active_tool_key
    from app.lti.registrations import import_registration

    registration = requests.get(f"{devlms_url}/lti/tool-registration.json", timeout=10).json()
    with app.app_context():
        import_registration(registration)
        ensure_active_tool_key()
        db.session.commit()


@pytest.fixture
def lti_world(committed_app, tmp_path):
    """Real HTTP between the tool (127.0.0.1) and the development LMS (localhost): two sites, as in an LMS iframe."""
    committed_app.extensions["clock"] = SystemClock()  # the LMS signs with real time
    tool, devlms = LiveServer("127.0.0.1"), LiveServer("localhost")
    committed_app.config["BASE_URL"] = tool.url
    start_devlms(devlms, tool.url, tmp_path / "devlms.sqlite")
    tool.start(committed_app)
    register_devlms(committed_app, devlms.url)
    yield LtiWorld(committed_app, tool, devlms, LtiBrowser(devlms.url))
    tool.stop()
    devlms.stop()


@pytest.fixture
def unregistered_lti_world(committed_app, tmp_path):
    """The tool and the development LMS running, but not registered with each other: a test registers them by hand."""
    from app.lti.keys import ensure_active_tool_key

    committed_app.extensions["clock"] = SystemClock()
    tool, devlms = LiveServer("127.0.0.1"), LiveServer("localhost")
    committed_app.config["BASE_URL"] = tool.url
    start_devlms(devlms, tool.url, tmp_path / "devlms.sqlite")
    tool.start(committed_app)
    with committed_app.app_context():
        ensure_active_tool_key()
        db.session.commit()
    yield LtiWorld(committed_app, tool, devlms, LtiBrowser(devlms.url))
    tool.stop()
    devlms.stop()
