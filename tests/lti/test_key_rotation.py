"""Tool key rotation: a new key is published before it signs, the old one stays published for a grace
period, then is retired; the key-encryption key rotates too. Live cases run against the development LMS."""
from datetime import timedelta

import jwt
import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import select

from app.clock import current_clock
from app.extensions import db
from app.lti.deep_linking import deep_linking_response
from app.lti.keys import (
    RotationUnderWay,
    active_tool_key,
    advance_key_rotation,
    ensure_active_tool_key,
    private_key_pem,
    published_jwks,
    rewrap_private_keys,
    rotate_tool_keys,
    sign_tool_jwt,
)
from app.lti.models import Launch, ToolKey
from app.lti.service_auth import access_token
from app.tenancy.models import Registration

AHEAD = timedelta(hours=1)


def published_kids() -> list[str]:
    return [key["kid"] for key in published_jwks()["keys"]]


def signing_kid() -> str:
    return jwt.get_unverified_header(sign_tool_jwt({"sub": "x"}))["kid"]


@pytest.mark.sqlite
def test_new_key_is_published_before_it_signs_and_the_old_one_retires_after_the_grace_period(app, clock):
    old = ensure_active_tool_key()
    new = rotate_tool_keys(clock.now(), publish_ahead=AHEAD)

    assert published_kids() == [old.kid, new.kid]
    assert signing_kid() == old.kid

    clock.advance(minutes=59)
    advance_key_rotation(clock.now())
    assert signing_kid() == old.kid

    clock.advance(minutes=1)
    advance_key_rotation(clock.now())
    assert signing_kid() == new.kid
    assert old.status == ToolKey.RETIRING and old.kid in published_kids()

    clock.advance(seconds=app.config["TOOL_KEY_GRACE_SECONDS"])
    advance_key_rotation(clock.now())
    assert old.status == ToolKey.RETIRED
    assert published_kids() == [new.kid]
    assert old.private_key_encrypted == b""  # nothing can sign with the old kid again


@pytest.mark.sqlite
def test_a_second_rotation_waits_for_the_first(app, clock):
    ensure_active_tool_key()
    rotate_tool_keys(clock.now(), publish_ahead=AHEAD)

    with pytest.raises(RotationUnderWay):
        rotate_tool_keys(clock.now(), publish_ahead=AHEAD)


@pytest.mark.sqlite
def test_scheduled_rotation_publishes_a_key_when_the_active_one_is_old(app, clock):
    app.config["TOOL_KEY_ROTATION_DAYS"] = 90
    key = ensure_active_tool_key()
    key.created_at = clock.now()
    db.session.flush()

    clock.advance(days=89)
    assert advance_key_rotation(clock.now()) == []
    clock.advance(days=1)
    moves = advance_key_rotation(clock.now())

    assert any("scheduled rotation" in move for move in moves)
    assert db.session.scalars(select(ToolKey).where(ToolKey.status == ToolKey.NEXT)).one()


@pytest.mark.sqlite
def test_key_encryption_key_rotates(app):
    key = ensure_active_tool_key()
    pem = private_key_pem(key)
    new_kek = Fernet.generate_key().decode()
    app.config["KEY_ENCRYPTION_KEYS"] = f"{new_kek},{app.config['KEY_ENCRYPTION_KEYS']}"

    assert rewrap_private_keys() == 1
    app.config["KEY_ENCRYPTION_KEYS"] = new_kek  # the old KEK can now be thrown away

    assert private_key_pem(key) == pem


@pytest.mark.sqlite
def test_rotate_and_advance_commands(runner, app):
    runner.invoke(args=["lti", "keys", "ensure"])

    rotated = runner.invoke(args=["lti", "keys", "rotate", "--publish-ahead", "0"])
    advanced = runner.invoke(args=["lti", "keys", "advance"])
    listed = runner.invoke(args=["lti", "keys", "list"])

    assert "published key" in rotated.output
    assert " active" in advanced.output and "retiring" in advanced.output
    assert listed.output.count("\n") == 2


def rotate_now(app):
    """What `flask lti keys rotate --publish-ahead 0` and the worker's next run do."""
    with app.app_context():
        now = current_clock().now()
        rotate_tool_keys(now, publish_ahead=timedelta(0))
        advance_key_rotation(now)
        db.session.commit()
        return active_tool_key().kid


def test_launches_work_across_a_rotation(lti_world):
    assert lti_world.browser.launch("intl-skills-path", "learner").status_code == 200
    rotate_now(lti_world.app)

    assert lti_world.new_browser().launch("intl-skills-path", "instructor").status_code == 200


def test_client_assertions_before_and_after_a_rotation_are_both_accepted(lti_world):
    with lti_world.app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        first = access_token(
            registration, ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], now=current_clock().now()
        )
        db.session.commit()

    new_kid = rotate_now(lti_world.app)
    with lti_world.app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        second = access_token(
            registration, ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"], now=current_clock().now()
        )

    assert first and second and first != second
    # The LMS cached our key set at the first assertion and fetched it again only for the new kid.
    assert lti_world.tool.requests["/lti/jwks.json"] == 2
    assert new_kid in requests.get(f"{lti_world.tool.url}/lti/jwks.json", timeout=10).text


def test_deep_linking_response_signed_after_a_rotation_is_accepted(lti_world):
    request_form = lti_world.browser.open_deep_linking("intl-skills", "instructor")
    assert lti_world.browser.post_id_token(request_form).status_code == 200
    rotate_now(lti_world.app)

    with lti_world.app.app_context():
        launch = db.session.scalars(select(Launch).where(Launch.message_type == "LtiDeepLinkingRequest")).one()
        return_url, response_jwt = deep_linking_response(
            launch,
            [
                {
                    "type": "ltiResourceLink",
                    "title": "Intercultural competence: Explorer",
                    "custom": {"module": "intercultural-explorer"},
                }
            ],
            now=current_clock().now(),
        )
    answer = lti_world.browser.session.post(return_url, data={"JWT": response_jwt}, timeout=10)

    assert answer.status_code == 200, answer.text[:800]
    assert "Intercultural competence: Explorer" in answer.text
