"""E-mail about demonstrated badges, where the installation sets SMTP_URL: reviewers hear that work waits, learners
hear the decision, each in their own language; messages are outbox jobs sent after the work commits and retried
while the mail server is down. A real SMTP server (aiosmtpd) receives them."""
import pytest
from sqlalchemy import select

from app.badges.catalogue import badge_catalogue
from app.badges.submissions import decide, draft_for, name_reviewer, save_draft, submit
from app.clock import as_utc
from app.extensions import db
from app.jobs.models import Job
from app.jobs.runner import Worker
from app.learning.content import path_model
from tests.support.badges import complete_module, demonstrated_yaml
from tests.support.factories import LEARNER_ROLE, make_launch
from tests.support.mail import free_port

pytestmark = pytest.mark.sqlite


@pytest.fixture
def submitted(app, use_badges, player_path, world, clock):
    """The learner (Finnish) completed the module and submits; the instructor (English) is a named reviewer."""
    use_badges({"plan.yaml": demonstrated_yaml("plan", "{type: module_completed, module: mobility-basics}")})
    world.learner.email, world.learner.locale = "lea@college.example", "fi"
    world.instructor.email, world.instructor.locale = "ian@college.example", "en"
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, "mobility-basics", now=clock.now())
    name_reviewer(world.organisation.id, world.instructor.id, None, named_by="Admin", now=clock.now())

    def send():
        badge = badge_catalogue().badge("plan")
        work = draft_for(world.organisation.id, world.learner.id, badge, path_model(), now=clock.now())
        save_draft(work, text="My plan.", links=[], evidence_public=False, now=clock.now())
        submit(work, badge, path_model(), now=clock.now())
        db.session.commit()
        return work
    return send


def test_without_smtp_url_nobody_is_emailed(app, submitted):
    app.config["SMTP_URL"] = None
    submitted()
    assert db.session.scalars(select(Job).where(Job.kind == "mail.send")).all() == []


def test_the_reviewer_hears_of_the_work_and_the_learner_of_the_decision_in_their_languages(app, submitted, smtp,
                                                                                            world, clock):
    inbox, port = smtp
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    work = submitted()
    Worker(worker_id="test").run_until_idle()

    [(to, message)] = inbox.messages
    assert to == ["ian@college.example"] and message["Subject"] == "Work to review: The plan artefact (en)"
    assert "waits for a reviewer" in message.get_content()

    decide(world.organisation.id, world.instructor.id, work.public_id, accept=True, feedback="",
           results={c: ("meets", "") for c in "abc"}, now=clock.now())
    db.session.commit()
    Worker(worker_id="test").run_until_idle()

    to, message = inbox.messages[1]
    assert to == ["lea@college.example"] and message["Subject"].startswith("Osaamismerkkisi")


def test_a_mail_server_that_is_down_is_tried_again_and_nothing_is_lost(app, submitted, clock):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    submitted()
    Worker(worker_id="test").run_until_idle()

    [job] = db.session.scalars(select(Job).where(Job.kind == "mail.send")).all()
    db.session.refresh(job)
    assert job.status == Job.FAILED and job.attempts == 1 and "ConnectionRefusedError" in job.last_error
    assert as_utc(job.next_attempt_at) > clock.now()  # tried again later, up to its max_attempts
    assert "smtp://" not in job.last_error  # the URL may hold a password: never in a job's error
