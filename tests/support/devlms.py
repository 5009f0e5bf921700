"""The development LMS's tests' side: its addresses, a fake tool with its own key, and the LTI actions a test
takes against the LMS. Like tests/devlms, nothing here depends on the tool (`app/`)."""

import json
import uuid
from html.parser import HTMLParser

import jwt
from jwt.algorithms import RSAAlgorithm

from devlms import clock
from devlms.lti.constants import (
    CONTENT_ITEMS,
    DEEP_LINKING_DATA,
    DEEP_LINKING_RESPONSE,
    DEPLOYMENT_ID,
    LTI_VERSION,
    MESSAGE_TYPE,
    VERSION,
)

BASE_URL = "http://localhost:5001"
TOOL_BASE_URL = "http://127.0.0.1:5000"
CLIENT_ID = "rexvet-dev-tool"
TOKEN_URL = BASE_URL + "/lti/token"
TOOL_LAUNCH_URL = TOOL_BASE_URL + "/lti/launch"
NOW = 1_800_000_000


class FakeTool:
    """The tool's side of the protocol, just enough to drive the platform: its key, assertions, DL responses."""

    def __init__(self, private_key, kid: str = "fake-tool-key"):
        self.private_key = private_key
        self.kid = kid

    @property
    def jwks(self) -> dict:
        """The tool's public JWKS."""
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def sign(self, claims: dict, *, headers: dict | None = None, key=None) -> str:
        """An RS256 JWT of the claims; a claim given as None is left out."""
        claims = {name: value for name, value in claims.items() if value is not None}
        headers = {"kid": self.kid, **(headers or {})}
        return jwt.encode(claims, key or self.private_key, algorithm="RS256", headers=headers)

    def client_assertion(self, *, headers: dict | None = None, key=None, **claims) -> str:
        """A client assertion as pylti1p3 builds one (iat 5 s ago, exp in 60 s), with claims overridden."""
        now = clock.now()
        defaults = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_URL, "iat": now - 5, "exp": now + 60,
                    "jti": f"lti-service-token-{uuid.uuid4()}"}
        return self.sign({**defaults, **claims}, headers=headers, key=key)

    def deep_linking_response(self, settings: dict, deployment_id: str, items: list, **claims) -> str:
        """An LtiDeepLinkingResponse answering a request's deep_linking_settings."""
        now = clock.now()
        defaults = {
            "iss": CLIENT_ID, "aud": BASE_URL, "iat": now, "exp": now + 600, "nonce": f"nonce-{uuid.uuid4()}",
            MESSAGE_TYPE: DEEP_LINKING_RESPONSE, VERSION: LTI_VERSION, DEPLOYMENT_ID: deployment_id,
            DEEP_LINKING_DATA: settings["data"], CONTENT_ITEMS: items,
        }
        return self.sign({**defaults, **claims})


class FormParser(HTMLParser):
    """The first form of a page: its action and its input fields."""

    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action")
        elif tag == "input" and attributes.get("name"):
            self.fields.setdefault(attributes["name"], attributes.get("value", ""))


def posted_form(response) -> tuple[str, dict]:
    """The action and fields of the auto-submitting form on a page."""
    parser = FormParser()
    parser.feed(response.get_data(as_text=True))
    return parser.action, parser.fields


class LmsActions:
    """Drive the platform as the browser and the tool would: launch, fetch tokens, call services."""

    def __init__(self, app, client, tool: FakeTool):
        self.app, self.client, self.tool = app, client, tool

    def login_initiation(self, link_id: str = "intl-skills-path", user: str = "learner", **options) -> dict:
        """The fields the platform posts to the tool's login URL for a launch."""
        response = self.client.get(f"/launch/{link_id}", query_string={"user": user, **options})
        assert response.status_code == 200, response.get_data(as_text=True)
        return posted_form(response)[1]

    def deep_linking_initiation(self, course_id: str = "intl-skills", user: str = "instructor", **options) -> dict:
        """The fields the platform posts to the tool's login URL to start Deep Linking."""
        response = self.client.get(f"/deep-link/{course_id}", query_string={"user": user, **options})
        assert response.status_code == 200, response.get_data(as_text=True)
        return posted_form(response)[1]

    @staticmethod
    def auth_params(initiation: dict, **overrides) -> dict:
        """The OIDC authentication request a correct tool sends after that login initiation."""
        params = {
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
            "client_id": initiation["client_id"], "redirect_uri": TOOL_LAUNCH_URL,
            "login_hint": initiation["login_hint"], "lti_message_hint": initiation["lti_message_hint"],
            "state": "state-from-the-tool", "nonce": "nonce-from-the-tool",
        }
        return {name: value for name, value in {**params, **overrides}.items() if value is not None}

    def authorize(self, params: dict):
        """Send the authentication request the way pylti1p3 does: a redirect, so a GET."""
        return self.client.get("/lti/auth", query_string=params)

    def id_token(self, link_id: str = "intl-skills-path", user: str = "learner", **options) -> str:
        """The id_token of a whole launch, as the tool receives it."""
        response = self.authorize(self.auth_params(self.login_initiation(link_id, user, **options)))
        assert response.status_code == 200, response.get_data(as_text=True)
        return posted_form(response)[1]["id_token"]

    def launch(self, link_id: str = "intl-skills-path", user: str = "learner", **options) -> dict:
        """The verified claims of a whole launch."""
        return self.verify(self.id_token(link_id, user, **options))

    def deep_linking_launch(self, course_id: str = "intl-skills", user: str = "instructor", **options) -> dict:
        """The verified claims of an LtiDeepLinkingRequest."""
        initiation = self.deep_linking_initiation(course_id, user, **options)
        response = self.authorize(self.auth_params(initiation))
        assert response.status_code == 200, response.get_data(as_text=True)
        return self.verify(posted_form(response)[1]["id_token"])

    def verify(self, token: str) -> dict:
        """Verify an id_token with the platform's published JWKS, as a strict tool would."""
        header = jwt.get_unverified_header(token)
        jwk = next(key for key in self.client.get("/lti/jwks").json["keys"] if key["kid"] == header["kid"])
        return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=CLIENT_ID,
                          options={"verify_exp": False, "verify_iat": False})

    def rows(self, model, **filters) -> list:
        """Rows of one of the LMS's tables, read in a context of their own (as a separate process would)."""
        from devlms.extensions import db

        with self.app.app_context():
            query = db.select(model).filter_by(**filters).order_by(*model.__table__.primary_key)
            return db.session.scalars(query).all()

    def request_token(self, assertion: str | None = None, scope: str = "", **form):
        """POST a client-credentials request to the token endpoint."""
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion or self.tool.client_assertion(),
            "scope": scope,
            **form,
        }
        return self.client.post("/lti/token", data={k: v for k, v in data.items() if v is not None})

    def access_token(self, *scopes: str) -> str:
        """A valid access token for these scopes."""
        response = self.request_token(scope=" ".join(scopes))
        assert response.status_code == 200, response.json
        return response.json["access_token"]

    def service(self, method: str, url: str, token: str, *, json_body=None, media_type: str | None = None,
                raw: bytes | None = None):
        """Call an LTI service URL (absolute, as the claims give it) with a bearer token."""
        path = url.removeprefix(BASE_URL)
        headers = {"Authorization": f"Bearer {token}"}
        data = raw if raw is not None else (None if json_body is None else json.dumps(json_body))
        return self.client.open(path, method=method, headers=headers, data=data, content_type=media_type)
