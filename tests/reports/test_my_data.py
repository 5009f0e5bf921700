"""My data: every launched person reads what the tool keeps about them and who sees it, and downloads their own data
(and no one else's) as JSON and as one CSV file a spreadsheet opens."""
import csv
import io
import json
import re

import pytest

from app.extensions import db
from app.learning.content import path_model
from app.learning.self_assessment import record_self_assessment
from app.tenancy.models import Person
from app.tenancy.services import set_instructors_see_self_assessments
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, make_launch, make_world

pytestmark = pytest.mark.sqlite


@pytest.fixture
def learner_with_data(app, client, clock, world, launch_as):
    """The world's learner, launched, with a self-assessment and a completed module; another learner of the same
    course and a learner of another organisation have data too."""
    path = path_model(app)
    launch = launch_as("learner")
    record_self_assessment(world.organisation.id, world.learner.id, {s.id: 3 for s in path.statements}, path=path,
                           now=clock.now())
    complete_module(app, launch, path.modules[0].id, now=clock.now(), score=80)
    other = Person(organisation_id=world.organisation.id, issuer=world.registration.issuer, subject="other-learner",
                   name="Otto Other")
    db.session.add(other)
    db.session.flush()
    record_self_assessment(world.organisation.id, other.id, {s.id: 1 for s in path.statements}, path=path,
                           now=clock.now())
    elsewhere = make_world("Elsewhere")
    record_self_assessment(elsewhere.organisation.id, elsewhere.learner.id, {s.id: 2 for s in path.statements},
                           path=path, now=clock.now())
    db.session.flush()
    return launch


def test_the_page_says_per_kind_of_data_what_is_kept_and_who_sees_it(client, learner_with_data):
    html = client.get("/my-data").get_data(as_text=True)

    for kind in ("identity", "self-assessment", "progress", "grades", "badges", "submissions"):
        assert f'data-testid="kind-{kind}"' in html
    assert html.count("Who sees") >= 6
    assert 'data-testid="download-csv"' in html and 'data-testid="download-json"' in html


def test_who_sees_self_assessments_follows_the_organisations_rule(client, world, learner_with_data):
    def who_sees():
        html = client.get("/my-data").get_data(as_text=True)
        return re.search(r'data-testid="self-assessment-who-sees">(.*?)</p>', html, re.S).group(1)

    assert "only you" in who_sees()
    set_instructors_see_self_assessments(world.organisation.id, True)
    db.session.flush()
    assert "the instructors of your courses, who see a summary" in who_sees()


@pytest.mark.parametrize("role", ["learner", "instructor", "organisation admin"])
def test_every_launched_person_has_the_page(client, launch_as, role):
    launch_as(role)

    assert client.get("/my-data").status_code == 200


def test_the_json_download_holds_the_persons_own_data_and_nobody_elses(client, clock, world, learner_with_data):
    response = client.get("/my-data/my-data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="rex-vet-path-my-data-{clock.now().date().isoformat()}.json"')
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["id"] == world.learner.id and data["person"]["name"] == "Lea Learner"
    assert len(data["self_assessments"]) == 1, "the other learners' self-assessments are not in it"
    assert set(data["self_assessments"][0]["ratings"].values()) == {3}
    assert data["module_progress"][0]["score"] == 80, "a score is a number"
    assert {"badges", "badge_submissions", "grades"} <= data.keys()


def test_the_csv_download_is_one_file_a_spreadsheet_opens_with_numbers_as_numbers(client, clock, world,
                                                                                    learner_with_data):
    response = client.get("/my-data/my-data.csv")

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="rex-vet-path-my-data-{clock.now().date().isoformat()}.csv"')
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff"), "a byte order mark, so Excel reads ä and ö as they are"
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0].keys() == {"section", "item", "field", "value"}
    assert {"section": "person", "item": "1", "field": "name", "value": "Lea Learner"} in rows
    ratings = [row["value"] for row in rows if row["section"] == "self_assessments" and ".ratings." in
               f".{row['field']}"]
    assert ratings and set(ratings) == {"3"}, "only the person's own ratings, as bare numbers"
    score = next(row["value"] for row in rows if row["section"] == "module_progress" and row["field"] == "score")
    assert score == "80"
    assert "Otto Other" not in body


def test_downloads_are_not_kept_in_the_browser_cache(client, learner_with_data):
    for url in ("/my-data/my-data.json", "/my-data/my-data.csv"):
        assert client.get(url).headers["Cache-Control"] == "no-store"


def test_another_launch_downloads_its_own_persons_data(client, clock, world, learner_with_data):
    other = db.session.query(Person).filter_by(subject="other-learner").one()
    client.launch_token = make_launch(world, other, [LEARNER_ROLE], now=clock.now()).token

    data = client.get("/my-data/my-data.json").get_json()

    assert data["person"]["name"] == "Otto Other"
    assert set(data["self_assessments"][0]["ratings"].values()) == {1}


@pytest.mark.parametrize("url", ["/my-data", "/my-data/my-data.json", "/my-data/my-data.csv"])
def test_without_a_launch_there_is_no_data_to_read(client, url):
    response = client.get(url)

    assert response.status_code == 403
    assert "Open REX VET Path again from your course in the LMS." in response.get_data(as_text=True)
