"""The page of values an LMS admin pastes into their LMS: the tool's URLs under BASE_URL and its current key."""
import json
import re

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from app.extensions import db
from app.lti.keys import create_tool_key
from app.lti.tool_values import tool_values

BASE = "https://rexvet.example.org"
PAGE = "/admin/tool-values"


@pytest.fixture
def tool_key(app):
    key = create_tool_key()
    db.session.commit()
    return key


@pytest.fixture
def page(app, admin_client, tool_key):
    app.config["BASE_URL"] = BASE
    return admin_client.get(PAGE).get_data(as_text=True)


def test_the_page_shows_the_tool_urls_under_the_configured_base_url(page):
    for url in (f"{BASE}/lti/login", f"{BASE}/lti/launch", f"{BASE}/lti/jwks.json"):
        assert f'value="{url}"' in page
    assert 'value="rexvet.example.org"' in page  # the domain Blackboard asks for
    assert 'value="module=intercultural-explorer-1"' in page
    assert "module ids are the id of each module file in modules/" in page


def test_the_page_shows_the_current_key_as_pem_and_jwk(page, tool_key):
    assert tool_key.kid in page
    assert "-----BEGIN PUBLIC KEY-----" in page
    assert f"&#34;kid&#34;: &#34;{tool_key.kid}&#34;" in page or f'"kid": "{tool_key.kid}"' in page


def test_each_lms_has_its_own_section_with_its_own_field_names(page):
    for lms_field in ("Initiate login URL", "Redirection URI(s)", "Public keyset", "Content Selection URL",  # Moodle
                      "Login URI", "Target Link URI", "JWK Set URI",  # itslearning
                      "OpenID Connect Initiation Url", "Public JWK URL", "Redirect URIs",  # Canvas
                      "Login Initiation URL", "Tool JWKS URL",  # Blackboard
                      "OpenID Connect Login URL", "Keyset URL"):  # Brightspace
        assert f"{lms_field}</label>" in page, lms_field
    for platform_value in ("Platform ID", "https://canvas.instructure.com", "https://blackboard.com", "Anonymous"):
        assert platform_value in page


def test_every_copyable_value_is_labelled_readonly_and_announced(page):
    ids = re.findall(r'<(?:input|textarea)[^>]*\bid="([^"]+)"[^>]*\bdata-copy', page)
    assert len(ids) > 20
    assert len(ids) == len(set(ids))
    for value_id in ids:
        assert f'<label for="{value_id}">' in page
    # "Copied" is announced beside each button, in a live region copy.js adds after it; the page gives the words.
    assert re.search(r'id="copy-labels" hidden data-copy-label="Copy" data-copied-label="Copied"', page)
    assert '<script src="/static/copy.js" defer></script>' in page


def test_without_a_key_the_page_says_how_to_make_one(app, admin_client):
    text = admin_client.get(PAGE).get_data(as_text=True)

    assert "flask --app wsgi lti keys ensure" in text
    assert "BEGIN PUBLIC KEY" not in text


def test_the_copy_script_is_served(client):
    response = client.get("/static/copy.js")

    assert response.status_code == 200
    script = response.get_data(as_text=True)
    assert "aria-label" in script
    assert 'setAttribute("role", "status")' in script and 'insertAdjacentElement("afterend", status)' in script


@pytest.mark.sqlite
def test_the_pem_is_the_public_half_of_the_published_jwk(app, tool_key):
    with app.test_request_context():
        values = tool_values(BASE + "/")

    from_pem = serialization.load_pem_public_key(values.public_key_pem.encode()).public_numbers()
    from_jwk = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(tool_key.public_jwk)).public_numbers()
    assert (from_pem.n, from_pem.e) == (from_jwk.n, from_jwk.e)
    assert json.loads(values.public_jwk)["kid"] == tool_key.kid
    assert values.login_url == f"{BASE}/lti/login"  # a trailing slash on BASE_URL does not double


def test_moodle_steps_tell_the_admin_to_show_the_tool_in_the_activity_chooser(page):
    """Moodle 4.5 saves a dynamically registered tool as "preconfigured" only: teachers would not find it."""
    moodle = page.split('id="moodle-title"', 1)[1].split("</section>", 1)[0]

    assert "preconfigured tool only, so teachers do not find it in the activity chooser" in moodle
    assert (
        moodle.count("“Show in activity chooser and as a preconfigured tool”") == 2
    )  # registered by itself, or by hand
    assert "one-time registration URL" in moodle
