"""Server-side request forgery: whatever URL a registration or a launch names, the
tool calls no address of its own network except those LMS_PRIVATE_HOSTS lists, and nothing such an address
answers reaches a page, a log line or the database.

The tool's own network is played by 127.0.0.2: a service the test owns that records every request and answers
with a secret. LMS_PRIVATE_HOSTS is 127.0.0.1, where the (hostile) LMS listens. Registrations come with a valid
invitation, so that the address check, not the invitation gate, is what refuses.
"""
import socket
import threading
import time
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from flask import Flask, jsonify, redirect, request
from sqlalchemy import select

from app.extensions import db
from app.lti import lms_http
from app.lti.ags import find_or_create_line_item, post_score
from app.lti.constants import NRPS_SCOPE
from app.lti.dynamic_registration import create_invitation
from app.lti.exceptions import PlatformKeysUnavailable
from app.lti.keys import ensure_active_tool_key
from app.lti.nrps import course_members
from app.lti.platform_keys import fetch_keyset
from app.lti.platform_services import PlatformRefused, call_service
from app.lti.service_auth import PlatformRefusedToken, access_token
from app.tenancy.models import Organisation, Registration
from tests.support.http_servers import dripping, serve, serving, stop
from tests.support.live_server import LiveServer

SECRET = "internal-secret-7f3a9c"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


class InternalService(BaseHTTPRequestHandler):
    """Something on the tool's own network (a cloud metadata service, an admin API): it must never be called."""

    def _answer(self):
        self.server.received.append((self.command, self.path))
        body = (f'{{"issuer": "{SECRET}", "keys": [], "access_token": "{SECRET}", "expires_in": 3600, '
                f'"client_id": "{SECRET}", "members": []}}').encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def internal():
    with serving(InternalService, "127.0.0.2") as server:
        yield server


class HostileLms:
    """An LMS on an allowed address whose configuration, redirects and service answers aim at the internal service."""

    def __init__(self, internal_url: str):
        self.server = LiveServer("127.0.0.1")
        self.url = self.server.url
        self.internal_url = internal_url
        self.configuration: dict = {}
        self.received = []
        app = Flask("hostile_lms")
        app.before_request(lambda: self.received.append((request.method, request.path)))
        app.add_url_rule("/.well-known/openid-configuration", "configuration", lambda: jsonify(self.configuration))
        app.add_url_rule("/to-internal", "to_internal", lambda: redirect(self.internal_url + "/latest/meta-data", 302))
        app.add_url_rule("/register", "register", lambda: ({"client_id": "hostile"}, 201), methods=["POST"])
        app.add_url_rule("/token", "token", lambda: {"access_token": "lms-token", "expires_in": 3600}, methods=["POST"])
        app.add_url_rule("/members", "members", self._members)
        app.add_url_rule("/members-moved", "members_moved", lambda: redirect(self.internal_url + "/members", 307))
        app.add_url_rule("/token-moved", "token_moved", lambda: redirect(self.internal_url + "/token", 307),
                         methods=["POST"])
        self.server.start(app)

    def _members(self):
        # The first page is real; its "next" link points into the tool's network.
        response = jsonify({"members": [{"user_id": "u1", "roles": ["Learner"]}]})
        response.headers["Link"] = f'<{self.internal_url}/members?page=2>; rel="next"'
        return response

    def configuration_with(self, **urls) -> dict:
        return {
            "issuer": self.url, "authorization_endpoint": f"{self.url}/auth", "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks", "registration_endpoint": f"{self.url}/register",
            "scopes_supported": ["openid", AGS_SCORE], "id_token_signing_alg_values_supported": ["RS256"],
            PLATFORM_CONFIGURATION: {"product_family_code": "moodle", "version": "4.5",
                                     "messages_supported": ["LtiResourceLinkRequest"]},
            **urls,
        }


@pytest.fixture
def lms(internal):
    hostile = HostileLms(internal.url)
    yield hostile
    hostile.server.stop()


@pytest.fixture
def tool(app):
    app.config["LMS_PRIVATE_HOSTS"] = "127.0.0.1"  # the LMS's address; 127.0.0.2 is the tool's own network
    ensure_active_tool_key()  # token requests are signed
    return app


@pytest.fixture
def invitation(tool, clock):
    organisation = Organisation(name="Omnia")
    db.session.add(organisation)
    db.session.flush()
    return create_invitation(organisation, now=clock.now())[1]


def register(client, configuration_url: str, invitation: str):
    return client.get("/lti/register", query_string={
        "openid_configuration": configuration_url, "registration_token": "lms-token", "invitation": invitation,
    })


def assert_nothing_leaked(internal, page_text: str, caplog) -> None:
    assert internal.received == [], "the tool called an address of its own network"
    assert SECRET not in page_text
    assert SECRET not in caplog.text
    assert db.session.scalars(select(Registration).where(Registration.client_id == SECRET)).all() == []


def spellings(url: str) -> list[str]:
    """The internal service's URL as an attacker may write it: the address, its decimal and IPv4-mapped forms."""
    port = url.rsplit(":", 1)[1]
    return [url, f"http://2130706434:{port}", f"http://[::ffff:127.0.0.2]:{port}"]


# Dynamic Registration ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", range(3))
def test_a_configuration_url_on_the_tools_network_is_never_fetched(tool, client, internal, invitation, caplog,
                                                                   spelling):
    configuration_url = spellings(internal.url)[spelling] + "/.well-known/openid-configuration"

    page = register(client, configuration_url, invitation)

    assert page.status_code == 502
    assert "The address is not a public one" in page.get_data(as_text=True)
    assert "LMS_PRIVATE_HOSTS" in page.get_data(as_text=True)  # how an admin lets a campus LMS in
    assert_nothing_leaked(internal, page.get_data(as_text=True), caplog)


def test_a_configuration_url_that_redirects_into_the_tools_network_is_not_followed(
    tool, client, lms, internal, invitation, caplog
):
    page = register(client, f"{lms.url}/to-internal", invitation)

    assert page.status_code == 502
    assert "HTTP 302" in page.get_data(as_text=True) and "follows no redirects" in page.get_data(as_text=True)
    assert lms.received == [("GET", "/to-internal")]
    assert_nothing_leaked(internal, page.get_data(as_text=True), caplog)


@pytest.mark.parametrize("field", ["registration_endpoint", "token_endpoint", "jwks_uri", "authorization_endpoint"])
def test_a_configuration_naming_an_endpoint_on_the_tools_network_is_refused_before_any_call_to_it(
    tool, client, lms, internal, invitation, caplog, field
):
    lms.configuration = lms.configuration_with(**{field: f"{internal.url}/{field}"})

    page = register(client, f"{lms.url}/.well-known/openid-configuration", invitation)

    assert page.status_code == 502
    assert f"`{field}` points to an address that is not public" in page.get_data(as_text=True)
    assert ("POST", "/register") not in lms.received  # refused before registering anything anywhere
    assert_nothing_leaked(internal, page.get_data(as_text=True), caplog)


def test_the_setting_lets_a_campus_lms_on_a_listed_address_register(tool, client, lms, internal, invitation):
    """The control: the same configuration registers once its address is listed (a Moodle on the campus network)."""
    tool.config["LMS_PRIVATE_HOSTS"] = "127.0.0.1,127.0.0.0/24"
    lms.configuration = lms.configuration_with()

    page = register(client, f"{lms.url}/.well-known/openid-configuration", invitation)

    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    assert ("POST", "/register") in lms.received


# Every later call: key set, token, AGS, NRPS ----------------------------------------------------------------

def registration_on(url: str, **values) -> Registration:
    registration = Registration(
        name="LMS", issuer=url, client_id="client", auth_login_url=f"{url}/auth", auth_token_url=f"{url}/token",
        key_set_url=f"{url}/jwks", **values,
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def test_a_key_set_url_on_the_tools_network_is_never_fetched_by_a_launch(tool, internal, caplog):
    with tool.test_request_context(), pytest.raises(PlatformKeysUnavailable) as refused:
        fetch_keyset(f"{internal.url}/jwks")

    assert "not a public address" in refused.value.hint
    assert_nothing_leaked(internal, refused.value.hint, caplog)


def test_a_token_url_on_the_tools_network_is_never_called_and_not_retried(tool, internal, clock, caplog):
    registration = registration_on(internal.url)

    with tool.test_request_context(), pytest.raises(PlatformRefusedToken) as refused:
        access_token(registration, [AGS_SCORE], now=clock.now())

    assert not refused.value.unavailable  # permanent: retrying cannot make the address callable
    assert_nothing_leaked(internal, refused.value.message + refused.value.hint, caplog)


def test_a_roster_next_page_in_the_tools_network_is_never_fetched(tool, lms, internal, clock, caplog):
    registration = registration_on(lms.url)

    with pytest.raises(PlatformRefused) as refused:
        course_members(registration, f"{lms.url}/members", now=clock.now())

    assert ("GET", "/members") in lms.received
    assert_nothing_leaked(internal, str(refused.value), caplog)


def test_service_and_token_answers_that_redirect_into_the_tools_network_are_not_followed(tool, lms, internal, clock,
                                                                                         caplog):
    registration = registration_on(lms.url)
    with pytest.raises(PlatformRefused) as refused:
        course_members(registration, f"{lms.url}/members-moved", now=clock.now())
    registration.auth_token_url = f"{lms.url}/token-moved"
    with tool.test_request_context(), pytest.raises(PlatformRefusedToken):
        access_token(registration, ["another-scope"], now=clock.now())

    assert ("GET", "/members-moved") in lms.received and ("POST", "/token-moved") in lms.received
    assert_nothing_leaked(internal, str(refused.value), caplog)


def test_a_line_item_from_the_launch_in_the_tools_network_gets_no_score_and_no_token(tool, lms, internal, clock,
                                                                                     caplog):
    registration = registration_on(lms.url)

    with pytest.raises(PlatformRefused) as refused:
        post_score(registration, f"{internal.url}/lineitems/1", {"scoreGiven": 1}, now=clock.now())
    with pytest.raises(PlatformRefused):
        find_or_create_line_item(registration, f"{internal.url}/lineitems", resource_id="m", label="M", tag="t",
                                 resource_link_id=None, now=clock.now())

    assert ("POST", "/token") not in lms.received  # refused before a token was even asked for
    assert_nothing_leaked(internal, str(refused.value), caplog)


def test_service_urls_on_another_host_than_the_registrations_are_refused_unless_an_admin_lists_it(tool, lms, clock):
    """localhost may be called (LMS_PRIVATE_HOSTS), but it is not this LMS's host: its token never goes there."""
    tool.config["LMS_PRIVATE_HOSTS"] = "127.0.0.1,localhost"
    registration = registration_on(lms.url)
    elsewhere = lms.url.replace("127.0.0.1", "localhost") + "/members"

    with pytest.raises(PlatformRefused, match="not one of this LMS's"):
        call_service(registration, [NRPS_SCOPE], "GET", elsewhere, now=clock.now(), headers={})
    assert lms.received == []

    registration.service_hosts = ["localhost"]
    response = call_service(registration, [NRPS_SCOPE], "GET", elsewhere, now=clock.now(), headers={})
    assert response.status_code == 200


# The address is checked once and connected to -----------------------------------------------------------------

def test_the_connection_goes_to_the_checked_address_not_to_a_second_dns_answer(tool, internal, monkeypatch):
    """DNS rebinding: a name that answers an allowed address first and the tool's own network next."""
    lms = serve(RecordingLms, "127.0.0.1")
    sneaky = serve(InternalService, "127.0.0.2", lms.server_port)  # same port, on the internal address
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1"] + ["127.0.0.2"] * 10)

    def rebinding_dns(host, port, *args, **kwargs):
        if host == "lms.rebinding.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    tool.config["LMS_PRIVATE_HOSTS"] = "127.0.0.1"
    try:
        with tool.test_request_context():
            response = lms_http.request("GET", f"http://lms.rebinding.test:{lms.server_port}/jwks")
    finally:
        stop(lms, sneaky)

    assert response.status_code == 200
    assert lms.received == [("GET", "/jwks", f"lms.rebinding.test:{lms.server_port}")]  # its own name as Host
    assert sneaky.received == []


class RecordingLms(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.received.append((self.command, self.path, self.headers.get("Host")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_a_server_dripping_its_headers_is_cut_off_at_the_deadline(tool):
    """Its status line, then one header byte a second: each read is quick, the answer never ends."""
    started = time.monotonic()
    with serving(dripping(b"HTTP/1.1 200 OK\r\nX-Drip: ", seconds=20)) as drip:
        with tool.test_request_context(), pytest.raises(lms_http.AnswerTooSlow):
            lms_http.request("GET", drip.url + "/", deadline=1.0)

    assert time.monotonic() - started < 3  # per-read timeouts alone would wait for all 20 bytes


@pytest.mark.sqlite
@pytest.mark.parametrize(("setting", "address", "allowed"), [
    ("", "127.0.0.1", False),
    ("", "10.1.2.3", False),
    ("", "169.254.169.254", False),
    ("", "100.64.0.1", False),
    ("", "::1", False),
    ("", "fd00::1", False),
    ("", "::ffff:10.0.0.1", False),
    ("", "224.0.0.1", False),
    ("", "0.0.0.0", False),
    ("", "93.184.215.14", True),
    ("10.1.2.3", "10.1.2.3", True),
    ("10.1.2.3", "10.1.2.4", False),
    ("10.20.0.0/16, moodle.campus.local", "10.20.5.6", True),
    ("127.0.0.1", "127.0.0.2", False),
])
def test_which_addresses_may_be_called(setting, address, allowed):
    import ipaddress

    assert lms_http.may_call(ipaddress.ip_address(address), lms_http.private_hosts(setting)) is allowed


@pytest.mark.sqlite
def test_a_listed_host_name_allows_whatever_it_resolves_to():
    assert lms_http.private_hosts("Moodle.Campus.Local., 10.0.0.0/8").allows_name("moodle.campus.local")


def test_production_calls_no_private_address_unless_listed(monkeypatch):
    from app.config import ProductionConfig

    for name, value in {"SECRET_KEY": "x" * 40, "KEY_ENCRYPTION_KEYS": "k", "BASE_URL": "https://tool.example.org",
                        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LMS_PRIVATE_HOSTS", raising=False)
    monkeypatch.setenv("ALLOW_LOOPBACK_HTTP", "1")  # whatever other settings say

    assert ProductionConfig().LMS_PRIVATE_HOSTS == ""



def self_signed_certificate(directory, name: str):
    """A certificate for `name` (its own CA), written as PEM files: (certificate, key)."""
    from datetime import datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = directory / "lms.pem", directory / "lms.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_file, key_file


def test_over_https_the_pinned_address_still_verifies_the_lms_certificate_by_name(tool, tmp_path, monkeypatch):
    import ssl

    certificate, key = self_signed_certificate(tmp_path, "lms.campus.test")
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingLms)
    server.daemon_threads, server.received = True, []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real_getaddrinfo = socket.getaddrinfo

    def campus_dns(host, port, *args, **kwargs):
        if host in ("lms.campus.test", "other.campus.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", campus_dns)
    try:
        with tool.test_request_context():
            response = lms_http.request("GET", f"https://lms.campus.test:{server.server_port}/jwks",
                                        verify=str(certificate))
            with pytest.raises(requests.exceptions.SSLError):  # the same address under another name
                lms_http.request("GET", f"https://other.campus.test:{server.server_port}/jwks",
                                 verify=str(certificate))
    finally:
        server.shutdown()
        server.server_close()

    assert response.status_code == 200
    assert server.received == [("GET", "/jwks", f"lms.campus.test:{server.server_port}")]
