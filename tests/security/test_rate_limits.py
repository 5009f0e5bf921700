"""Rate limits on the public endpoints: per client address and endpoint, with a clear answer when reached.

The limits are configuration (LTI_RATE_LIMIT, BADGE_RATE_LIMIT; docs/security.md); each test lowers one so
that a few requests reach it. Storage is memory:// here and in development, Redis in production.
"""
import pytest

from app.badges.models import BadgeAward
from app.config import Config
from app.extensions import db
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, make_launch, make_world

pytestmark = pytest.mark.sqlite


def test_the_defaults_let_a_whole_class_behind_one_address_launch_at_once(app):
    """A college's learners often share one NAT address: 30 logins and 30 launches a minute is far below it."""
    from limits import parse_many

    for setting in ("LTI_RATE_LIMIT", "BADGE_RATE_LIMIT"):
        per_minute = [limit.amount * 60 / limit.get_expiry() for limit in parse_many(app.config[setting])]
        assert min(per_minute) >= 300, setting


@pytest.mark.parametrize("method, url", [("GET", "/lti/login"), ("POST", "/lti/login"), ("POST", "/lti/launch")])
def test_lti_endpoints_answer_429_past_the_limit(app, client, method, url):
    app.config["LTI_RATE_LIMIT"] = "3 per minute"
    answers = [client.open(url, method=method).status_code for _ in range(4)]

    assert all(status != 429 for status in answers[:3]), answers
    assert answers[3] == 429
    page = client.open(url, method=method)
    assert page.status_code == 429
    assert "Too many requests from your network" in page.get_data(as_text=True)


def test_registration_has_its_own_much_lower_limit(app, client):
    """Each registration makes the tool call an LMS: a few a minute per address, whatever LTI_RATE_LIMIT allows."""
    from limits import parse_many

    per_hour = [limit.amount * 3600 / limit.get_expiry() for limit in parse_many(Config.REGISTRATION_RATE_LIMIT)]
    assert min(per_hour) <= 60 and Config.REGISTRATION_RATE_LIMIT != app.config["LTI_RATE_LIMIT"]
    app.config["REGISTRATION_RATE_LIMIT"] = "3 per minute"

    answers = [client.get("/lti/register").status_code for _ in range(4)]

    assert all(status != 429 for status in answers[:3]), answers
    assert answers[3] == 429
    assert "Too many registrations from your network" in client.get("/lti/register").get_data(as_text=True)


def test_each_endpoint_and_each_address_counts_apart(app, client):
    app.config["LTI_RATE_LIMIT"] = "2 per minute"
    for _ in range(3):
        client.get("/lti/login")
    assert client.get("/lti/login").status_code == 429

    assert client.post("/lti/launch").status_code != 429
    assert client.get("/lti/login", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code != 429


def test_the_tools_public_keys_are_never_limited(app, client):
    app.config["LTI_RATE_LIMIT"] = "1 per minute"

    assert [client.get("/lti/jwks.json").status_code for _ in range(5)] == [200] * 5


def test_badge_verification_urls_answer_429_past_the_limit(app, client, clock):
    world = make_world()
    complete_module(app, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()), "erasmus-plus-for-vet",
                    now=clock.now())
    award = db.session.query(BadgeAward).one()
    db.session.flush()
    app.config["BADGE_RATE_LIMIT"] = "2 per minute"
    url = f"/badges/awards/{award.public_id}"

    answers = [client.get(url).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert client.get(f"/badges/credentials/{award.public_id}").status_code == 200  # its own counter


def test_the_refusal_says_when_to_try_again(app, client):
    app.config["LTI_RATE_LIMIT"] = "1 per minute"
    client.get("/lti/login")

    refused = client.get("/lti/login")

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_every_limit_of_a_setting_holds_and_a_form_page_itself_is_not_counted(app, client):
    """"5 per minute;30 per hour": the tighter refuses first. The admin login counts its POSTs only: each attempt
    below opens the form page first, and the third POST is the first refused."""
    from tests.support.admin import log_in

    app.config["ADMIN_LOGIN_RATE_LIMIT"] = "100 per minute;2 per hour"

    attempts = [log_in(client, "nobody", "a wrong guess").status_code for _ in range(3)]

    assert 429 not in attempts[:2] and attempts[2] == 429, attempts


def test_pages_without_a_limit_count_nothing(app, client):
    from limits.storage import MemoryStorage

    from app.rate_limits import rate_limits

    rate_limits.reset(app)
    counters = app.extensions["rate_limits"].storage
    assert isinstance(counters, MemoryStorage)  # as in development and every test
    for _ in range(3):
        client.get("/lti/jwks.json")
    assert not counters.storage

    client.get("/lti/login")
    assert list(counters.storage.values()) == [1]
