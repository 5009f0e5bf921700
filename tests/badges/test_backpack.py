"""Send to my backpack: an earner connects an Open Badges 3.0 host (discovery, dynamic client registration,
authorization code with PKCE), sends a badge there (201 new, 200 replaced), and nothing is lost when the host
refuses. The host is tests/support/fake_ob3_host.py, on 127.0.0.1 (BACKPACK_PRIVATE_HOSTS in the tests)."""
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select, text

from app.badges.awarding import awards_of
from app.badges.backpack_models import BackpackAuthorization, BackpackConnection, BackpackHost
from app.extensions import db
from app.reports.personal_data import erase_person
from tests.support.badges import complete_module
from tests.support.factories import sign_in
from tests.support.fake_ob3_host import UPSERT, expire_access_tokens, serve_fake_ob3_host
from tests.support.forms import post_form
from tests.support.http_servers import stop
from tests.support.served_badges import jwt_payload

pytestmark = pytest.mark.sqlite
MINE = "/badges/mine"


@pytest.fixture
def host():
    server = serve_fake_ob3_host()
    yield server
    stop(server)


@pytest.fixture
def earner(app, client, learner_launch, clock, world):
    sign_in(client, learner_launch)
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())
    db.session.commit()
    [award] = awards_of(world.organisation.id, world.learner.id)
    return award


def connect(client, host_url: str):
    """Type the host's address on My badges: the page then offers the host's authorization link."""
    response = post_form(client, "/badges/backpack/connect", {"host": host_url}, page=MINE)
    assert response.status_code == 302
    return client.get(MINE).get_data(as_text=True)


def authorization_link(page: str) -> str:
    found = re.search(r'data-testid="backpack-allow"><a href="([^"]+)"', page)
    assert found, "My badges offers no link to allow the connection"
    return unescape(found.group(1))


def consent(client, link: str, decision: str = "allow"):
    """What the earner does in the new tab: the host's page, Allow or Deny, then the host's redirect back, opened
    without the launch (a new tab has no launch token, and maybe no cookie)."""
    page = requests.get(link, timeout=5).text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    answer = requests.post(urlsplit(link)._replace(path="/authorize", query="").geturl(),
                           data={**{k: unescape(v) for k, v in fields.items()}, "decision": decision},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    token, client.launch_token = client.launch_token, None
    try:
        return client.get(f"{back.path}?{back.query}")
    finally:
        client.launch_token = token


def connected(client, host) -> BackpackConnection:
    response = consent(client, authorization_link(connect(client, host.url)))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Connected — return to your LMS tab" in response.get_data(as_text=True)
    [connection] = db.session.scalars(select(BackpackConnection)).all()
    return connection


def send(client, award, connection):
    post_form(client, "/badges/backpack/send", {"award": award.public_id, "connection": connection.id}, page=MINE)
    return client.get(MINE).get_data(as_text=True)


def test_an_earner_connects_a_backpack_and_sends_a_badge_which_a_second_send_replaces(client, earner, host):
    connection = connected(client, host)
    page = send(client, earner, connection)
    assert f"The badge is now in your backpack at {host.url}" in page
    [stored] = host.credentials.values()
    assert jwt_payload(stored)["id"] == jwt_payload(stored)["jti"]
    assert jwt_payload(stored)["credentialSubject"]["id"] == jwt_payload(stored)["sub"]
    assert f"The badge in your backpack at {host.url} is updated" in send(client, earner, connection)
    assert len(host.credentials) == 1

    calls = [(r["method"], r["path"]) for r in host.received]
    assert calls == [("GET", "/ims/ob/v3p0/discovery"), ("POST", "/register"), ("GET", "/authorize"),
                     ("POST", "/authorize"), ("POST", "/token"), ("POST", "/ims/ob/v3p0/credentials"),
                     ("POST", "/ims/ob/v3p0/credentials")]
    registration, authorize, token = host.received[1], host.received[2], host.received[4]
    assert registration["fields"]["token_endpoint_auth_method"] == "client_secret_basic"
    assert registration["fields"]["grant_types"] == ["authorization_code", "refresh_token"]
    assert registration["fields"]["redirect_uris"][0].endswith("/badges/backpack/callback")
    assert UPSERT in registration["fields"]["scope"].split()
    assert authorize["query"]["code_challenge_method"] == "S256" and authorize["query"]["scope"] == UPSERT
    assert token["authorization"] == "Basic" and token["has_code_verifier"] and token["fields"]["scope"] == UPSERT
    assert {r["content_type"] for r in host.received[5:]} == {"text/plain"}
    my_badges = client.get(MINE).get_data(as_text=True)
    assert 'data-testid="backpack-connections"' in my_badges and "last sent on" in my_badges


def test_a_second_earner_on_the_same_host_reuses_the_installation_s_registration(client, earner, host):
    connected(client, host)
    connect(client, host.url)
    assert [r["path"] for r in host.received].count("/register") == 1
    assert db.session.scalars(select(BackpackHost)).one().registered_at is not None


def test_deny_says_so_and_connects_nothing(client, earner, host):
    response = consent(client, authorization_link(connect(client, host.url)), decision="deny")
    assert response.status_code == 400
    assert "The backpack was not connected: access was not allowed." in response.get_data(as_text=True)
    assert db.session.scalars(select(BackpackConnection)).all() == []
    assert db.session.scalars(select(BackpackAuthorization)).all() == []  # the state works once


def test_an_unknown_state_is_refused(client, earner, host):
    client.launch_token = None
    response = client.get("/badges/backpack/callback?state=made-up&code=x")
    assert response.status_code == 400 and "unknown or has expired" in response.get_data(as_text=True)


def test_an_expired_access_token_is_refreshed_before_sending(client, earner, host, clock):
    connection = connected(client, host)
    expire_access_tokens(host)
    clock.advance(seconds=host.access_lifetime + 1)
    assert "The badge is now in your backpack" in send(client, earner, connection)
    token_calls = [r["fields"] for r in host.received if r["path"] == "/token"]
    assert [call["grant_type"] for call in token_calls] == ["authorization_code", "refresh_token"]
    assert [r["path"] for r in host.received].count("/ims/ob/v3p0/credentials") == 1


def test_a_401_refreshes_the_token_once_and_sends_again(client, earner, host):
    connection = connected(client, host)
    expire_access_tokens(host)  # the host ended the token early; the tool still thinks it valid
    assert "The badge is now in your backpack" in send(client, earner, connection)
    assert [r["path"] for r in host.received].count("/ims/ob/v3p0/credentials") == 2
    assert [r["path"] for r in host.received].count("/token") == 2


def test_the_host_s_refusal_shows_its_status_and_description_cut_and_loses_nothing(client, earner, host):
    connection = connected(client, host)
    host.fail_next = (400, "The credential was refused: <b>" + "x" * 400)
    page = send(client, earner, connection)
    assert f"{urlsplit(host.url).netloc} answered 400: The credential was refused: &lt;b&gt;" in page
    said = re.search(r"answered 400: ([^<]*)</p>", page).group(1)
    assert len(unescape(said)) == 200
    assert "<b>" not in page.split('class="flashes"')[1].split("</div>")[0]
    assert db.session.scalars(select(BackpackConnection)).one().last_sent_at is None
    assert not earner.is_revoked and host.credentials == {}


def test_a_host_on_a_private_address_not_listed_is_refused_before_any_request(client, earner):
    other = serve_fake_ob3_host("127.0.0.2")  # BACKPACK_PRIVATE_HOSTS lists 127.0.0.1 only
    try:
        page = connect(client, other.url.replace("http://", "https://"))  # http would be refused first
    finally:
        stop(other)
    assert "The tool does not call 127.0.0.2: it is not a public address." in page
    assert other.received == []
    assert db.session.scalars(select(BackpackHost)).all() == []


def test_an_http_address_is_refused_unless_its_host_is_listed(client, earner):
    page = connect(client, "http://backpack.example.org")
    assert "Your backpack&#39;s address must begin with https://." in page


def test_tokens_and_the_client_secret_are_stored_encrypted_and_erasure_deletes_the_connection(
    client, earner, host, world, clock
):
    connected(client, host)
    [access] = [t for t in host.access_tokens]
    [refresh] = [t for t in host.refresh_tokens]
    raw = db.session.execute(text("SELECT access_token_encrypted, refresh_token_encrypted FROM backpack_connections"))
    for column in raw.one():
        assert access.encode() not in bytes(column) and refresh.encode() not in bytes(column)
    secret = next(iter(host.clients.values()))["secret"]
    assert secret.encode() not in bytes(db.session.execute(
        text("SELECT client_secret_encrypted FROM backpack_hosts")).scalar_one())
    erase_person(world.organisation.id, world.learner.id, confirmation="ERASE", now=clock.now())
    db.session.flush()
    assert db.session.scalars(select(BackpackConnection)).all() == []


def test_disconnect_forgets_the_tokens(client, earner, host):
    connection = connected(client, host)
    post_form(client, "/badges/backpack/disconnect", {"connection": connection.id}, page=MINE)
    assert db.session.scalars(select(BackpackConnection)).all() == []
    assert "is disconnected" in client.get(MINE).get_data(as_text=True)


def test_another_earner_cannot_send_through_or_disconnect_my_connection(app, client, earner, host, world, clock):
    from tests.support.factories import LEARNER_ROLE, make_launch

    connection = connected(client, host)
    other = make_launch(world, world.instructor, [LEARNER_ROLE], now=clock.now())
    db.session.commit()
    sign_in(client, other)
    response = post_form(client, "/badges/backpack/disconnect", {"connection": connection.id}, page=MINE)
    assert response.status_code == 404
    assert db.session.scalars(select(BackpackConnection)).one()


def test_merging_two_records_keeps_one_connection_per_host_and_moves_the_others(app, world, clock):
    """The same teacher seen through two LMSs, connected to one host from both records and to another from one."""
    from app.tenancy.models import Person
    from app.tenancy.services import merge_people

    shared, own = (BackpackHost(base_url=f"https://{name}.example", registration_url="r", authorization_url="a",
                                token_url="t", scopes=[]) for name in ("shared", "own"))
    other = Person(organisation_id=world.organisation.id, issuer=world.learner.issuer, subject="second-record")
    db.session.add_all([shared, own, other])
    db.session.flush()

    def connection(person, backpack_host):
        return BackpackConnection(organisation_id=world.organisation.id, person_id=person.id, host=backpack_host,
                                  access_token_encrypted=b"x", scope=UPSERT, connected_at=clock.now())

    db.session.add_all([connection(world.learner, shared), connection(other, shared), connection(other, own)])
    db.session.flush()
    merge_people(world.organisation.id, world.learner.id, other.id)
    db.session.flush()
    kept = db.session.scalars(select(BackpackConnection).order_by(BackpackConnection.id)).all()
    assert [(row.person_id, row.host.base_url) for row in kept] == [
        (world.learner.id, "https://shared.example"), (world.learner.id, "https://own.example")]
