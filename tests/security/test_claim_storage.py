"""Correctly signed launches with claims no column was made for: too long, holding a NUL, of the wrong JSON type.

Every claim the launch stores (in a column, or in the JSON kept with the launch) × each kind of bad value is
either refused with a clear 400 or accepted and stored so that it fits: never a database error (before these rules, 16
of 31 such launches answered 500). The table says which, so it is the policy as well as its proof:

- a NUL (or other text no column can hold) anywhere in the token: refused;
- identifiers and service URLs (and roles, AGS scopes) of the wrong JSON type, or too long: refused (cutting
  them would change what they name, ignoring them would silently lose grades or the roster);
- display text of the wrong type is not kept (a name missing from a page, not a launch refused); too long, it
  is shortened to its column, an over-long e-mail is not kept, and a locale keeps its leading subtags;
- everything else (custom parameters, tool_platform, launch_presentation) is kept as the JSON it came as.

The token's signature, times, nonce and state count as checked here (their own table is
tests/lti/test_launch_validation.py); the launch is recorded as /lti/launch records it, listeners included.
"""

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app

from app.clock import current_clock
from app.errors import AppError
from app.events import launch_completed
from app.extensions import db
from app.lti import constants as claims
from app.lti.launch import record_launch, validate_launch
from app.lti.session import issue_session_token
from app.tenancy.models import Course, Organisation, Person
from tests.support.factories import count_launches_as_signed, make_world

pytestmark = pytest.mark.sqlite

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
MODULE = "erasmus-plus-for-vet"
LMS = "https://lms.example.org/"
LP, RL, TP = claims.LAUNCH_PRESENTATION, claims.RESOURCE_LINK, claims.TOOL_PLATFORM
AGS, NRPS = claims.AGS_ENDPOINT, claims.NRPS_SERVICE


@pytest.fixture
def signed(app, monkeypatch):
    """The world, with the token's signature, times, nonce and state counting as checked."""
    count_launches_as_signed(monkeypatch, KEY)
    world = make_world()
    db.session.commit()  # the launch commits as it validates; each case's own writes are rolled back
    return world


def full_claims(world) -> dict:
    """A learner's launch of a module link carrying every claim the tool stores."""
    return {
        "iss": world.registration.issuer, "aud": world.registration.client_id, "nonce": "n", "iat": 0, "exp": 2**31,
        "sub": "learner-1", "name": "Lea Learner", "given_name": "Lea", "family_name": "Learner",
        "email": "lea@example.org",
        claims.VERSION: "1.3.0", claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST,
        claims.DEPLOYMENT_ID: world.deployment.deployment_id, claims.TARGET_LINK_URI: "https://localhost/",
        claims.ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        RL: {"id": "link-1", "title": "International skills"},
        claims.CONTEXT: {"id": "course-1", "label": "INT-1", "title": "International skills 1"},
        claims.CUSTOM: {"module": MODULE, "extra": "kept"},
        LP: {"locale": "fi-FI", "return_url": LMS + "return", "document_target": "iframe"},
        TP: {"guid": "platform-1", "name": "Moodle of Omnia", "product_family_code": "moodle", "version": "4.3"},
        AGS: {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], "lineitem": LMS + "lineitems/1",
              "lineitems": LMS + "lineitems"},
        NRPS: {"context_memberships_url": LMS + "memberships", "service_versions": ["2.0"]},
    }


# (claim path, is it a URL): every value the launch stores. A number in a path is a list index.
FIELDS = [
    (("sub",), False), (("name",), False), (("given_name",), False), (("family_name",), False), (("email",), False),
    ((LP, "locale"), False), ((LP, "return_url"), True), ((LP, "document_target"), False),
    ((claims.CONTEXT, "id"), False), ((claims.CONTEXT, "label"), False), ((claims.CONTEXT, "title"), False),
    ((RL, "id"), False), ((RL, "title"), False), ((claims.DEPLOYMENT_ID,), False), ((claims.TARGET_LINK_URI,), True),
    ((claims.ROLES, 0), False), ((claims.CUSTOM, "module"), False), ((claims.CUSTOM, "extra"), False),
    ((AGS, "lineitem"), True), ((AGS, "lineitems"), True), ((AGS, "scope", 0), False),
    ((NRPS, "context_memberships_url"), True),
    ((TP, "guid"), False), ((TP, "name"), False), ((TP, "product_family_code"), False), ((TP, "version"), False),
]
# Refused when too long: cutting them would change what they name (a person, site, course, link, service).
IDENTIFIERS = {("sub",), (claims.DEPLOYMENT_ID,), (claims.CONTEXT, "id"), (RL, "id"), (AGS, "lineitem"),
               (AGS, "lineitems"), (NRPS, "context_memberships_url")}
# Refused when not text, besides the identifiers: the claims the tool reads as text or lists of text.
MUST_BE_TEXT = IDENTIFIERS | {(claims.TARGET_LINK_URI,), (claims.ROLES, 0), (AGS, "scope", 0)}
VARIANTS = {
    "over-long": lambda url: (LMS if url else "") + "x" * 5000,
    "NUL": lambda url: (LMS if url else "") + "a\x00b",
    "lone surrogate": lambda url: (LMS if url else "") + "a\ud800b",
    "number": lambda url: 42,
    "huge int": lambda url: 2**70,
    "float": lambda url: 1.5,
    "boolean": lambda url: True,
    "object": lambda url: {"id": "x"},
    "list": lambda url: ["x"],
}
REFUSED, ACCEPTED = "refused with a 400", "accepted, stored to fit"


def expected(path: tuple, variant: str) -> str:
    if variant in ("NUL", "lone surrogate"):
        return REFUSED
    if variant == "over-long":
        return REFUSED if path in IDENTIFIERS else ACCEPTED
    return REFUSED if path in MUST_BE_TEXT else ACCEPTED


CASES = [(path, url, variant, expected(path, variant)) for path, url in FIELDS for variant in VARIANTS]


def _set(body: dict, path: tuple, value) -> None:
    *outer, last = path
    for key in outer:
        body = body[key]
    body[last] = value


def launch_with(world, body: dict):
    """Validate and record the launch as /lti/launch does; the refusal if there is one."""
    token = jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k"})
    now = current_clock().now()
    try:
        launch, _token = record_launch(validate_launch({"id_token": token, "state": "s"}, {}, now=now), now=now)
        # As the route does: grades, roster and reports write in the launch's transaction.
        launch_completed.send(current_app._get_current_object(), launch=launch)
        db.session.flush()
    except AppError as error:
        db.session.rollback()
        return error
    return launch


def values_too_long_for_their_columns() -> list[str]:
    """Every stored text longer than its column (SQLite stores them; PostgreSQL would have refused)."""
    found = []
    for table in db.metadata.sorted_tables:
        limited = [column for column in table.columns if isinstance(column.type, sa.String) and column.type.length]
        for row in db.session.execute(sa.select(*limited)) if limited else ():
            found += [f"{table.name}.{column.name}" for column, value in zip(limited, row, strict=True)
                      if isinstance(value, str) and len(value) > column.type.length]
    return found


def _case_id(path: tuple, variant: str) -> str:
    return ".".join(str(key).rsplit("/", 1)[-1] for key in path) + "-" + variant


@pytest.mark.parametrize("path, url, variant, outcome", CASES,
                         ids=[_case_id(path, variant) for path, _url, variant, _outcome in CASES])
def test_a_bad_claim_value_is_refused_clearly_or_stored_to_fit(app, signed, path, url, variant, outcome):
    body = full_claims(signed)
    _set(body, path, VARIANTS[variant](url))

    try:
        result = launch_with(signed, body)
        if outcome == REFUSED:
            assert isinstance(result, AppError), f"{path} {variant}: accepted, the table says refused"
            assert result.status == 400 and result.message, result
        else:
            assert not isinstance(result, AppError), f"{path} {variant}: refused ({result}), the table says accepted"
            assert values_too_long_for_their_columns() == []
    finally:
        db.session.rollback()


def test_the_whole_launch_is_accepted_as_a_control(app, signed):
    launch = launch_with(signed, full_claims(signed))

    assert not isinstance(launch, AppError), launch
    assert launch.locale == "fi-FI" and launch.resource_link_id == "link-1"
    db.session.rollback()


def test_refusals_name_the_claim_and_its_limit(app, signed):
    body = full_claims(signed)
    body["sub"] = "s" * 256
    body[claims.CONTEXT]["id"] = "c" * 300

    error = launch_with(signed, body)

    assert "sub has 256 characters, at most 255 are accepted" in error.message
    assert f"{claims.CONTEXT} id has 300 characters, at most 255 are accepted" in error.message


def test_a_nul_is_refused_naming_where_it_is(app, signed):
    body = full_claims(signed)
    body[claims.CUSTOM]["extra"] = "a\x00b"

    error = launch_with(signed, body)

    assert error.message == "The id_token contains a NUL character (in extra), which no text may hold."


def test_display_text_is_shortened_to_fit_and_an_overlong_email_is_not_kept(app, signed):
    body = full_claims(signed)
    body.update(name="N" * 400, email="e" * 400 + "@example.org")
    body[claims.CONTEXT]["label"] = "L" * 300

    launch = launch_with(signed, body)

    person, course = db.session.get(Person, launch.person_id), db.session.get(Course, launch.course_id)
    assert person.name == "N" * 299 + "…" and person.email is None
    assert course.label == "L" * 254 + "…"
    db.session.rollback()


def test_a_new_site_with_long_names_gets_an_organisation_that_fits(app, signed):
    body = full_claims(signed)
    body[claims.DEPLOYMENT_ID] = "d" * 500  # the longest a deployment id may be
    del body[TP]["name"]  # the organisation is then named after the registration and the deployment id

    launch = launch_with(signed, body)

    organisation = db.session.get(Organisation, launch.organisation_id)
    assert organisation.name.startswith(signed.registration.name + " · ddd") and len(organisation.name) == 200
    db.session.rollback()


@pytest.mark.parametrize("sent, kept, page_language", [
    ("de-DE-x-verylongprivateuse-tag", "de-DE", "en"),  # German is not offered: the browser's choice (English)
    ("fi-FI-x-verylongprivateuse-tag", "fi-FI", "fi"),
    ("es-ES-u-ca-gregory-x-private-ext", "es-ES-u-ca-gregory", "es"),
    ("et_EE", "et-EE", "et"),
    ("x" * 40, None, "en"),  # no subtag fits: no locale kept
])
def test_a_valid_locale_longer_than_its_column_keeps_its_language(app, client, signed, sent, kept, page_language):
    body = full_claims(signed)
    body[LP]["locale"] = sent

    launch = launch_with(signed, body)
    client.launch_token = issue_session_token(launch)
    db.session.flush()
    page = client.get("/", headers={"Accept-Language": "en"})

    assert launch.locale == kept and db.session.get(Person, launch.person_id).locale == kept
    assert f'<html lang="{page_language}">' in page.get_data(as_text=True)
    db.session.rollback()


@pytest.mark.parametrize("change, status, says", [
    (lambda body: body.update(sub="s" * 256), 400, "sub has 256 characters, at most 255 are accepted"),
    (lambda body: body[claims.CONTEXT].update(id={"en": "x"}), 400, "claims of the wrong type"),
    (lambda body: body[claims.CONTEXT].update(title={"en": "x"}), 303, None),
    (lambda body: body.update(name="a\x00b"), 400, "NUL character (in name)"),
    (lambda body: body[LP].update(locale="de-DE-x-verylongprivateuse-tag"), 303, None),
    (lambda body: body.update(name="N" * 5000), 303, None),
], ids=["identifier too long", "identifier of the wrong type", "title of the wrong type", "NUL", "long locale",
        "long name"])
def test_over_http_a_bad_claim_is_a_400_page_or_a_launch(app, client, signed, change, status, says):
    app.config["LTI_RATE_LIMIT"] = "1000000 per minute"
    body = full_claims(signed)
    change(body)

    response = client.post("/lti/launch", data={"id_token": jwt.encode(body, KEY, algorithm="RS256",
                                                                       headers={"kid": "k"}), "state": "s"})

    assert response.status_code == status, response.get_data(as_text=True)[:800]
    if says:
        assert says in response.get_data(as_text=True)
