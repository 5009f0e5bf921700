"""One Deep Linking request, one signed answer: also when the instructor's browser (a double click, Moodle's
"repost" page, several tabs) sends six answers at the same moment — PostgreSQL, six threads."""
import threading

import pytest

from app.errors import AppError
from app.extensions import db
from app.lti.keys import ensure_active_tool_key
from tests.support.content import small_path
from tests.support.deep_linking import deep_linking_launch, submit
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, make_world
from tests.support.forms import csrf_token_from

ANSWERS_AT_ONCE = 6


def browser(app, launch):
    """A browser on https (Flask-WTF checks the Referer there) carrying the launch's token."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
    client.launch_token = launch.token
    return client


def test_six_concurrent_answers_to_one_request_give_exactly_one_signed_response(committed_app, clock):
    committed_app.extensions["path_model"] = small_path()
    ensure_active_tool_key()
    world = make_world()
    launch = deep_linking_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now())
    db.session.commit()
    first = browser(committed_app, launch)
    csrf = csrf_token_from(first.get("/deep-linking/"))
    start, answers = threading.Barrier(ANSWERS_AT_ONCE, timeout=20), []

    def answer(button: str):
        with committed_app.app_context():
            client = browser(committed_app, launch)
            start.wait()
            response = client.post(f"/deep-linking/{button}", data={"csrf_token": csrf, "item": ["path"]})
            answers.append((response.status_code, 'name="JWT"' in response.get_data(as_text=True)))

    threads = [threading.Thread(target=answer, args=("add" if n % 2 else "cancel",)) for n in range(ANSWERS_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(answers) == [(200, True)] + [(409, False)] * (ANSWERS_AT_ONCE - 1)


@pytest.mark.sqlite
def test_an_answer_that_fails_before_it_is_sent_claims_nothing(client, open_picker, monkeypatch):
    open_picker([INSTRUCTOR_ROLE])
    from app.deep_linking import routes

    def broken(*args, **kwargs):
        raise AppError("The tool's signing key is not available.", status=503)

    with monkeypatch.context() as patched:
        patched.setattr(routes, "answer_with_selection", broken)
        assert submit(client, "add", ["path"]).status_code == 503

    answered = submit(client, "add", ["path"])

    assert answered.status_code == 200 and 'name="JWT"' in answered.get_data(as_text=True)


@pytest.mark.sqlite
def test_a_learners_refusal_is_the_requests_one_answer_too(client, open_picker, world):
    open_picker([LEARNER_ROLE], person=world.learner)

    first, again = client.get("/deep-linking/"), client.get("/deep-linking/")

    assert first.status_code == again.status_code == 403
    assert 'name="JWT"' in first.get_data(as_text=True)
    assert "Only instructors can add modules" in again.get_data(as_text=True)
    assert 'name="JWT"' not in again.get_data(as_text=True)
