"""Badges in the organisation's reports: issued per badge and month in the activity table, and in a person's
data export."""
from app.extensions import db
from app.reports.activity import activity_sources
from app.reports.personal_data import person_data
from tests.support.badges import complete_module


def test_each_badge_is_an_activity_measure_with_its_name(app, world, learner_launch, clock):
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())

    with app.test_request_context():
        source = next(source for source in activity_sources() if source.key == "badges")
        labels = source.labels(world.organisation.id)
        events = db.session.execute(source.events(world.organisation.id)).all()

    assert labels["badge:erasmus-plus-starter"] == "Completed: Erasmus+ in VET"
    assert [(person_id, measure) for person_id, _, measure in events] == [
        (world.learner.id, "badge:erasmus-plus-starter")
    ]


def test_a_person_s_export_lists_their_awards(app, world, learner_launch, clock):
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())

    with app.test_request_context():
        data = person_data(world.organisation.id, world.learner.id)

    assert [award["badge"] for award in data["badges"]] == ["erasmus-plus-starter"]
    assert data["badges"][0]["page"].startswith("http") and "/badges/awards/" in data["badges"][0]["page"]
