"""Every answer says `X-Content-Type-Options: nosniff`; every page and export says `Cache-Control: no-store`
unless its view chose a caching policy of its own on purpose.

Pages and exports hold personal data (names, progress, a person's whole record): no browser or shared cache
may keep them. The routes come from the app's url_map, each tried with every method as the widest launch
(an organisation admin teaching the course) and, for /admin, as the installation admin.
"""
import pytest

from app.extensions import db
from tests.security.routes import url_of
from tests.support.factories import INSTRUCTOR_ROLE, ORG_ADMIN_ROLE, make_launch, sign_in
from tests.support.forms import post_form

pytestmark = [pytest.mark.sqlite, pytest.mark.usefixtures("world_committed_if_used")]

# Answers whose views set Cache-Control deliberately, and what they set: the tool's public keys (platforms
# cache them), a badge status list (verifiers revalidate), static files (Flask: revalidate by ETag), an issuer's
# logo (its URL names its version).
DELIBERATE = {
    "/lti/jwks.json": "public, max-age=300",
    "/badges/status/<issuer_id>/<int:number>": "no-cache",
    "/badges/issuers/<issuer_id>/logo/<version>.png": "public, max-age=31536000, immutable",  # a new logo: new URL
    "/static/<path:filename>": "no-cache",
}
# Personal data leaves the tool through these: each must have answered 200 (with no-store) in the sweep.
EXPORTS = {
    "/courses/<int:course_id>/dashboard.csv", "/reports/people/<int:person_id>/data.json",
    "/reports/people/<int:person_id>/data.csv", "/reports/skills-map.csv", "/reports/skills-map.xlsx",
    "/admin/organisations/<int:organisation_id>/reports/people/<int:person_id>/data.json",
    "/admin/organisations/<int:organisation_id>/reports/people/<int:person_id>/data.csv",
}


@pytest.fixture
def clients(app, client, clock, world):
    from app.admin import accounts

    app.config["LTI_RATE_LIMIT"] = app.config["BADGE_RATE_LIMIT"] = "1000000 per minute"
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now()))
    accounts.create_admin_user("ops", "correct horse battery staple")
    db.session.commit()
    admin = app.test_client()
    admin.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
    assert post_form(admin, "/admin/login", {"username": "ops", "password": "correct horse battery staple"},
                     page="/admin/login").status_code == 302
    return client, admin


def test_every_answer_is_nosniff_and_pages_and_exports_are_no_store(app, clients, world):
    launch_client, admin_client = clients
    known = {"course_id": world.course.id, "person_id": world.learner.id, "organisation_id": world.organisation.id,
             "deployment_id": world.deployment.id, "module_id": "erasmus-plus-for-vet", "section_id": "why",
             "filename": "app.css"}
    answered, served = 0, set()
    for rule in app.url_map.iter_rules():
        client = admin_client if rule.endpoint.startswith("admin.") else launch_client
        url = url_of(rule, known)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            answered += 1
            where = f"{method} {url} ({response.status_code})"

            assert response.headers.get("X-Content-Type-Options") == "nosniff", where
            chosen = DELIBERATE.get(rule.rule) if response.status_code == 200 else None
            assert response.headers.get("Cache-Control") == (chosen or "no-store"), where
            if (rule.rule in EXPORTS or rule.rule in DELIBERATE) and response.status_code == 200:
                served.add(rule.rule)
    assert answered > 50
    assert served >= EXPORTS, f"exports not served in the sweep: {EXPORTS - served}"
    # A chosen policy survives (these two answered 200 in the sweep; a status list needs a real issuer).
    assert served >= {"/lti/jwks.json", "/static/<path:filename>"}


def test_error_answers_outside_any_route_are_marked_too(client):
    for response in (client.get("/no/such/page"), client.get("/lti/login"), client.post("/lti/launch")):
        assert response.status_code in (400, 404)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
