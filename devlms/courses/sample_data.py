"""The sample world every development run and test starts from: two sites, users, courses, links."""

from devlms.ags.models import LineItem
from devlms.courses.models import Course, Deployment, Enrolment, ResourceLink, User
from devlms.extensions import db
from devlms.lti.constants import (
    CONTEXT_ADMINISTRATOR,
    INSTITUTION_ADMINISTRATOR,
    INSTRUCTOR,
    LEARNER,
    MENTOR,
)

DEFAULT_DEPLOYMENT_ID = "devlms-site-1"

DEPLOYMENTS = [
    {"id": DEFAULT_DEPLOYMENT_ID, "organisation": "Development College"},
    {"id": "devlms-site-2", "organisation": "Second Development College"},
]

USERS = [
    {"id": "learner", "given_name": "Laura", "family_name": "Learner", "email": "laura.learner@devlms.example",
     "locale": "en"},
    {"id": "instructor", "given_name": "Iida", "family_name": "Opettaja", "email": "iida.opettaja@devlms.example",
     "locale": "fi"},
    {"id": "orgadmin", "given_name": "Olli", "family_name": "Ylläpitäjä", "email": "olli.yllapitaja@devlms.example",
     "locale": "fi", "institution_roles": [INSTITUTION_ADMINISTRATOR]},
    {"id": "courseadmin", "given_name": "Carla", "family_name": "Coordinator",
     "email": "carla.coordinator@devlms.example", "locale": "en"},
    {"id": "learner-et", "given_name": "Eeva", "family_name": "Tamm", "email": "eeva.tamm@devlms.example",
     "locale": "et"},
    {"id": "learner-it", "given_name": "Giulia", "family_name": "Rossi", "email": "giulia.rossi@devlms.example",
     "locale": "it"},
    {"id": "learner-nl", "given_name": "Daan", "family_name": "de Vries", "email": "daan.devries@devlms.example",
     "locale": "nl"},
    {"id": "learner-es", "given_name": "Lucía", "family_name": "García", "email": "lucia.garcia@devlms.example",
     "locale": "es"},
    {"id": "mentor", "given_name": "Maria", "family_name": "Mentor", "email": "maria.mentor@devlms.example",
     "locale": "en"},
    # Like itslearning's default "Anonymous" privacy level: an id and a role, no name and no email.
    {"id": "anonymous", "locale": "en"},
]

COURSES = [
    {
        "id": "intl-skills",
        "label": "INTL-SKILLS",
        "title": "International skills for VET staff",
        "deployment_id": DEFAULT_DEPLOYMENT_ID,
        "enrolments": [
            {"user_id": "learner", "roles": [LEARNER]},
            {"user_id": "instructor", "roles": [INSTRUCTOR]},
            {"user_id": "orgadmin", "roles": [INSTRUCTOR]},
            {"user_id": "courseadmin", "roles": [CONTEXT_ADMINISTRATOR]},
            {"user_id": "learner-et", "roles": [LEARNER]},
            {"user_id": "learner-it", "roles": [LEARNER]},
            {"user_id": "learner-nl", "roles": [LEARNER]},
            {"user_id": "learner-es", "roles": [LEARNER]},
            {"user_id": "mentor", "roles": [MENTOR], "mentees": ["learner"]},
            {"user_id": "anonymous", "roles": [LEARNER]},
        ],
        "resource_links": [
            {"id": "intl-skills-path", "title": "REX VET Path: from a rookie to an expert", "custom": {},
             "line_item": {"label": "REX VET Path", "score_maximum": 100.0, "resource_id": "rexvet-path"}},
            {"id": "intl-skills-mobility", "title": "Preparing learners for mobility abroad",
             "custom": {"focus": "learner-mobility"}},
            # A link made by hand for one module, as an admin would set it up without Deep Linking.
            {"id": "intl-skills-erasmus-module", "title": "Module: Erasmus+ in VET",
             "custom": {"module": "erasmus-plus-for-vet"}},
        ],
    },
    {
        "id": "intl-at-home",
        "label": "INTL-HOME",
        "title": "Internationalisation at home",
        "deployment_id": DEFAULT_DEPLOYMENT_ID,
        "enrolments": [
            {"user_id": "learner", "roles": [LEARNER]},
            {"user_id": "learner-es", "roles": [LEARNER]},
            {"user_id": "instructor", "roles": [INSTRUCTOR]},
        ],
        "resource_links": [
            {"id": "intl-at-home-path", "title": "REX VET Path", "custom": {}},
        ],
    },
    {
        "id": "second-college-staff",
        "label": "STAFF-INTL",
        "title": "Staff development: intercultural competence",
        "deployment_id": "devlms-site-2",
        "enrolments": [
            # The same person at two customer sites: one issuer, two deployments.
            {"user_id": "learner", "roles": [LEARNER]},
            {"user_id": "learner-et", "roles": [LEARNER]},
            {"user_id": "learner-nl", "roles": [LEARNER]},
            {"user_id": "anonymous", "roles": [LEARNER]},
            {"user_id": "instructor", "roles": [INSTRUCTOR]},
        ],
        "resource_links": [
            # itslearning sends substitutions it does not support as the literal text.
            {"id": "second-college-path", "title": "REX VET Path",
             "custom": {"learner_name": "$Person.name.full"}},
        ],
    },
]


def seed_sample_data() -> None:
    """Add whatever part of the sample world is missing; running it twice changes nothing."""
    for deployment in DEPLOYMENTS:
        _add_missing(Deployment, deployment)
    for user in USERS:
        _add_missing(User, {"institution_roles": [], **user})
    for course in COURSES:
        _seed_course(course)


def _seed_course(course: dict) -> None:
    """Add one sample course with its enrolments, resource links and their line items."""
    _add_missing(Course, {key: course[key] for key in ("id", "label", "title", "deployment_id")})
    for enrolment in course["enrolments"]:
        exists = db.session.scalar(
            db.select(Enrolment).filter_by(course_id=course["id"], user_id=enrolment["user_id"])
        )
        if exists is None:
            db.session.add(Enrolment(course_id=course["id"], **{"mentees": [], **enrolment}))
    for position, link in enumerate(course["resource_links"]):
        line_item = link.get("line_item")
        added = _add_missing(ResourceLink, {
            "id": link["id"], "course_id": course["id"], "title": link["title"],
            "custom": link["custom"], "position": position,
        })
        if added and line_item:
            db.session.add(LineItem(course_id=course["id"], resource_link_id=link["id"], **line_item))


def _add_missing(model, values: dict) -> bool:
    """Add a row with these values unless one with the same id exists; say whether it was added."""
    if db.session.get(model, values["id"]) is not None:
        return False
    db.session.add(model(**values))
    return True
