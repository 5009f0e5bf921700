"""An organisation admin decides whether instructors see their course members' self-assessment summaries."""
import pytest

from app.extensions import db
from tests.support.factories import LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

SETTING = "/organisation/settings/self-assessments"


def test_instructors_do_not_see_self_assessments_until_the_organisation_admin_allows_it(client, clock, world):
    learner = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    sign_in(client, learner)
    assert "Who sees your ratings: only you." in client.get("/self-assessment").get_data(as_text=True)

    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    sites = client.get("/organisation/sites").get_data(as_text=True)
    assert 'id="instructors-see" name="instructors_see_self_assessments" value="yes">' in sites  # unchecked
    response = post_form(
        client, SETTING, {"instructors_see_self_assessments": ["no", "yes"]}, page="/organisation/sites"
    )

    assert response.status_code == 303
    assert world.organisation.instructors_see_self_assessments is True
    sign_in(client, learner)
    page = client.get("/self-assessment").get_data(as_text=True)
    assert "Who sees your ratings: you, and the instructors of your courses, who see a summary" in page


def test_unticking_takes_the_permission_back(client, clock, world):
    world.organisation.instructors_see_self_assessments = True
    db.session.flush()
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))

    post_form(client, SETTING, {"instructors_see_self_assessments": "no"}, page="/organisation/sites")

    assert world.organisation.instructors_see_self_assessments is False


def test_only_an_organisation_admin_may_change_it(client, clock, world):
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    response = post_form(client, SETTING, {"instructors_see_self_assessments": "yes"}, page="/self-assessment")

    assert response.status_code == 403
    assert world.organisation.instructors_see_self_assessments is False


LANGUAGE_AND_TIME = "/organisation/settings/language-and-time"


def test_the_organisation_admin_sets_the_colleges_language_and_time_zone_and_times_are_shown_in_it(
        app, client, clock, world):
    from datetime import UTC, datetime

    from flask import g
    from flask_babel import refresh

    from app.i18n import format_time

    admin = make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now())
    sign_in(client, admin)
    assert '<option value="UTC" selected>UTC</option>' in client.get("/organisation/sites").get_data(as_text=True)

    response = post_form(client, LANGUAGE_AND_TIME, {"language": "fi", "time_zone": "Europe/Helsinki"},
                         page="/organisation/sites")

    assert response.status_code == 303
    assert (world.organisation.language, world.organisation.time_zone) == ("fi", "Europe/Helsinki")
    sites = client.get("/organisation/sites").get_data(as_text=True)
    assert '<option value="fi" lang="fi" selected>suomi</option>' in sites
    assert '<option value="Europe/Helsinki" selected>Europe/Helsinki</option>' in sites
    with app.test_request_context("/"):
        g.launch, g.locale = admin, "en"
        refresh()
        assert format_time(datetime(2026, 12, 7, 12, 0, tzinfo=UTC)) == "07/12/2026, 14:00 (Europe/Helsinki)"


@pytest.mark.parametrize(("fields", "message"), [
    ({"language": "xx", "time_zone": "UTC"}, "“xx” is not a language of REX VET Path."),
    ({"language": "fi", "time_zone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone."),
])
def test_a_language_or_time_zone_that_does_not_exist_is_refused_and_nothing_changes(client, clock, world, fields,
                                                                                     message):
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))

    response = post_form(client, LANGUAGE_AND_TIME, fields, page="/organisation/sites")

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (world.organisation.language, world.organisation.time_zone) == (None, None)
