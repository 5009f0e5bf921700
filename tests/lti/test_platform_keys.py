"""The platform's key set: fetched once, shared, refreshed only for a new kid and at most once a minute."""
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app.extensions import db
from app.lti import platform_keys
from app.lti.exceptions import InvalidToken, PlatformKeysUnavailable
from tests.support.factories import make_registration

pytestmark = pytest.mark.sqlite


def jwk_with_kid(kid: str) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key)), "kid": kid, "alg": "RS256"}


@pytest.fixture
def platform(app, monkeypatch):
    """A registration whose key set the test controls, counting fetches."""
    registration = make_registration()
    db.session.flush()
    published = {"keys": [jwk_with_kid("k1")]}
    fetches = []

    def fetch(url):
        fetches.append(url)
        return json.loads(json.dumps(published))

    monkeypatch.setattr(platform_keys, "fetch_keyset", fetch)
    return registration, published, fetches


def test_key_set_is_fetched_once_for_many_launches(platform):
    registration, _, fetches = platform

    for _ in range(5):
        platform_keys.platform_signing_key(registration, "k1", "RS256")

    assert len(fetches) == 1


def test_rotated_key_is_fetched_when_its_kid_appears(platform, clock):
    registration, published, fetches = platform
    platform_keys.platform_signing_key(registration, "k1", "RS256")
    clock.advance(minutes=5)
    published["keys"].append(jwk_with_kid("k2"))

    platform_keys.platform_signing_key(registration, "k2", "RS256")

    assert len(fetches) == 2


def test_forged_kids_refetch_at_most_once_a_minute(platform, clock):
    registration, _, fetches = platform
    platform_keys.platform_signing_key(registration, "k1", "RS256")

    for n in range(10):
        with pytest.raises(InvalidToken, match="does not publish"):
            platform_keys.platform_signing_key(registration, f"forged-{n}", "RS256")
    assert len(fetches) == 1  # the first fetch was less than a minute ago
    clock.advance(seconds=61)
    for n in range(10):
        with pytest.raises(InvalidToken):
            platform_keys.platform_signing_key(registration, f"forged-later-{n}", "RS256")
    assert len(fetches) == 2


def test_key_for_another_algorithm_is_refused(platform):
    registration, _, _ = platform

    with pytest.raises(InvalidToken, match="RS256"):
        platform_keys.platform_signing_key(registration, "k1", "RS512")


def test_unreachable_key_set_is_explained(app, monkeypatch):
    registration = make_registration(issuer="http://127.0.0.1:9")
    db.session.flush()

    with pytest.raises(PlatformKeysUnavailable) as refused:
        platform_keys.platform_signing_key(registration, "k1", "RS256")

    assert "http://127.0.0.1:9/jwks" in refused.value.hint
