"""Demonstrated badges over HTTP: a learner submits work with a file, a reviewer returns it, the learner revises,
the reviewer accepts, and the badge is awarded with the reviewed criteria as evidence; and the rules around it."""
import io
import os
import re
import threading
import zipfile

import pytest
from sqlalchemy import func, select

from app.badges.models import BadgeAward, BadgeReviewer, Review, Submission, SubmissionFile
from app.badges.submissions import SubmissionRefused, decide, name_reviewer
from app.extensions import db
from app.tenancy.models import Membership
from app.tenancy.services import record_person
from tests.support.badges import badge_yaml, complete_module, demonstrated_yaml, write_badges
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

WORK = "/badges/work/placement-plan"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALL_MEET = {"result-a": "meets", "result-b": "meets", "result-c": "meets"}


@pytest.fixture
def demonstrated(app, use_badges, player_path):
    use_badges({
        "placement-plan.yaml": demonstrated_yaml("placement-plan", "{type: module_completed, module: mobility-basics}"),
        "basics.yaml": badge_yaml("basics", "{type: module_completed, module: mobility-basics}"),
    })


@pytest.fixture
def learner(app, launch_as, demonstrated, clock):
    launch = launch_as("learner")
    complete_module(app, launch, "mobility-basics", now=clock.now())
    db.session.flush()
    return launch


@pytest.fixture
def reviewer(world, clock):
    name_reviewer(world.organisation.id, world.instructor.id, None, named_by="Admin", now=clock.now())
    db.session.flush()
    return world.instructor


def page(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def upload(client, fields: dict, *, filename="plan.pdf", content=PDF):
    return post_form(client, WORK, {**fields, "file": (io.BytesIO(content), filename)}, page=WORK)


def colleague(world, clock, subject: str):
    """Another person of the world's organisation, in its course, without a name from the LMS."""
    person = record_person(world.organisation.id, world.registration.issuer, subject, name=None, email=None,
                           locale="en", now=clock.now())
    db.session.add(Membership(organisation_id=world.organisation.id, course_id=world.course.id, person_id=person.id,
                              role="learner"))
    db.session.flush()
    return person


def as_reviewer(client, world, clock):
    sign_in(client, make_launch(world, world.instructor, ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
                                now=clock.now()))


def as_learner(client, world, clock):
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))


def path_page_state(client) -> str:
    """Where the learner stands with the plan's badge, as the path page's panel of demonstrated badges says it."""
    response = client.get("/")
    text = {"draft": "Draft saved, not submitted yet.", "submitted": "Submitted: waiting for a reviewer.",
            "returned": "Returned with feedback: revise and submit again.", "accepted": "Accepted: the badge is yours."}
    [state] = re.findall(r'data-badge="placement-plan" data-state="(\w+)"', response.get_data(as_text=True))
    assert text[state] in page(response)
    return state


def submission(world) -> Submission:
    return db.session.scalars(select(Submission).where(Submission.person_id == world.learner.id)).one()


def test_the_whole_flow_submit_return_revise_accept_awards_the_badge_with_its_evidence(client, world, clock, learner,
                                                                                         reviewer):
    assert "The placement-plan artefact" in page(client.get(WORK))
    upload(client, {"text": "My plan for **Aino**.", "links": "https://example.org/plan", "action": "save"})
    saved = submission(world)
    assert (saved.state, saved.text, saved.links, [f.filename for f in saved.files]) == (
        "draft", "My plan for **Aino**.", ["https://example.org/plan"], ["plan.pdf"])
    assert path_page_state(client) == "draft"
    post_form(client, WORK, {"text": saved.text, "links": "https://example.org/plan", "action": "submit"}, page=WORK)
    assert submission(world).state == "submitted" and path_page_state(client) == "submitted"

    as_reviewer(client, world, clock)
    dashboard = page(client.get(f"/courses/{world.course.id}/dashboard"))
    assert "1 piece of work by this course's members waits for a badge reviewer." in dashboard
    queue = page(client.get("/badges/work/reviews"))
    assert "The placement-plan artefact" in queue and "0 days" in queue
    review_url = f"/badges/work/reviews/{saved.public_id}"
    assert "My plan for" in page(client.get(review_url))
    returned = post_form(client, review_url, {"result-a": "meets", "result-b": "not_yet", "result-c": "meets",
                                              "comment-b": "Say who assesses it.", "decision": "return",
                                              "feedback": "Name the assessor at the host."}, page=review_url)
    assert returned.status_code == 302 and submission(world).state == "returned"

    as_learner(client, world, clock)
    learner_view = page(client.get(WORK))
    assert "Returned with feedback" in learner_view and "Say who assesses it." in learner_view
    assert "1 submission returned with feedback" in learner_view  # the navigation's notice
    assert path_page_state(client) == "returned"
    post_form(client, WORK, {"text": "My plan, with the assessor named.", "links": "", "action": "submit"}, page=WORK)
    assert (submission(world).state, submission(world).revision) == ("submitted", 2)

    as_reviewer(client, world, clock)
    assert "1 submission to review" in page(client.get("/"))  # the reviewer's notice
    post_form(client, review_url, {**ALL_MEET, "comment-b": "Now clear.", "decision": "accept"}, page=review_url)

    final = submission(world)
    assert final.state == "accepted" and [review.decision for review in final.reviews] == ["returned", "accepted"]
    award = db.session.scalars(select(BadgeAward).where(BadgeAward.badge_id == "placement-plan")).one()
    assert award.person_id == world.learner.id and award.how == BadgeAward.REVIEWED
    [evidence] = award.evidence
    assert evidence["type"] == "reviewed_submission" and evidence["submission"] == final.public_id
    assert [item["result"] for item in evidence["criteria"]] == ["meets"] * 3
    assert evidence["public_page"] is False
    as_learner(client, world, clock)
    assert path_page_state(client) == "accepted"


def test_nobody_reviews_their_own_submission(client, world, clock, learner):
    name_reviewer(world.organisation.id, world.learner.id, None, named_by="Admin", now=clock.now())
    post_form(client, WORK, {"text": "Mine.", "links": "", "action": "submit"}, page=WORK)

    assert page(client.get("/badges/work/reviews")).count("The placement-plan artefact") == 0
    response = client.get(f"/badges/work/reviews/{submission(world).public_id}")
    assert response.status_code == 403 and "Nobody reviews their own submission." in page(response)


def test_someone_who_is_not_a_reviewer_cannot_review(client, world, clock, learner):
    post_form(client, WORK, {"text": "Mine.", "links": "", "action": "submit"}, page=WORK)
    as_reviewer(client, world, clock)  # the instructor, not named

    response = client.get(f"/badges/work/reviews/{submission(world).public_id}")
    assert response.status_code == 403 and "You are not a reviewer of this badge." in page(response)


def test_a_reviewer_of_another_organisation_finds_nothing(client, world, clock, learner):
    post_form(client, WORK, {"text": "Mine.", "links": "", "action": "submit"}, page=WORK)
    other = make_world("Other College")
    name_reviewer(other.organisation.id, other.instructor.id, None, named_by="Admin", now=clock.now())
    sign_in(client, make_launch(other, other.instructor, [LEARNER_ROLE], now=clock.now()))

    assert client.get(f"/badges/work/reviews/{submission(world).public_id}").status_code == 404
    assert "The placement-plan artefact" not in page(client.get("/badges/work/reviews"))


def test_a_submission_before_the_prerequisites_hold_is_refused_and_nothing_is_kept(client, world, demonstrated,
                                                                                  launch_as):
    launch_as("learner")
    assert "once you have completed the modules it builds on" in page(client.get(WORK))

    response = post_form(client, WORK, {"text": "Too early.", "links": "", "action": "submit"}, page="/badges/mine")

    assert response.status_code == 409
    assert db.session.scalars(select(Submission)).all() == []


@pytest.mark.parametrize("filename, content, message", [
    ("page.pdf", b"<html><script>alert(1)</script></html>", "is not a PDF, ODT, DOCX, PNG or JPEG file"),
    ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "is larger than 10 MB"),
    ("empty.png", b"", "is empty"),
    ("fake.docx", b"PK\x03\x04not really a zip", "is not a PDF, ODT, DOCX, PNG or JPEG file"),
])
def test_a_wrong_file_is_refused_with_what_to_do_and_the_text_typed_with_it_is_kept(client, world, learner,
                                                                                     filename, content, message):
    response = upload(client, {"text": "My text.", "links": "", "action": "submit"}, filename=filename,
                      content=content)

    shown = page(client.get(response.location))
    assert message in shown and "Your text and links are saved as a draft." in shown
    kept = submission(world)
    assert (kept.state, kept.text, kept.files) == ("draft", "My text.", [])  # not submitted, nothing half-attached


def test_a_docx_is_recognised_from_its_content_and_downloaded_only_as_an_attachment(client, world, clock, learner,
                                                                                     reviewer):
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    upload(client, {"text": "", "links": "", "action": "save"}, filename="plan<script>.doc", content=docx.getvalue())
    [attached] = submission(world).files
    assert attached.filename == "plan_script.docx" and attached.media_type.endswith("wordprocessingml.document")

    response = client.get(f"/badges/work/files/{attached.public_id}")

    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["Cache-Control"] == "no-store"
    other = colleague(world, clock, "someone-else")
    sign_in(client, make_launch(world, other, [LEARNER_ROLE], now=clock.now()))
    assert client.get(f"/badges/work/files/{attached.public_id}").status_code == 403


def test_a_submitted_submission_cannot_be_edited_and_a_second_accept_changes_nothing(client, world, clock, learner,
                                                                                      reviewer):
    post_form(client, WORK, {"text": "Done.", "links": "", "action": "submit"}, page=WORK)
    edited = post_form(client, WORK, {"text": "Changed after submitting.", "links": "", "action": "save"},
                       page="/badges/mine")  # a form of an older page, or a forged one
    assert edited.status_code == 409 and submission(world).text == "Done."

    as_reviewer(client, world, clock)
    review_url = f"/badges/work/reviews/{submission(world).public_id}"
    post_form(client, review_url, {**ALL_MEET, "decision": "accept"}, page=review_url)
    again = post_form(client, review_url, {**ALL_MEET, "decision": "accept"}, page="/badges/mine")

    assert again.status_code == 409 and "already decided" in page(again)
    assert len(db.session.scalars(select(BadgeAward).where(BadgeAward.badge_id == "placement-plan")).all()) == 1
    assert len(db.session.scalars(select(Review)).all()) == 1


def test_accepting_needs_every_criterion_met_and_returning_needs_feedback(client, world, clock, learner, reviewer):
    post_form(client, WORK, {"text": "Done.", "links": "", "action": "submit"}, page=WORK)
    as_reviewer(client, world, clock)
    review_url = f"/badges/work/reviews/{submission(world).public_id}"

    partly = post_form(client, review_url, {**ALL_MEET, "result-c": "not_yet", "decision": "accept"}, page=review_url)
    silent = post_form(client, review_url, {**ALL_MEET, "decision": "return"}, page=review_url)

    assert partly.status_code == 400 and "only when it meets every criterion" in page(partly)
    assert silent.status_code == 400 and "Say what to improve" in page(silent)
    assert submission(world).state == "submitted"


def test_the_organisation_admin_names_reviewers_and_a_code_makes_a_colleague_reviewer(client, world, clock,
                                                                                         demonstrated):
    sign_in(client, make_launch(world, world.instructor,
                                ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"],
                                now=clock.now()))
    post_form(client, "/badges/work/reviewers", {"person": str(world.instructor.id), "badge": ""},
              page="/badges/work/reviewers")
    made = post_form(client, "/badges/work/reviewers/invitations", {"badge": "placement-plan"},
                     page="/badges/work/reviewers")
    code = re.search(r"<code>([^<]+)</code>", made.get_data(as_text=True)).group(1)

    newcomer = colleague(world, clock, "colleague")
    sign_in(client, make_launch(world, newcomer, [LEARNER_ROLE], now=clock.now()))
    post_form(client, "/badges/work/reviewer-code", {"code": code}, page="/badges/mine")
    again = post_form(client, "/badges/work/reviewer-code", {"code": code}, page="/badges/mine")

    reviewers = db.session.scalars(select(BadgeReviewer).order_by(BadgeReviewer.id)).all()
    assert [(r.person_id, r.badge_id) for r in reviewers] == [(world.instructor.id, None),
                                                              (newcomer.id, "placement-plan")]
    assert again.status_code == 409  # a code works once


@pytest.mark.skipif(os.environ.get("TEST_DB") == "sqlite", reason="concurrent writers need PostgreSQL")
@pytest.mark.timeout(120)
def test_two_reviewers_accepting_at_once_award_the_badge_once(committed_app, clock, tmp_path):
    committed_app.config["BADGE_TEMPLATES_DIR"] = str(write_badges(tmp_path / "badges", {
        "placement-plan.yaml": demonstrated_yaml("placement-plan", "{type: path_completed}")}))
    committed_app.extensions.pop("badge_catalogue", None)
    world = make_world()
    second = colleague(world, clock, "second-reviewer")
    for person in (world.instructor, second):
        name_reviewer(world.organisation.id, person.id, None, named_by="Admin", now=clock.now())
    work = Submission(public_id="work-1", organisation_id=world.organisation.id, person_id=world.learner.id,
                      badge_id="placement-plan", state=Submission.SUBMITTED, text="Done.", links=[], revision=1,
                      created_at=clock.now(), updated_at=clock.now(), submitted_at=clock.now())
    db.session.add(work)
    db.session.commit()
    organisation_id, reviewer_ids = world.organisation.id, [world.instructor.id, second.id]
    barrier, outcomes = threading.Barrier(2), []

    def accept(reviewer_id):
        with committed_app.app_context():
            barrier.wait(timeout=30)
            try:
                decide(organisation_id, reviewer_id, "work-1", accept=True, feedback="",
                       results={c: ("meets", "") for c in "abc"}, now=clock.now())
                db.session.commit()
                outcomes.append("accepted")
            except SubmissionRefused:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=accept, args=(reviewer_id,)) for reviewer_id in reviewer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == ["accepted", "refused"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) == 1
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_the_persons_data_export_holds_their_submissions_and_erasure_deletes_them(client, world, clock, learner):
    from app.events import person_erased
    from app.reports.personal_data import person_data

    upload(client, {"text": "My plan.", "links": "", "action": "submit"})
    [exported] = person_data(world.organisation.id, world.learner.id)["badge_submissions"]
    assert exported["text"] == "My plan." and exported["state"] == "submitted"
    assert [item["name"] for item in exported["files"]] == ["plan.pdf"] and "sha256" in exported["files"][0]

    person_erased.send(client.application, organisation_id=world.organisation.id, person=world.learner)
    db.session.flush()

    assert db.session.scalars(select(Submission)).all() == []
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile)) == 0


def test_with_peer_review_a_colleague_who_holds_the_badge_reviews_and_one_who_does_not_cannot(app, use_badges,
                                                                                                  player_path, world,
                                                                                                  clock):
    from app.badges.awarding import award_badge
    from app.badges.catalogue import badge_catalogue
    from app.badges.submissions import NAMED, PEER, reviewer_role

    use_badges({"peer-plan.yaml": demonstrated_yaml("peer-plan", "{type: module_completed, module: mobility-basics}",
                                                    reviewers="organisation-and-peers")})
    badge = badge_catalogue().badge("peer-plan")
    holder, newcomer = colleague(world, clock, "holder"), colleague(world, clock, "newcomer")
    award_badge(world.organisation.id, holder.id, badge, now=clock.now(), evidence=[])
    name_reviewer(world.organisation.id, world.instructor.id, "peer-plan", named_by="Admin", now=clock.now())

    assert reviewer_role(world.organisation.id, holder.id, badge) == PEER
    assert reviewer_role(world.organisation.id, world.instructor.id, badge) == NAMED
    assert reviewer_role(world.organisation.id, newcomer.id, badge) is None
