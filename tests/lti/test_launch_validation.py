"""Every launch the tool must refuse: a real launch through the development LMS with one thing changed.

Each row asserts the status, the page's explanation, a support reference that is also in the log,
and that no tool session exists afterwards.
"""
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.lti.models import Launch
from app.tenancy.models import Deployment, Registration

LINK, LEARNER = "intl-skills-path", "learner"


def set_registration(app, **values):
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        for name, value in values.items():
            setattr(registration, name, value)
        db.session.commit()


def disable_deployment(app, deployment_id):
    with app.app_context():
        deployment = db.session.scalars(select(Deployment).where(Deployment.deployment_id == deployment_id)).one()
        deployment.status = Deployment.DISABLED
        db.session.commit()


def tampered(option):
    return lambda world: world.browser.launch(LINK, LEARNER, tamper=option)


def with_registration(launch_query=None, **values):
    def run(world):
        set_registration(world.app, **values)
        return world.browser.launch(LINK, LEARNER, **(launch_query or {}))
    return run


def disabled_deployment(world):
    disable_deployment(world.app, "devlms-site-2")
    return world.browser.launch(LINK, LEARNER, deployment="devlms-site-2")


def replayed(world):
    form = world.browser.open_launch(LINK, LEARNER)
    assert world.browser.post_id_token(form).status_code == 200
    return world.browser.post_id_token(form)


def replayed_in_another_browser(world):
    form = world.browser.open_launch(LINK, LEARNER)
    assert world.browser.post_id_token(form).status_code == 200
    world.browser = world.new_browser()
    return world.browser.post_id_token(form)


def without_state(world):
    form = world.browser.open_launch(LINK, LEARNER)
    del form.fields["state"]
    return world.browser.post_id_token(form)


def with_other_state(world):
    form = world.browser.open_launch(LINK, LEARNER)
    form.fields["state"] = "a-state-this-browser-never-got"
    return world.browser.post_id_token(form)


def without_state_cookie(**proof):
    """The state cookie is gone; the form says platform storage was tried, with this (wrong) proof if any."""
    def run(world):
        form = world.browser.open_launch(LINK, LEARNER)
        world.browser.session.cookies.clear()
        form.fields.update(lti_storage_checked="1", **proof)
        return world.browser.post_id_token(form)
    return run


def without_id_token(world):
    form = world.browser.open_launch(LINK, LEARNER)
    form.fields["id_token"] = "not.a-jwt"
    return world.browser.post_id_token(form)


REFUSALS = [
    ("unknown issuer", tampered("unknown_issuer"), 401, "not registered"),
    ("unknown client_id", tampered("unknown_client_id"), 401, "not registered"),
    (
        "unknown deployment held for approval",
        with_registration({"tamper": "unknown_deployment"}, new_deployment_policy=Registration.POLICY_HOLD_PENDING),
        403,
        "waiting for approval",
    ),
    ("disabled deployment", disabled_deployment, 403, "disabled"),
    ("disabled registration", with_registration(status=Registration.DISABLED), 403, "disabled"),
    ("bad signature", tampered("bad_signature"), 401, "signature does not verify"),
    ("key not in the platform's JWKS", tampered("unknown_kid"), 401, "key the LMS does not publish"),
    ("alg none", tampered("alg_none"), 401, "never accepted"),
    ("alg HS256", tampered("alg_hs256"), 401, "never accepted"),
    ("alg other than the registered one", with_registration(allowed_algorithms=["RS512"]), 401, "does not allow"),
    ("expired exp", tampered("expired"), 401, "expired"),
    ("iat in the future", tampered("iat_future"), 401, "issued in the future"),
    ("aud without our client_id", tampered("aud_other"), 400, "authorized party"),
    ("several audiences without azp", tampered("aud_list_no_azp"), 400, "no authorized party"),
    ("azp not ours", tampered("aud_list_wrong_azp"), 401, "not registered"),
    ("nonce already used", replayed, 401, "already used"),
    ("nonce already used, from another browser", replayed_in_another_browser, 401, "already used"),
    ("nonce not the one the login sent", tampered("nonce_mismatch"), 401, "nonce does not match"),
    ("missing state", without_state, 401, "no state"),
    ("state this browser never got", with_other_state, 401, "does not match a login started here"),
    ("state cookie missing, no other proof", without_state_cookie(), 401, "did not come back to the browser"),
    (
        "platform-storage secret wrong",
        without_state_cookie(lti_storage_secret="guessed"),
        401,
        "did not come back to the browser",
    ),
    (
        "new-window continuation secret wrong",
        without_state_cookie(lti_continuation="guessed"),
        401,
        "did not come back to the browser",
    ),
    ("wrong LTI version", tampered("wrong_version"), 400, "Unsupported LTI version"),
    ("unknown message type", tampered("unknown_message_type"), 400, "Unsupported LTI message type"),
    ("missing roles", tampered("missing_roles"), 400, "lacks required claims"),
    ("missing resource link", tampered("missing_resource_link"), 400, "lacks required claims"),
    ("missing deployment_id", tampered("missing_deployment_id"), 400, "lacks required claims"),
    ("missing sub", tampered("missing_sub"), 400, "lacks required claims"),
    ("id_token not a JWT", without_id_token, 400, "not a well-formed JWT"),
]


@pytest.mark.parametrize("case, launch, status, explanation", REFUSALS, ids=[row[0] for row in REFUSALS])
def test_launch_is_refused(lti_world, caplog, case, launch, status, explanation):
    response = launch(lti_world)

    assert response.status_code == status, response.text[:800]
    assert explanation in response.text
    reference = re.search(r"Reference for support: ([0-9a-f]{12})", response.text).group(1)
    assert any(reference in record.getMessage() for record in caplog.records)
    with lti_world.app.app_context():
        launches = db.session.scalar(select(func.count()).select_from(Launch))
    assert launches == (1 if case.startswith("nonce already used") else 0)
    assert "launch_token" not in response.url
