"""Launch forgery over HTTP against the production app under gunicorn (2 gthread workers) on PostgreSQL.

A representative subset of the rejection table in tests/lti/test_launch_validation.py (which runs every row
in-process): one row per check the launch makes, each a real launch from the development LMS with one thing
forged, answered by whichever worker the request reaches.
"""
import re

from tests.support.gunicorn import LINK

FORGED = [
    ("unknown_issuer", 401, "not registered"),
    ("bad_signature", 401, "signature does not verify"),
    ("unknown_kid", 401, "key the LMS does not publish"),
    ("alg_none", 401, "never accepted"),
    ("alg_hs256", 401, "never accepted"),
    ("expired", 401, "expired"),
    ("iat_future", 401, "issued in the future"),
    ("aud_other", 400, "authorized party"),
    ("nonce_mismatch", 401, "nonce does not match"),
    ("wrong_version", 400, "Unsupported LTI version"),
    ("missing_roles", 400, "lacks required claims"),
]


def test_every_forged_or_replayed_launch_is_refused_by_the_workers(gunicorn_tool):
    """One gunicorn start for the whole table (a start takes seconds); each row is its own browser."""
    from tests.support.lti_browser import LtiBrowser

    devlms = gunicorn_tool
    refused = {}
    for tamper, status, explanation in FORGED:
        response = LtiBrowser(devlms.url).launch(LINK, "learner", tamper=tamper)
        refused[tamper] = response.status_code
        assert response.status_code == status, f"{tamper}: {response.status_code} {response.text[:300]}"
        assert explanation in response.text, tamper
        assert re.search(r"Reference for support: [0-9a-f]{12}", response.text), tamper
        assert "launch_token" not in response.url, tamper
    first = LtiBrowser(devlms.url)
    form = first.open_launch(LINK, "learner")
    assert first.post_id_token(form).status_code == 200, "the control: the same launch, unforged, opens the path"
    stolen = LtiBrowser(devlms.url).post_id_token(form)  # the id_token replayed from another browser
    assert stolen.status_code == 401
    assert "already used" in stolen.text

