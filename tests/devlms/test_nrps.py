"""Names and Role Provisioning Services: the course roster, paged and filtered, with names only where known."""

from urllib.parse import urlencode

import pytest

from devlms.lti.constants import (
    INSTRUCTOR,
    LEARNER,
    MEMBERSHIP_CONTAINER_TYPE,
    MENTOR,
    NRPS_SERVICE,
    SCOPE_MEMBERSHIP_READONLY,
    SCOPE_SCORE,
)
from tests.support.devlms import BASE_URL

MEMBERSHIPS = BASE_URL + "/lti/courses/intl-skills/memberships"


@pytest.fixture
def token(lms) -> str:
    """An access token for NRPS."""
    return lms.access_token(SCOPE_MEMBERSHIP_READONLY)


def next_page_url(response) -> str:
    """The URL in a `Link: <…>; rel="next"` header."""
    link = response.headers["Link"]
    assert link.endswith('>; rel="next"')
    return link[1:link.index(">")]


def test_launch_points_to_the_course_membership_container(lms):
    assert lms.launch()[NRPS_SERVICE]["context_memberships_url"] == MEMBERSHIPS


def test_membership_container_lists_members_with_status_roles_and_names(lms, token):
    response = lms.service("GET", MEMBERSHIPS, token)

    assert response.status_code == 200
    assert response.mimetype == MEMBERSHIP_CONTAINER_TYPE
    assert response.json["id"] == MEMBERSHIPS
    assert response.json["context"] == {"id": "intl-skills", "label": "INTL-SKILLS",
                                        "title": "International skills for VET staff"}
    members = {member["user_id"]: member for member in response.json["members"]}
    assert len(members) == 10
    assert members["learner"] == {
        "status": "Active", "user_id": "learner", "roles": [LEARNER], "name": "Laura Learner",
        "given_name": "Laura", "family_name": "Learner", "email": "laura.learner@devlms.example",
    }
    assert members["instructor"]["roles"] == [INSTRUCTOR]


def test_anonymous_member_has_no_name_and_no_email(lms, token):
    members = lms.service("GET", MEMBERSHIPS, token).json["members"]

    assert next(member for member in members if member["user_id"] == "anonymous") == {
        "status": "Active", "user_id": "anonymous", "roles": [LEARNER],
    }


def test_memberships_are_paged_across_two_pages(lms, token):
    first = lms.service("GET", MEMBERSHIPS + "?limit=6", token)
    second = lms.service("GET", next_page_url(first), token)

    assert first.headers["Link"] == f'<{MEMBERSHIPS}?limit=6&from=6>; rel="next"'
    assert len(first.json["members"]) == 6
    assert len(second.json["members"]) == 4
    assert "Link" not in second.headers
    everyone = lms.service("GET", MEMBERSHIPS, token).json["members"]
    assert first.json["members"] + second.json["members"] == everyone


@pytest.mark.parametrize("role", [LEARNER, "Learner", LEARNER.lower()])
def test_memberships_are_filtered_by_role_full_uri_or_short_name(lms, token, role):
    response = lms.service("GET", f"{MEMBERSHIPS}?{urlencode({'role': role})}", token)

    assert {member["user_id"] for member in response.json["members"]} == {
        "learner", "learner-et", "learner-it", "learner-nl", "learner-es", "anonymous"}


def test_role_filter_is_kept_across_pages(lms, token):
    first = lms.service("GET", f"{MEMBERSHIPS}?{urlencode({'role': LEARNER, 'limit': 4})}", token)
    second = lms.service("GET", next_page_url(first), token)

    assert len(first.json["members"]) == 4
    assert [member["roles"] for member in second.json["members"]] == [[LEARNER], [LEARNER]]


def test_mentor_filter_finds_the_mentor(lms, token):
    response = lms.service("GET", f"{MEMBERSHIPS}?{urlencode({'role': MENTOR})}", token)

    assert [member["user_id"] for member in response.json["members"]] == ["mentor"]


def test_membership_of_an_unknown_course_is_not_found(lms, token):
    assert lms.service("GET", BASE_URL + "/lti/courses/no-such-course/memberships", token).status_code == 404


def test_memberships_need_the_membership_scope(lms):
    response = lms.service("GET", MEMBERSHIPS, lms.access_token(SCOPE_SCORE))

    assert response.status_code == 401
