"""Assignment and Grade Services: line items, scores rejected as Moodle rejects them, results, the gradebook."""

import pytest

from devlms import create_devlms_app
from devlms.ags.models import ScoreSubmission
from devlms.lti.constants import (
    LINE_ITEM_CONTAINER_TYPE,
    LINE_ITEM_TYPE,
    RESULT_CONTAINER_TYPE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCORE_TYPE,
)
from tests.support.devlms import BASE_URL, LmsActions

LINE_ITEMS = BASE_URL + "/lti/courses/intl-skills/lineitems"
PATH_LINE_ITEM = LINE_ITEMS + "/1"  # seeded, bound to the intl-skills-path link
SCORES = PATH_LINE_ITEM + "/scores"
RESULTS = PATH_LINE_ITEM + "/results"


@pytest.fixture
def token(lms) -> str:
    """An access token with every AGS scope."""
    return lms.access_token(SCOPE_LINEITEM, SCOPE_RESULT_READONLY, SCOPE_SCORE)


def score(**fields) -> dict:
    """A valid score for the learner; a field given as None is left out."""
    body = {"userId": "learner", "scoreGiven": 80, "scoreMaximum": 100, "timestamp": "2027-01-15T10:00:00.000+00:00",
            "activityProgress": "Completed", "gradingProgress": "FullyGraded", "comment": "Well done"}
    return {name: value for name, value in {**body, **fields}.items() if value is not None}


def post_score(lms, token, url=SCORES, **fields):
    """POST a score as a tool does."""
    return lms.service("POST", url, token, json_body=score(**fields), media_type=SCORE_TYPE)


def results(lms, token, url=RESULTS) -> list:
    """The results container as the tool reads it."""
    return lms.service("GET", url, token).json


def next_page_url(response) -> str:
    """The URL in a `Link: <…>; rel="next"` header."""
    link = response.headers["Link"]
    assert link.endswith('>; rel="next"')
    return link[1:link.index(">")]


# --- line items -----------------------------------------------------------------------------------------------


def test_line_items_container_lists_the_course_line_items(lms, token):
    response = lms.service("GET", LINE_ITEMS, token)

    assert response.status_code == 200
    assert response.mimetype == LINE_ITEM_CONTAINER_TYPE
    assert response.json == [{"id": PATH_LINE_ITEM, "label": "REX VET Path", "scoreMaximum": 100.0,
                              "resourceLinkId": "intl-skills-path", "resourceId": "rexvet-path"}]


def test_line_items_container_can_be_read_with_the_readonly_scope(lms):
    token = lms.access_token(SCOPE_LINEITEM_READONLY)

    assert lms.service("GET", LINE_ITEMS, token).status_code == 200
    created = lms.service("POST", LINE_ITEMS, token, json_body={"label": "X", "scoreMaximum": 1},
                          media_type=LINE_ITEM_TYPE)
    assert created.status_code == 401


def test_line_item_is_created_with_label_and_score_maximum(lms, token):
    body = {"label": "Module: intercultural competence", "scoreMaximum": 10, "resourceId": "module-ic",
            "tag": "module", "resourceLinkId": "intl-skills-mobility", "startDateTime": "2027-01-01T00:00:00Z"}

    response = lms.service("POST", LINE_ITEMS, token, json_body=body, media_type=LINE_ITEM_TYPE)

    assert response.status_code == 201
    assert response.mimetype == LINE_ITEM_TYPE
    assert response.json == {**body, "id": LINE_ITEMS + "/2", "scoreMaximum": 10.0}
    assert lms.service("GET", response.json["id"], token).json == response.json


@pytest.mark.parametrize("body, explanation", [
    ({"scoreMaximum": 10}, "label is required"),
    ({"label": "  ", "scoreMaximum": 10}, "label is required"),
    ({"label": "No maximum"}, "scoreMaximum is required and must be a number greater than 0"),
    ({"label": "Zero", "scoreMaximum": 0}, "scoreMaximum is required and must be a number greater than 0"),
    ({"label": "Text", "scoreMaximum": "10"}, "scoreMaximum is required and must be a number greater than 0"),
    ({"label": "X", "scoreMaximum": 1, "resourceLinkId": "second-college-path"}, "is not a resource link of course"),
    ({"label": "X", "scoreMaximum": 1, "endDateTime": "tomorrow"}, "endDateTime must be an ISO 8601 date-time"),
    (["not", "an", "object"], "the body must be a JSON object"),
])
def test_invalid_line_item_is_refused_saying_why(lms, token, body, explanation):
    response = lms.service("POST", LINE_ITEMS, token, json_body=body, media_type=LINE_ITEM_TYPE)

    assert response.status_code == 400
    assert explanation in response.json["error_description"]


def test_line_item_must_be_sent_with_its_media_type(lms, token):
    response = lms.service("POST", LINE_ITEMS, token, json_body={"label": "X", "scoreMaximum": 1},
                           media_type="application/json")

    assert response.status_code == 415
    assert LINE_ITEM_TYPE in response.json["error_description"]


def test_line_items_are_filtered(lms, token):
    for tag, resource_id in (("module", "m1"), ("module", "m2"), ("level", "l1")):
        lms.service("POST", LINE_ITEMS, token, json_body={"label": resource_id, "scoreMaximum": 1, "tag": tag,
                                                           "resourceId": resource_id}, media_type=LINE_ITEM_TYPE)

    def labels(query):
        return [item["label"] for item in lms.service("GET", LINE_ITEMS + query, token).json]

    assert labels("?tag=module") == ["m1", "m2"]
    assert labels("?resource_id=l1") == ["l1"]
    assert labels("?resource_link_id=intl-skills-path") == ["REX VET Path"]
    assert labels("?tag=module&resource_id=m2") == ["m2"]


def test_line_items_are_paged_with_a_next_link(lms, token):
    for number in range(4):
        lms.service("POST", LINE_ITEMS, token, json_body={"label": f"Item {number}", "scoreMaximum": 1, "tag": "t"},
                    media_type=LINE_ITEM_TYPE)

    first = lms.service("GET", LINE_ITEMS + "?tag=t&limit=3", token)
    second = lms.service("GET", next_page_url(first), token)

    assert [item["label"] for item in first.json] == ["Item 0", "Item 1", "Item 2"]
    assert first.headers["Link"] == f'<{LINE_ITEMS}?tag=t&limit=3&from=3>; rel="next"'
    assert [item["label"] for item in second.json] == ["Item 3"]
    assert "Link" not in second.headers


@pytest.mark.parametrize("query", ["?limit=0", "?limit=abc", "?from=-1"])
def test_bad_paging_parameters_are_refused(lms, token, query):
    assert lms.service("GET", LINE_ITEMS + query, token).status_code == 400


def test_line_item_is_replaced_with_put(lms, token):
    body = {"label": "Renamed", "scoreMaximum": 50, "resourceLinkId": "intl-skills-path"}

    response = lms.service("PUT", PATH_LINE_ITEM, token, json_body=body, media_type=LINE_ITEM_TYPE)

    assert response.status_code == 200
    assert response.json == {**body, "id": PATH_LINE_ITEM, "scoreMaximum": 50.0}


def test_line_item_is_deleted(lms, token):
    assert lms.service("DELETE", PATH_LINE_ITEM, token).status_code == 204

    assert lms.service("GET", PATH_LINE_ITEM, token).status_code == 404
    assert lms.service("GET", LINE_ITEMS, token).json == []


def test_line_item_of_another_course_is_not_found(lms, token):
    other_course_url = BASE_URL + "/lti/courses/intl-at-home/lineitems/1"

    response = lms.service("GET", other_course_url, token)

    assert response.status_code == 404
    assert response.json["error"] == "not_found"


# --- scores ---------------------------------------------------------------------------------------------------


def test_accepted_score_answers_200_with_an_empty_body_like_moodle(lms, token):
    response = post_score(lms, token)

    assert response.status_code == 200
    assert response.data == b""


def test_accepted_score_becomes_the_learners_result_scaled_to_the_line_item(lms, token):
    post_score(lms, token, scoreGiven=4, scoreMaximum=5)

    response = lms.service("GET", RESULTS, token)

    assert response.mimetype == RESULT_CONTAINER_TYPE
    assert response.json == [{
        "id": RESULTS + "?user_id=learner", "scoreOf": PATH_LINE_ITEM, "userId": "learner",
        "resultScore": 80.0, "resultMaximum": 100.0, "comment": "Well done",
    }]


@pytest.mark.parametrize("fields, explanation", [
    ({"timestamp": None}, "timestamp is required"),
    ({"activityProgress": None}, "activityProgress is required"),
    ({"gradingProgress": None}, "gradingProgress is required"),
    ({"userId": None}, "userId is required"),
    ({"activityProgress": "Finished"}, "activityProgress 'Finished' is not one of"),
    ({"gradingProgress": "Graded"}, "gradingProgress 'Graded' is not one of"),
    ({"scoreMaximum": None}, "scoreMaximum is required when scoreGiven is present"),
    ({"scoreMaximum": 0}, "scoreMaximum must be a number greater than 0"),
    ({"scoreGiven": -1}, "scoreGiven must be a number of at least 0"),
    ({"scoreGiven": "80"}, "scoreGiven must be a number of at least 0"),
    ({"timestamp": "15.1.2027 10:00"}, "is not an ISO 8601 date-time"),
    ({"timestamp": "2027-01-15T10:00:00"}, "with a time zone offset"),
    ({"userId": "instructor"}, "user 'instructor' is not a gradable learner of course 'intl-skills'"),
    ({"userId": "mentor"}, "user 'mentor' is not a gradable learner"),
    ({"userId": "courseadmin"}, "user 'courseadmin' is not a gradable learner"),
    ({"userId": "no-such-user"}, "user 'no-such-user' is not a gradable learner"),
    ({"userId": "learner-et", "timestamp": None}, "timestamp is required"),
])
def test_score_breaking_a_rule_is_rejected_saying_why(lms, token, fields, explanation):
    response = post_score(lms, token, **fields)

    assert response.status_code == 400
    assert explanation in response.json["error_description"]
    assert results(lms, token) == []


def test_score_without_timestamp_is_rejected(lms, token):
    assert post_score(lms, token, timestamp=None).status_code == 400


def test_score_of_a_learner_of_another_course_is_rejected(lms, token):
    home_items = BASE_URL + "/lti/courses/intl-at-home/lineitems"
    created = lms.service("POST", home_items, token, json_body={"label": "Home", "scoreMaximum": 1},
                          media_type=LINE_ITEM_TYPE).json

    response = post_score(lms, token, url=created["id"] + "/scores", userId="learner-et")

    assert response.status_code == 400
    assert "user 'learner-et' is not a gradable learner of course 'intl-at-home'" in response.json["error_description"]


def test_score_body_that_is_not_json_is_rejected(lms, token):
    response = lms.service("POST", SCORES, token, raw=b"userId=learner", media_type=SCORE_TYPE)

    assert response.status_code == 400
    assert "the body must be a JSON object" in response.json["error_description"]


def test_score_must_be_sent_with_its_media_type(lms, token):
    response = lms.service("POST", SCORES, token, json_body=score(), media_type="application/json")

    assert response.status_code == 415


def test_score_needs_the_score_scope(lms):
    token = lms.access_token(SCOPE_LINEITEM, SCOPE_RESULT_READONLY)

    assert post_score(lms, token).status_code == 401


def test_progress_without_a_score_is_accepted(lms, token):
    response = post_score(lms, token, scoreGiven=None, scoreMaximum=None, activityProgress="Started",
                          gradingProgress="NotReady")

    assert response.status_code == 200
    assert "resultScore" not in results(lms, token)[0]


def test_score_not_fully_graded_gives_no_result_score_like_moodle(lms, token):
    post_score(lms, token, gradingProgress="Pending")

    assert "resultScore" not in results(lms, token)[0]


def test_score_older_than_the_stored_one_is_ignored(lms, token):
    post_score(lms, token, scoreGiven=90, timestamp="2027-01-15T10:00:00.500+00:00")

    response = post_score(lms, token, scoreGiven=10, timestamp="2027-01-15T10:00:00.400+00:00")

    assert response.status_code == 200
    assert results(lms, token)[0]["resultScore"] == 90.0
    assert [row.status for row in lms.rows(ScoreSubmission)] == ["accepted", "ignored"]


def test_newer_score_replaces_the_stored_one(lms, token):
    post_score(lms, token, scoreGiven=10, timestamp="2027-01-15T10:00:00+00:00")
    post_score(lms, token, scoreGiven=95, timestamp="2027-01-15T12:00:00+02:00")
    post_score(lms, token, scoreGiven=20, timestamp="2027-01-15T10:30:00Z")

    assert results(lms, token)[0]["resultScore"] == 20.0


def test_moodle_policy_refuses_a_score_from_the_same_second_with_409(devlms_settings, fake_tool, frozen_clock):
    app = create_devlms_app({**devlms_settings, "DEVLMS_OLDER_SCORE_POLICY": "moodle"})
    lms = LmsActions(app, app.test_client(), fake_tool)
    token = lms.access_token(SCOPE_SCORE)
    assert post_score(lms, token, timestamp="2027-01-15T10:00:00.100+00:00").status_code == 200

    response = post_score(lms, token, timestamp="2027-01-15T10:00:00.900+00:00")

    assert response.status_code == 409
    assert "earlier timestamp" in response.json["error_description"]
    assert post_score(lms, token, timestamp="2027-01-15T10:00:01+00:00").status_code == 200


def test_results_are_filtered_by_user_and_paged(lms, token):
    for user in ("learner", "learner-es", "learner-et"):
        post_score(lms, token, userId=user)

    first = lms.service("GET", RESULTS + "?limit=2", token)
    second = lms.service("GET", next_page_url(first), token)

    assert [result["userId"] for result in first.json] == ["learner", "learner-es"]
    assert [result["userId"] for result in second.json] == ["learner-et"]
    assert [result["userId"] for result in results(lms, token, RESULTS + "?user_id=learner-es")] == ["learner-es"]


def test_results_need_the_result_scope(lms):
    assert lms.service("GET", RESULTS, lms.access_token(SCOPE_SCORE)).status_code == 401


# --- the gradebook page ---------------------------------------------------------------------------------------


def test_gradebook_page_shows_accepted_scores_and_rejected_ones_with_reasons(lms, token, client):
    post_score(lms, token, scoreGiven=73)
    post_score(lms, token, userId="instructor")

    page = client.get("/courses/intl-skills/gradebook").get_data(as_text=True)

    assert "REX VET Path" in page
    assert "73" in page and "Well done" in page
    assert "rejected" in page and "is not a gradable learner" in page

