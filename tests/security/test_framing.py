"""frame-ancestors per page type: a launch's pages may be framed by its own LMS site only, never another's.

The policy is read the way a browser applies it (CSP Level 3 frame-ancestors source matching, for the
sources this tool writes: 'none', 'self', *, and scheme://host[:port]).
"""
from urllib.parse import urlsplit

from app.extensions import db
from tests.support.admin import log_in
from tests.support.badges import complete_module
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in

TOOL = "https://localhost"
OTHER_LMS = "https://other-lms.example.org"


def may_frame(response, origin: str) -> bool:
    """Would a browser show this response in a frame of a page at `origin`?"""
    policies = [value for value in response.headers.getlist("Content-Security-Policy") if "frame-ancestors" in value]
    assert policies, f"{response.request.path} has no frame-ancestors policy"
    for policy in policies:
        directive = next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))
        sources = directive.split()[1:]
        allowed = any(
            source == "*" or (source == "'self'" and origin == TOOL) or source.rstrip("/") == origin
            or (source.startswith("https://*.") and urlsplit(origin).hostname.endswith(source[len("https://*"):]))
            for source in sources
        )
        if not allowed:
            return False
    return True


def test_every_page_of_a_launch_refuses_another_lms_site(app, client, clock, world):
    own_lms = world.deployment.frame_ancestors[0]
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now()))
    pages = ["/", "/modules/erasmus-plus-for-vet/sections/why", "/self-assessment", "/badges/mine",
             f"/courses/{world.course.id}/dashboard", "/reports/skills-map", "/reports/people", "/organisation/sites",
             "/reports/settings", "/deep-linking/", "/modules/no-such-module"]

    for page in pages:
        response = client.get(page)
        assert response.status_code in (200, 403, 404), f"{page}: {response.status_code}"
        assert may_frame(response, own_lms), page
        assert not may_frame(response, OTHER_LMS), page
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_page_of_one_organisation_is_not_framed_by_the_other_organisations_lms(app, client, clock, world):
    theirs = make_world("Theirs")
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    response = client.get("/")

    assert not may_frame(response, theirs.deployment.frame_ancestors[0])


def test_admin_pages_are_never_framed(app, client, admin_user):
    assert log_in(client).status_code == 302

    for page in ("/admin/", "/admin/login", "/admin/tool-values", "/admin/content"):
        response = client.get(page)
        assert not may_frame(response, OTHER_LMS), page
        assert not may_frame(response, TOOL), page


def test_public_badge_pages_are_framed_by_this_site_only(app, client, clock, world):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, "erasmus-plus-for-vet", now=clock.now())
    from app.badges.models import BadgeAward
    award = db.session.query(BadgeAward).one()

    response = client.get(f"/badges/awards/{award.public_id}")

    assert response.status_code == 200
    assert not may_frame(response, OTHER_LMS)
    assert may_frame(response, TOOL)


def test_a_session_ended_page_is_not_framed_by_another_site(app, client):
    response = client.get("/")

    assert response.status_code in (401, 403)
    assert not may_frame(response, OTHER_LMS)


def test_launch_pages_without_personal_data_may_be_shown_in_any_lms_frame(app, client):
    """Login initiation and launch errors come before the tool knows which LMS framed it; they hold no data."""
    response = client.post("/lti/launch", data={"id_token": "not-a-jwt", "state": "x"})

    assert response.status_code in (400, 401)
    assert may_frame(response, OTHER_LMS)


def test_an_origin_that_would_add_a_directive_never_reaches_the_header(app, client, clock, world):
    world.deployment.frame_ancestors = [world.deployment.frame_ancestors[0], "https://x.example; script-src *",
                                        "https://y.example 'unsafe-inline'"]
    db.session.flush()
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    policy = client.get("/").headers["Content-Security-Policy"]

    assert policy == f"frame-ancestors 'self' {world.deployment.frame_ancestors[0]}"
