"""Access tokens for LMS services: cached for every process, and refusals explained with the LMS's answer."""
import pytest
from sqlalchemy import select

from app.clock import current_clock
from app.extensions import db
from app.lti.service_auth import PlatformRefusedToken, access_token
from app.tenancy.models import Registration

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def registration_of(world) -> Registration:
    return db.session.scalars(select(Registration)).one()


def test_token_is_fetched_once_and_shared_until_it_expires(lti_world):
    with lti_world.app.app_context():
        registration = registration_of(lti_world)
        first = access_token(registration, [SCORE], now=current_clock().now())
        db.session.commit()
        again = access_token(registration, [SCORE], now=current_clock().now())

    assert first == again
    assert lti_world.devlms.requests["/lti/token"] == 1


def test_refused_token_names_the_status_the_scopes_and_the_lms_answer(lti_world, caplog):
    with lti_world.app.app_context():
        registration = registration_of(lti_world)
        registration.auth_audience = "https://somewhere-else.example/token"  # a wrong aud in our assertion
        with pytest.raises(PlatformRefusedToken) as refused:
            access_token(registration, [SCORE], now=current_clock().now())

    assert "HTTP 401" in refused.value.message
    assert SCORE in refused.value.hint and "invalid_client" in refused.value.hint
    assert "invalid_client" in caplog.text
