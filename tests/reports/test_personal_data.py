"""An admin exports everything about one person, or erases it: afterwards nothing of them is anywhere."""
import csv
import io
import json
import logging

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.learning.models import ActivityResponse, ModuleAttempt, ModuleProgress, SectionSeen, SelfAssessment, SelfRating
from app.lti.models import Launch
from app.reports.models import LaunchRecord
from app.reports.population import population
from app.tenancy.models import Membership, Person
from tests.support.factories import LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form


@pytest.fixture
def person(generated, clock):
    """Someone of the generated organisation with a reflection, answers and self-assessments."""
    organisation_id = generated.world.organisation.id
    person_id = db.session.scalar(
        select(ModuleProgress.person_id).where(ModuleProgress.organisation_id == organisation_id)
        .join(SelfAssessment, SelfAssessment.person_id == ModuleProgress.person_id).limit(1)
    )
    progress = db.session.scalars(select(ModuleProgress).where(ModuleProgress.person_id == person_id)).first()
    attempt = ModuleAttempt(number=1, started_at=clock.now(), versions={}, shuffle_seed=7, score=0)
    progress.attempts.append(attempt)
    attempt.sections_seen.append(SectionSeen(section_id="intro", seen_at=clock.now()))
    attempt.responses.append(ActivityResponse(
        activity_id="reflect", version_id="reflect", first_chosen_ids=[], first_answered_at=clock.now(),
        chosen_ids=[], text="My own reflection", tries=1, answered_at=clock.now()))
    person = db.session.get(Person, person_id)
    person.email = "=cmd|' /C calc'!A0"  # a formula-like value must not run in a spreadsheet
    db.session.flush()
    return person


@pytest.fixture
def admin_client(client, clock, generated):
    world = generated.world
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    return client


def test_export_as_json_holds_everything_about_the_person(admin_client, person):
    response = admin_client.get(f"/reports/people/{person.id}/data.json")

    data = json.loads(response.get_data(as_text=True))
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert data["person"]["name"] == person.name and data["person"]["lms_user_id"] == person.subject
    assert len(data["self_assessments"]) == db.session.scalar(
        select(func.count()).select_from(SelfAssessment).where(SelfAssessment.person_id == person.id))
    assert data["self_assessments"][0]["ratings"], "every rating is in the export"
    answers = [answer for progress in data["module_progress"] for attempt in progress["attempts"]
               for answer in attempt["answers"]]
    at = answers[0]["at"]
    assert {"activity": "reflect", "version": "reflect", "first_answer": [], "first_answer_correct": None,
            "first_answered_at": at, "latest_answer": [], "latest_answer_correct": None,
            "reflection": "My own reflection", "tries": 1, "at": at} in answers
    assert data["memberships"] and data["launches"]


def test_export_as_csv_has_the_same_values_one_per_row(admin_client, person):
    rows = list(
        csv.DictReader(io.StringIO(admin_client.get(f"/reports/people/{person.id}/data.csv").get_data(as_text=True)))
    )

    assert {"section": "person", "item": "1", "field": "name", "value": person.name} in rows
    assert any(row["field"].endswith("reflection") and row["value"] == "My own reflection" for row in rows)
    email = next(row["value"] for row in rows if row["field"] == "email")
    assert email.startswith("'="), "a value starting with = is quoted so it cannot run as a formula"


def test_erasure_needs_the_typed_confirmation(admin_client, person):
    page = f"/reports/people/{person.id}/erase"

    response = post_form(admin_client, page, {"confirmation": "yes"}, page=page)

    assert response.status_code == 400
    assert db.session.get(Person, person.id).erased_at is None


def test_erasure_leaves_nothing_of_the_person_in_data_reports_or_exports(admin_client, person, generated, caplog, path):
    organisation_id = generated.world.organisation.id
    name, subject = person.name, person.subject
    before = population(organisation_id).size
    page = f"/reports/people/{person.id}/erase"
    caplog.set_level(logging.INFO)

    response = post_form(admin_client, page, {"confirmation": "ERASE"}, page=page)

    assert response.status_code == 303
    for model in (SelfAssessment, ModuleProgress, LaunchRecord, Membership, Launch):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.person_id == person.id)) == 0, (
            model
        )
    assert db.session.scalar(select(func.count()).select_from(SelfRating)
                             .join(SelfAssessment).where(SelfAssessment.person_id == person.id)) == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(ActivityResponse).where(ActivityResponse.text == "My own reflection")
        )
        == 0
    )
    erased = db.session.get(Person, person.id)
    assert (erased.name, erased.email, erased.locale) == (None, None, None) and erased.subject != subject
    assert population(organisation_id).size == before - 1, "an erased person no longer counts in any figure"
    assert admin_client.get(f"/reports/people/{person.id}/data.json").status_code == 410
    people_page = admin_client.get("/reports/people").get_data(as_text=True)
    assert f">{name}<" not in people_page and f">{subject}<" not in people_page
    assert "erased the data of person" in caplog.text
    assert f"{name}\n" not in caplog.text and subject not in caplog.text, "the log line names no one"


def test_another_organisations_person_cannot_be_exported_or_erased(admin_client, app):
    theirs = make_world("Theirs")

    assert admin_client.get(f"/reports/people/{theirs.learner.id}/data.json").status_code == 404
    assert admin_client.get(f"/reports/people/{theirs.learner.id}/erase").status_code == 404
    app.config["WTF_CSRF_ENABLED"] = False
    assert (
        admin_client.post(f"/reports/people/{theirs.learner.id}/erase", data={"confirmation": "ERASE"}).status_code
        == 404
    )
    assert db.session.get(Person, theirs.learner.id).erased_at is None


def test_a_learner_cannot_reach_peoples_data(client, clock):
    world = make_world()
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    assert client.get(f"/reports/people/{world.learner.id}/data.json").status_code == 403


def test_the_erase_confirmation_is_typed_in_the_admins_language(client, clock, generated, person):
    world = generated.world
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now(), locale="fi"))
    page = f"/reports/people/{person.id}/erase"

    form = client.get(page).get_data(as_text=True)
    refused = post_form(client, page, {"confirmation": "ERASE it"}, page=page)
    erased = post_form(client, page, {"confirmation": " poista "}, page=page)

    assert "Kirjoita POISTA vahvistaaksesi" in form
    assert refused.status_code == 400 and "kirjoita ruutuun POISTA" in refused.get_data(as_text=True)
    assert erased.status_code == 303
    assert db.session.get(type(person), person.id).erased_at is not None
