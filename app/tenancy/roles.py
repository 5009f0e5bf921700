"""The role table: LTI role URIs from a launch → what the person may do in the tool.

| LTI role (launch `roles` claim)                                   | tool role           | scores sent |
|-------------------------------------------------------------------|---------------------|-------------|
| institution or system Administrator                               | organisation admin  | no          |
| context Instructor and sub-roles (TeachingAssistant, Grader, ...) | instructor          | no          |
| context ContentDeveloper                                           | instructor          | no          |
| context Administrator (course-level)                               | instructor          | no          |
| context Learner and sub-roles                                      | learner             | yes         |
| context Mentor                                                     | mentor              | no          |
| anything else, no role                                             | learner view        | no          |

An organisation admin is also whatever their context role makes them in the course. A mentor sees the paths of the
mentees the launch names (the `role_scope_mentor` claim, LTI 1.3 Core "Role-scope mentor claims"), read-only
(docs/dashboard.md); someone who is also a learner or an instructor of the course is that instead.
"""
from dataclasses import dataclass

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
CONTEXT_ROLE = LIS + "membership#"  # a context role in full: CONTEXT_ROLE + "Learner" (LTI 1.3 Core §A.2.2)
ORG_ADMIN_ROLES = {
    LIS + "institution/person#Administrator",
    LIS + "system/person#Administrator",
    LIS + "system/person#SysAdmin",
}
INSTRUCTOR_CONTEXT_ROLES = {"Instructor", "ContentDeveloper", "Administrator", "TeachingAssistant", "Grader"}
LEARNER_CONTEXT_ROLES = {"Learner"}
MENTOR_CONTEXT_ROLES = {"Mentor"}

INSTRUCTOR, LEARNER, MENTOR, LEARNER_VIEW = "instructor", "learner", "mentor", "learner_view"


@dataclass(frozen=True)
class ToolRole:
    """What one launch's roles let the person do."""

    course_role: str  # instructor | learner | mentor | learner_view
    is_organisation_admin: bool

    @property
    def is_instructor(self) -> bool:
        return self.course_role == INSTRUCTOR

    @property
    def receives_scores(self) -> bool:
        """Only learners get scores in the LMS gradebook (mentors and unknown roles never)."""
        return self.course_role == LEARNER


def _context_role_name(uri: str) -> str | None:
    """`…/membership#Instructor` → Instructor; `…/membership/Instructor#TeachingAssistant` → Instructor.

    LTI 1.3 also allows the short names (`Instructor`) for context roles (core spec, A.2.3.1).
    """
    if "/" not in uri and "#" not in uri:
        return uri
    if uri.startswith(CONTEXT_ROLE):
        return uri.split("#", 1)[1]
    if uri.startswith(LIS + "membership/"):
        return uri[len(LIS + "membership/"):].split("#", 1)[0]
    return None


def tool_role_for(lti_roles: list[str]) -> ToolRole:
    """Map a launch's roles claim to the tool's role, the most capable context role winning."""
    context_roles = {name for name in map(_context_role_name, lti_roles) if name}
    if context_roles & INSTRUCTOR_CONTEXT_ROLES:
        course_role = INSTRUCTOR
    elif context_roles & LEARNER_CONTEXT_ROLES:
        course_role = LEARNER
    elif context_roles & MENTOR_CONTEXT_ROLES:
        course_role = MENTOR
    else:
        course_role = LEARNER_VIEW
    return ToolRole(course_role, bool(ORG_ADMIN_ROLES & set(lti_roles)))
