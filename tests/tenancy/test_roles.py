"""The role table: LTI roles from a launch → what the person may do in the tool."""
import pytest

from app.tenancy.roles import INSTRUCTOR, LEARNER, LEARNER_VIEW, MENTOR, tool_role_for

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

ROLE_TABLE = [
    ([LIS + "institution/person#Administrator"], LEARNER_VIEW, True, False),
    ([LIS + "system/person#Administrator"], LEARNER_VIEW, True, False),
    ([LIS + "institution/person#Administrator", LIS + "membership#Instructor"], INSTRUCTOR, True, False),
    ([LIS + "membership#Instructor"], INSTRUCTOR, False, False),
    ([LIS + "membership/Instructor#TeachingAssistant"], INSTRUCTOR, False, False),
    ([LIS + "membership/Instructor#Grader"], INSTRUCTOR, False, False),
    ([LIS + "membership#ContentDeveloper"], INSTRUCTOR, False, False),
    ([LIS + "membership#Administrator"], INSTRUCTOR, False, False),
    ([LIS + "membership#Learner"], LEARNER, False, True),
    ([LIS + "membership/Learner#NonCreditLearner"], LEARNER, False, True),
    (["Learner"], LEARNER, False, True),
    (["Instructor"], INSTRUCTOR, False, False),
    ([LIS + "membership#Mentor"], MENTOR, False, False),
    ([LIS + "membership#Mentor", LIS + "membership#Learner"], LEARNER, False, True),
    ([LIS + "institution/person#Student"], LEARNER_VIEW, False, False),
    (["http://example.org/unknown#Role"], LEARNER_VIEW, False, False),
    ([], LEARNER_VIEW, False, False),
    ([LIS + "membership#Learner", LIS + "membership#Instructor"], INSTRUCTOR, False, False),
]


@pytest.mark.sqlite
@pytest.mark.parametrize("lti_roles, course_role, organisation_admin, receives_scores", ROLE_TABLE)
def test_role_table(lti_roles, course_role, organisation_admin, receives_scores):
    role = tool_role_for(lti_roles)

    assert (role.course_role, role.is_organisation_admin, role.receives_scores) == (
        course_role, organisation_admin, receives_scores,
    )


@pytest.mark.sqlite
def test_course_level_administrator_is_an_instructor_not_an_organisation_admin():
    role = tool_role_for([LIS + "membership#Administrator"])

    assert role.is_instructor
    assert not role.is_organisation_admin
