"""The instructor's course dashboard: who may open it, what each member's row says, filters, paging, CSV, and a
fixed number of queries whatever the course's size."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from app.badges.models import BadgeAward
from app.extensions import db
from app.grades.models import GradeSync
from app.jobs.models import Job
from app.learning.models import ModuleProgress, SelfAssessment, SelfRating
from app.lti.nrps import Member
from app.lti.roster import record_roster
from app.tenancy.models import Course
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form
from tests.support.queries import counted_queries

pytestmark = pytest.mark.sqlite

LEARNER_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@pytest.fixture
def instructor(client, clock, world, player_path):
    launch = make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now())
    sign_in(client, launch)
    return launch


def dashboard_url(world, **args) -> str:
    query = "&".join(f"{name}={value}" for name, value in args.items())
    return f"/courses/{world.course.id}/dashboard" + (f"?{query}" if query else "")


INSTRUCTOR_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def roster(world, clock, count: int, *, named: bool = True, extra=()):
    """The LMS lists the world's learner and instructor and `count` more learners who never launched the tool."""
    record_roster(world.course, [
        Member(world.learner.subject, (LEARNER_URI,), "Active", world.learner.name, None),
        Member(world.instructor.subject, (INSTRUCTOR_URI,), "Active", world.instructor.name, None),
        *[Member(f"student-{n:03}", (LEARNER_URI,), "Active", f"Student {n:03}" if named else None, None)
          for n in range(count)],
        *extra,
    ], now=clock.now())
    db.session.flush()




def test_a_learner_is_refused(client, clock, world, player_path):
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    response = client.get(dashboard_url(world))

    assert response.status_code == 403
    assert "The course dashboard is for the instructors of the course." in response.get_data(as_text=True)


def test_another_organisation_s_course_does_not_exist_for_an_instructor(client, instructor):
    theirs = make_world("Other College")

    assert client.get(f"/courses/{theirs.course.id}/dashboard").status_code == 404
    assert client.get(f"/courses/{theirs.course.id}/dashboard.csv").status_code == 404


def test_an_instructor_of_one_course_cannot_open_another_course_of_the_organisation(client, instructor, world):
    other = Course(organisation_id=world.organisation.id, deployment_id=world.deployment.id, context_id="other")
    db.session.add(other)
    db.session.flush()

    assert client.get(f"/courses/{other.id}/dashboard").status_code == 403


def test_the_path_page_links_an_instructor_to_the_dashboard(client, instructor, world):
    page = client.get("/").get_data(as_text=True)

    assert f'href="/courses/{world.course.id}/dashboard?launch_token=' in page


def test_the_roster_shows_members_who_never_launched_and_labels_unshared_names(client, clock, instructor, world):
    roster(world, clock, 2, named=False)

    page = client.get(dashboard_url(world)).get_data(as_text=True)

    assert "3 members match." in page  # the world's learner and two who never launched
    assert page.count('<span class="muted">Name not shared by the LMS</span>') == 2
    assert "student-000" not in page  # never a bare LMS id


def test_each_row_says_where_the_member_is_and_what_they_did(client, clock, instructor, world):
    db.session.add(ModuleProgress(organisation_id=world.organisation.id, person_id=world.learner.id,
                                  module_id="mobility-basics", started_at=clock.now(), updated_at=clock.now(),
                                  completed_at=clock.now(), score=100))
    db.session.add(ModuleProgress(organisation_id=world.organisation.id, person_id=world.learner.id,
                                  module_id="mobility-next", started_at=clock.now(), updated_at=clock.now()))
    db.session.flush()

    areas = client.get(dashboard_url(world)).get_data(as_text=True)
    modules = client.get(dashboard_url(world, view="modules")).get_data(as_text=True)
    row = re.search(rf'<tr data-person="{world.learner.id}">(.*?)</tr>', areas, re.S).group(1)
    module_row = re.search(rf'<tr data-person="{world.learner.id}">(.*?)</tr>', modules, re.S).group(1)

    assert "<strong>Rookie</strong><br><span class=\"how\">modules: Rookie</span>" in " ".join(
        cell(row, "area", "mobility").split()).replace("> <", "><")  # completing the Rookie module of Learner mobility
    assert "Not started" in cell(row, "area", "languages")
    assert "1 completed, 1 in progress" in row
    assert "Rookie in Learner mobility" in module_row  # the summary names the areas
    assert "Completed" in cell(module_row, "module", "mobility-basics") and "100 %" in cell(
        module_row, "module", "mobility-basics")
    assert "In progress" in cell(module_row, "module", "mobility-next")


def cell(row: str, kind: str, name: str) -> str:
    """The text of a matrix cell of one member's row: an area's (level) or a module's (state)."""
    return re.search(rf'data-{kind}="{name}">(.*?)</td>', row, re.S).group(1)


def test_self_assessments_show_only_where_the_organisation_allows_it(client, clock, instructor, world):
    assessment = SelfAssessment(organisation_id=world.organisation.id, person_id=world.learner.id, taken_at=clock.now())
    assessment.ratings = [SelfRating(statement_id=f"mobility.rookie.{n}", rating=2) for n in (1, 2)]
    db.session.add(assessment)
    db.session.flush()

    hidden = client.get(dashboard_url(world)).get_data(as_text=True)
    world.organisation.instructors_see_self_assessments = True
    db.session.flush()
    shown = client.get(dashboard_url(world)).get_data(as_text=True)

    assert "self-rated: Rookie" not in hidden and "Self-assessment: Taken on" not in hidden
    assert "self-rated: Rookie" in cell(shown, "area", "mobility") and "Self-assessment: Taken on" in shown


def test_a_failed_grade_shows_why_and_can_be_sent_again(client, clock, instructor, world):
    sync = GradeSync(
        organisation_id=world.organisation.id,
        person_id=world.learner.id,
        deployment_id=world.deployment.id,
        course_id=world.course.id,
        line_item_key="https://lms/li/1",
        line_item_url="https://lms/li/1",
        resource_id="mobility-basics",
        label="Mobility basics",
        user_id=world.learner.subject,
        activity_progress="Completed",
        grading_progress="FullyGraded",
        scored_at=clock.now(),
        status=GradeSync.FAILED,
        reason="The LMS refused the score: HTTP 404",
        updated_at=clock.now(),
    )
    db.session.add(sync)
    db.session.flush()

    page = client.get(dashboard_url(world)).get_data(as_text=True)
    assert "Failed" in page and "Mobility basics: The LMS refused the score: HTTP 404" in page

    response = post_form(client, f"/courses/{world.course.id}/grades/{sync.id}/retry", {}, page=dashboard_url(world))

    assert response.status_code == 302
    assert db.session.get(GradeSync, sync.id).status == GradeSync.PENDING
    assert db.session.scalars(select(Job.kind)).all() == ["grades.send"]


def test_members_are_paged_filtered_searched_and_sorted(client, clock, instructor, world):
    roster(world, clock, 120)

    first = client.get(dashboard_url(world)).get_data(as_text=True)
    last = client.get(dashboard_url(world, page=3)).get_data(as_text=True)
    searched = client.get(dashboard_url(world, q="Student 11")).get_data(as_text=True)
    instructors = client.get(dashboard_url(world, role="instructor")).get_data(as_text=True)
    not_started = client.get(dashboard_url(world, state="completed")).get_data(as_text=True)

    assert "121 members match." in first and first.count("<tr data-person=") == 50 and "Page 1 of 3" in first
    assert last.count("<tr data-person=") == 21
    assert searched.count("<tr data-person=") == 10  # Student 110–119
    assert "1 member matches." in instructors
    assert "0 members match." in not_started
    names = re.findall(r'<th scope="row">\s*(Student \d+)', first)
    assert names == sorted(names)


def test_the_page_takes_the_same_few_queries_for_50_or_500_members(client, clock, instructor, world):
    roster(world, clock, 50)
    with counted_queries() as small:
        client.get(dashboard_url(world))
    roster(world, clock, 500)
    with counted_queries() as large:
        page = client.get(dashboard_url(world)).get_data(as_text=True)

    assert "501 members match." in page
    # 13: the organisation's time zone, read once for the page's times. The header's navigation asks whether the
    # instructor's course is the reporting course (the skills map entry): read along with the gradebook links.
    assert len(large) == len(small) <= 13, large
    assert not any("FROM report_settings" in statement.split("(")[0] for statement in large), large


def test_a_row_says_the_same_whether_the_page_was_chosen_by_name_or_by_progress(client, clock, instructor, world):
    # By name, the page's progress figures are counted from its own rows; sorted by progress, the members query
    # aggregates them: both must tell each member's row alike.
    roster(world, clock, 30)
    for number, module_id in enumerate(("mobility-basics", "mobility-next")):
        db.session.add(
            ModuleProgress(
                organisation_id=world.organisation.id,
                person_id=world.learner.id,
                module_id=module_id,
                started_at=clock.now(),
                updated_at=clock.now(),
                completed_at=clock.now() if number == 0 else None,
                score=100 if number == 0 else None,
            )
        )
    db.session.flush()

    def rows(page: str) -> dict[str, str]:
        return dict(re.findall(r'<tr data-person="(\d+)">(.*?)</tr>', page, re.S))

    by_name = rows(client.get(dashboard_url(world)).get_data(as_text=True))
    by_progress = rows(client.get(dashboard_url(world, sort="completed")).get_data(as_text=True))
    by_activity = rows(client.get(dashboard_url(world, sort="activity", state="in-progress")).get_data(as_text=True))

    assert by_name == by_progress
    assert (
        list(by_activity) == [str(world.learner.id)]
        and by_activity[str(world.learner.id)] == by_name[str(world.learner.id)]
    )
    assert "1 completed, 1 in progress" in by_name[str(world.learner.id)]


def test_the_words_of_the_rows_are_in_the_page_language_and_names_are_escaped(client, clock, world, player_path):
    launch = make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now(), locale="fi")
    sign_in(client, launch)
    roster(world, clock, 0, extra=[Member("odd", (LEARNER_URI,), "Inactive", "<b>Odd</b> & co", None)])

    page = client.get(dashboard_url(world)).get_data(as_text=True)

    assert "&lt;b&gt;Odd&lt;/b&gt; &amp; co" in page and "<b>Odd</b>" not in page
    assert "0 suoritettu, 0 kesken" in page and "0 completed" not in page


def test_the_cells_kept_from_one_page_are_not_shown_in_another_language(client, clock, world, player_path):
    """The matrix's cells are made once per process and language (dashboard_routes._Cells), not once per page."""
    roster(world, clock, 3)
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now(), locale="en"))
    english = client.get(dashboard_url(world)).get_data(as_text=True)
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now(), locale="fi"))
    finnish = client.get(dashboard_url(world)).get_data(as_text=True)

    assert "visually-hidden\"> Not started" in english and "visually-hidden\"> Ei aloitettu" in finnish
    assert ">Learner</span>" in english and ">Oppija</span>" in finnish
    assert "visually-hidden\"> Not started" not in finnish and ">Learner</span>" not in finnish


def test_the_csv_export_has_every_member_under_the_filters_and_no_formulas(client, clock, instructor, world):
    roster(world, clock, 60, extra=[Member("mallory", (LEARNER_URI,), "Active", '=HYPERLINK("http://evil")', None)])

    response = client.get(f"/courses/{world.course.id}/dashboard.csv?role=all")

    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and len(rows) == 60 + 3
    assert "'=HYPERLINK(\"http://evil\")" in {row["name"] for row in rows}  # a name, never a formula


def test_no_cell_of_the_csv_export_can_start_a_formula(client, clock, instructor, world):
    """OWASP's CSV injection: a name or an e-mail from the LMS starting with = + - @ tab or CR. (A status NRPS does
    not define never gets this far: the roster refuses it, tests/tenancy/test_roster.py.)"""
    roster(world, clock, 0, extra=[
        Member("mallory", (LEARNER_URI,), "Active", '=HYPERLINK("http://evil","x")', "+1@example.org"),
        Member("trudy", (LEARNER_URI,), "Inactive", "-2+3", "\t=1"),
        Member("oscar", (LEARNER_URI,), "Active", "\r=cmd", "@SUM(1+1)"),
    ])

    response = client.get(f"/courses/{world.course.id}/dashboard.csv?role=all&departed=1")

    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows["'=HYPERLINK(\"http://evil\",\"x\")"]["email"] == "'+1@example.org"
    assert rows["'-2+3"]["email"] == "'\t=1"
    assert rows["'\r=cmd"]["email"] == "'@SUM(1+1)"
    for row in rows.values():
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row.values()), row


def test_people_no_longer_listed_by_the_lms_are_hidden_unless_asked_for(client, clock, instructor, world):
    roster(world, clock, 3)
    roster(world, clock, 1)

    page = client.get(dashboard_url(world)).get_data(as_text=True)
    everyone = client.get(dashboard_url(world, departed=1)).get_data(as_text=True)

    assert "2 members match." in page
    assert "4 members match." in everyone and everyone.count("· no longer in the course") == 2


def test_the_badges_column_lists_the_badges_each_member_holds(client, clock, instructor, world):
    def award(badge_id, index, revoked=False):
        db.session.add(
            BadgeAward(
                public_id=f"award-{index}",
                organisation_id=world.organisation.id,
                person_id=world.learner.id,
                badge_id=badge_id,
                awarded_at=clock.now(),
                recipient_salt="salt",
                status_index=index,
                revoked_at=clock.now() if revoked else None,
            )
        )

    award("mobility-first-steps", 0)
    award("revoked-one", 1, revoked=True)
    db.session.flush()

    page = client.get(dashboard_url(world)).get_data(as_text=True)
    cell = re.search(rf'<tr data-person="{world.learner.id}">.*?<td data-testid="badges"[^>]*>(.*?)</td>', page,
                     re.S).group(1)

    assert "mobility-first-steps" in cell and "revoked-one" not in cell  # not in this path's catalogue: shown by id


def test_the_dashboard_says_what_the_lms_gradebook_shows_for_each_link(client, clock, instructor, world, player_path):
    def row(key, resource_id, label, progress, score):
        return GradeSync(organisation_id=world.organisation.id, person_id=world.learner.id,
                         deployment_id=world.deployment.id, course_id=world.course.id, line_item_key=key,
                         line_item_url=key, resource_id=resource_id, label=label, user_id=world.learner.subject,
                         activity_progress=progress, grading_progress="FullyGraded", score_given=score,
                         score_maximum=100.0, scored_at=clock.now(), status=GradeSync.SENT, version=1,
                         sent_version=1, updated_at=clock.now())

    db.session.add_all([row("https://lms/li/path", "path", "REX VET Path", "InProgress", 50.0),
                        row("https://lms/li/1", "mobility-basics", "Mobility basics", "Completed", 80.0)])
    db.session.flush()

    page = client.get(dashboard_url(world)).get_data(as_text=True)
    links = re.search(r'data-testid="gradebook-links">(.*?)</section>', page, re.S).group(1)
    shown = " ".join(re.sub(r"<[^>]+>", " ", links).split())

    assert ("REX VET Path : the share of the path's modules the learner has completed, from 0 to 100, updated at "
            "each completed module; 100 when all are done.") in shown.replace("&#39;", "'")
    assert "the module's score, from 0 to 100, once the learner has completed the module" in shown.replace("&#39;", "'")
    assert "“Receive a passing grade” with “Grade to pass” 100" in shown
    grade_cell = " ".join(
        re.sub(r"<[^>]+>", " ", page.split('data-testid="grade-state"')[1].split("</td>")[0]).split()
    )
    assert "REX VET Path: 50 / 100 in the LMS" in grade_cell and ": 80 / 100 in the LMS" in grade_cell
