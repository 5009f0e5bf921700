"""Every page type opens without error, on SQLite as on PostgreSQL: each GET route of the url_map, requested as the
role that may use it with its path parameters taken from one seeded organisation (tests/support/seed_world.py:
people, self-assessments, completions, badges, scores, reviewed and revoked work over four months), answers 200
or its documented redirect, in English and in Finnish. A route the test does not request is listed in SKIPPED with
the reason; a new route in neither table fails the test, and so does a table entry whose route no longer exists.

Adding a route is one line in ROUTES:

    "feature.action": Case("learner", lambda s: {"thing_id": s.thing_id}),

- the role is one of ROLES below (a launch of that person, or the installation admin's login, or nobody);
- the params function takes the SeededOrganisation and returns the route's path parameters (add a field to
  SeededOrganisation, filled in seed_organisation, when the route needs something new);
- `expect` is 200 (the default) or (status, path prefix) for a redirect, e.g. (302, "/"), or another status
  where that is the page's documented answer (say why in a comment); `query` adds a query string. Several cases
  for one route: a tuple of Cases (each is its own test, named by its role and query).
"""
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import url_for

from app.clock import FrozenClock
from app.extensions import db
from app.rate_limits import rate_limits
from tests.support.admin import log_in
from tests.support.app import BACKEND, make_app, truncate_all
from tests.support.seed_world import DEMONSTRATED, LOCALES, MODULES, SeededOrganisation, seed_organisation

pytestmark = pytest.mark.sqlite


@dataclass(frozen=True)
class Case:
    """How to request one route: as whom, with which path parameters, and what it answers."""
    role: str
    params: Callable[[SeededOrganisation], dict] = lambda seed: {}
    expect: int | tuple[int, str] = 200
    query: str = ""


# Who requests: a launch of the seeded organisation's person of that role (its token on the URL, as the pages of a
# launch carry it), the installation admin's login cookie, or nobody (public pages and documents).
ROLES = ("public", "learner", "mentor", "instructor", "organisation admin", "deep linking", "installation admin")

ORG = lambda s: {"organisation_id": s.organisation_id}  # noqa: E731  (the admin's organisation pages)
PERSON = lambda s: {"person_id": s.learner_id}  # noqa: E731
ADMIN_PERSON = lambda s: {"organisation_id": s.organisation_id, "person_id": s.learner_id}  # noqa: E731
AWARD = lambda s: {"award_id": s.award_id}  # noqa: E731
REVIEWED = lambda s: {"award_id": s.reviewed_award_id}  # noqa: E731
REVOKED = lambda s: {"award_id": s.revoked_award_id}  # noqa: E731
ISSUER = lambda s: {"issuer_id": s.badge_issuer_id}  # noqa: E731
COURSE = lambda s: {"course_id": s.course_id}  # noqa: E731
BADGE = lambda s: {"issuer_id": s.badge_issuer_id, "badge_id": s.badge_id}  # noqa: E731

ROUTES: dict[str, Case | tuple[Case, ...]] = {
    # the learner's pages in the LMS
    "learning.home": (Case("learner"), Case("mentor"), Case("instructor"), Case("organisation admin")),
    "learning.start": Case("learner", expect=(302, "/")),
    "learning.self_assessment": Case("learner"),
    "learning.self_assessment_step": (Case("learner", lambda s: {"area_id": s.area_id}),
                                      Case("mentor", lambda s: {"area_id": s.area_id})),
    "learning.self_assessment_history": (Case("learner"), Case("mentor")),
    "learning.self_assessment_report": Case("learner", lambda s: {"assessment_id": s.assessment_id}),
    "learning.module": (Case("learner", lambda s: {"module_id": s.module_id},  # completed: its summary
                             expect=(302, f"/modules/{MODULES[0]}/summary")),
                        Case("mentor", lambda s: {"module_id": s.module_id}, expect=(302, "/modules/"))),
    "learning.section": (Case("learner", lambda s: {"module_id": s.module_id, "section_id": s.section_id}),
                         Case("mentor", lambda s: {"module_id": s.module_id, "section_id": s.section_id})),
    "learning.module_summary": (Case("learner", lambda s: {"module_id": s.module_id}),
                                Case("mentor", lambda s: {"module_id": s.module_id}, expect=(302, "/modules/"))),
    "badges.mine": (Case("learner"), Case("mentor")),
    "my_data.page": (Case("learner"), Case("mentor"), Case("organisation admin")),
    "my_data.download_json": Case("learner"),
    "my_data.download_csv": Case("learner"),
    "badges.download_all": Case("learner"),
    "badge_work.brief": (Case("learner", lambda s: {"badge_id": DEMONSTRATED}),  # accepted
                         Case("mentor", lambda s: {"badge_id": DEMONSTRATED})),  # prerequisites not met
    "badge_work.download": Case("learner", lambda s: {"file_id": s.file_id}),
    # the instructor's and reviewer's pages
    "dashboard.course": (Case("instructor", COURSE), Case("instructor", COURSE, query="role=all&sort=completed"),
                         Case("instructor", COURSE, query="state=in-progress&sort=activity&q=Learner&departed=1"),
                         Case("organisation admin", COURSE, query="state=completed&page=2")),
    "dashboard.learner": (Case("instructor", lambda s: {"course_id": s.course_id, "person_id": s.learner_id}),
                          Case("mentor", lambda s: {"course_id": s.course_id, "person_id": s.learner_id})),
    "dashboard.mentees": Case("mentor"),
    "dashboard.export": (Case("instructor", COURSE), Case("instructor", COURSE, query="role=all&state=completed")),
    "badge_work.review_queue": Case("instructor"),
    "badge_work.review": Case("instructor", lambda s: {"submission_id": s.waiting_submission_id}),
    "deep_linking.picker": (Case("deep linking"),
                            Case("deep linking", query="q=culture&area=intercultural&level=rookie&language=fi")),
    # the organisation admin's pages in the LMS
    "reports.skills_map": (Case("organisation admin"), Case("organisation admin", query="compare=2026-09"),
                           Case("organisation admin", query="by=quarter&compare=2026-Q3")),
    "reports.print_map": Case("organisation admin"),
    "reports.export_csv": Case("organisation admin"),
    "reports.export_xlsx": Case("organisation admin"),
    "reports.settings": Case("organisation admin"),
    "reports.people": (Case("organisation admin"), Case("organisation admin", query="q=Learner")),
    "reports.export_person_csv": Case("organisation admin", PERSON),
    "reports.export_person_json": Case("organisation admin", PERSON),
    "reports.confirm_erase": Case("organisation admin", PERSON),
    "organisation.people": Case("organisation admin"),
    "organisation.sites": Case("organisation admin"),
    "badge_work.reviewers": Case("organisation admin"),
    "badge_revocation.awards": (Case("organisation admin"), Case("organisation admin", query="q=Learner&page=1")),
    "badge_revocation.confirm_revoke": Case("organisation admin", lambda s: {"award_id": s.revocable_award_id}),
    "badge_issuer.settings": Case("organisation admin"),
    # the installation admin's pages
    "admin.login": Case("public"),
    "admin.overview": (Case("installation admin"), Case("installation admin", query="organisations_page=2")),
    "admin.content": Case("installation admin"),
    "admin.tool_values": Case("installation admin"),
    "admin.new_registration": Case("installation admin"),
    "admin.registration": Case("installation admin", lambda s: {"registration_id": s.registration_id}),
    "admin.export_registration": Case("installation admin", lambda s: {"registration_id": s.registration_id}),
    "admin.deployment": Case("installation admin", lambda s: {"deployment_id": s.deployment_id}),
    "admin.organisation": Case("installation admin", ORG),
    "admin.grade_outbox": (Case("installation admin", ORG), Case("installation admin", ORG, query="status=failed")),
    "admin.badge_awards.awards": (Case("installation admin", ORG),
                                  Case("installation admin", ORG, query="status=revoked"),
                                  Case("installation admin", ORG, query=f"badge={DEMONSTRATED}&status=valid&q=Lea")),
    "admin.badge_awards.award": Case("installation admin",
                                     lambda s: {"organisation_id": s.organisation_id, "award_id": s.award_number}),
    "admin.reports.skills_map": (Case("installation admin", ORG),
                                 Case("installation admin", ORG, query="by=quarter&period=2026-Q3")),
    "admin.reports.print_map": Case("installation admin", ORG),
    "admin.reports.export_csv": Case("installation admin", ORG),
    "admin.reports.export_xlsx": Case("installation admin", ORG),
    "admin.reports.people": Case("installation admin", ORG),
    "admin.reports.export_person_csv": Case("installation admin", ADMIN_PERSON),
    "admin.reports.export_person_json": Case("installation admin", ADMIN_PERSON),
    "admin.reports.confirm_erase": Case("installation admin", ADMIN_PERSON),
    # public pages and documents: award pages, credentials, issuers, keys, images
    "badges.award_page": (Case("public", AWARD), Case("public", REVIEWED, query="verify=1"),
                          Case("public", REVOKED)),
    "badges.download": Case("public", lambda s: {"award_id": s.award_id, "kind": "ob3.png"}),
    "badges.credential": (Case("public", AWARD), Case("public", AWARD, query="download=1"),
                          Case("public", REVOKED)),
    "badges.credential_jwt": Case("public", AWARD),
    "badges.ob2_assertion": (Case("public", AWARD), Case("public", REVOKED, expect=410)),  # OB 2.0 revocation
    "badges.evidence": Case("public", REVIEWED),
    "badges.shared": Case("public", lambda s: {"token": s.share_token}),
    "badges.achievement": Case("public", BADGE),
    "badges.badge_image": Case("public", BADGE),
    "badges.ob2_badge_class": Case("public", BADGE),
    "badges.issuer_profile": Case("public", ISSUER),
    "badges.issuer_did": Case("public", ISSUER),
    "badges.issuer_keys": Case("public", ISSUER),
    "badges.ob2_issuer": Case("public", ISSUER),
    "badges.ob2_revocations": Case("public", ISSUER),
    "badges.legacy_status_list": Case("public", lambda s: {"issuer_id": s.badge_issuer_id, "number": 0}),
    "badges.status_list": Case("public", lambda s: {"issuer_id": s.badge_issuer_id,
                                                    "thumbprint": s.key_thumbprint, "number": 0}),
    "badges.public_key": Case("public", lambda s: {"thumbprint": s.key_thumbprint}),
    "badge_issuer.logo": Case("public", lambda s: {"issuer_id": s.badge_issuer_id, "version": s.logo_version}),
    "badges.path_target": (Case("public", lambda s: {"kind": "areas", "target_id": s.area_id}),
                           Case("public", lambda s: {"kind": "levels", "target_id": s.level_id})),
    "lti.jwks": Case("public"),
    "lti.login": Case("public", expect=(302, "/auth"),
                      query="iss={issuer}&client_id={client_id}&login_hint=someone&target_link_uri="
                            "{base_url}/lti/launch"),
    "static": Case("public", lambda s: {"filename": "app.css"}),
    # Its only 200 follows a backpack host's token exchange over HTTP (tests/badges/test_backpack.py, a fake host);
    # opened with no authorization under way it answers its own page saying so, with 400.
    "backpack.callback": Case("public", expect=400, query="state=unknown&error=access_denied"),
}

SKIPPED: dict[str, str] = {
    "lti.register": "dynamic registration fetches the platform's OpenID configuration over HTTP; "
                    "tests/lti/test_dynamic_registration.py and tests/browser/test_dynamic_registration_in_iframe.py "
                    "open it",
}


def get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def cases() -> list:
    """One test per route, case and language (English and Finnish), named endpoint[-role query][-locale]."""
    params = []
    for endpoint, case in sorted(ROUTES.items()):
        several = isinstance(case, tuple)
        for one in case if several else (case,):
            name = f"{endpoint}[{one.role}{' ' + one.query if one.query else ''}]" if several else endpoint
            for locale in LOCALES:
                params.append(pytest.param(endpoint, one, locale, id=name if locale == "en" else f"{name}-{locale}"))
    return params


@pytest.fixture(scope="module")
def seeded(database_url, tmp_path_factory):
    """The tool on a database of its own (SQLite) or the run's (PostgreSQL, emptied afterwards), with the seeded
    organisation committed once for every route of this module."""
    url = database_url
    if BACKEND == "sqlite":
        copy = tmp_path_factory.mktemp("every-route") / "seeded.sqlite"
        shutil.copy(database_url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    app = make_app(url)
    clock = FrozenClock()
    app.extensions["clock"] = clock
    with app.test_request_context():
        seed = seed_organisation(app, clock)
        db.session.commit()
    yield app, seed
    with app.app_context():
        db.session.remove()
        truncate_all(db.engine)
        db.engine.dispose()


def browser(app, seed: SeededOrganisation, role: str, locale: str):
    """A browser on https, in this language, signed in as the role: a launch's token on every URL (the launch in
    that language), or the admin's login cookie."""
    assert role in ROLES, f"unknown role {role!r}: choose among {ROLES}"
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    if role == "installation admin":
        response = log_in(client, seed.admin_username, seed.admin_password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    elif role != "public":
        client.launch_token = seed.tokens[role, locale]
    return client


def test_every_get_route_is_requested_here_or_skipped_with_a_reason(seeded):
    """A new GET route fails this test until ROUTES requests it or SKIPPED says why not; a removed one, too."""
    app, _seed = seeded
    endpoints = get_endpoints(app)
    assert not set(ROUTES) & set(SKIPPED), "a route is both requested and skipped"
    missing = sorted(endpoints - set(ROUTES) - set(SKIPPED))
    assert not missing, "GET routes neither in ROUTES nor in SKIPPED (tests/test_every_route.py): " + ", ".join(missing)
    gone = sorted((set(ROUTES) | set(SKIPPED)) - endpoints)
    assert not gone, "ROUTES or SKIPPED name routes the app no longer has: " + ", ".join(gone)
    assert all(reason.strip() for reason in SKIPPED.values())


@pytest.mark.parametrize(("endpoint", "case", "locale"), cases())
def test_the_route_answers_its_role(seeded, endpoint, case, locale):
    """The page (or document) opens for the role that uses it: 200 with a heading and no traceback, or its
    documented redirect."""
    app, seed = seeded
    rate_limits.reset(app)  # every route of the run comes from one address: no rate limit is what is tested here
    with app.test_request_context():
        url = url_for(endpoint, **case.params(seed))
    if case.query:
        url += "?" + case.query.format(**vars(seed), base_url=app.config["BASE_URL"])
    with app.app_context():  # the test client's requests each push their own; this one is the test's
        response = browser(app, seed, case.role, locale).get(url)
        body = response.get_data().decode("utf-8", "replace")  # images and workbooks too
    if isinstance(case.expect, tuple):
        status, where = case.expect
        assert response.status_code == status, f"{url}: {response.status_code}\n{body[:1500]}"
        assert urlsplit(response.headers["Location"]).path.startswith(where), response.headers["Location"]
        return
    assert response.status_code == case.expect, f"{url}: {response.status_code}\n{body[:1500]}"
    if response.mimetype == "text/html":
        assert "<h1" in body, f"{url}: an HTML page without a heading"
        assert f'<html lang="{locale}"' in body, f"{url}: not in the reader's language {locale}"
        assert "Traceback" not in body
