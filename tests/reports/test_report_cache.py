"""The skills map is computed once per organisation, filters, month and language, then read from the shared cache
until something it counts changes: each kind of change gives the next view fresh figures, and no organisation
ever reads another's."""
import re

import pytest
from sqlalchemy import event, select

from app.badges.awarding import award_badge
from app.badges.catalogue import badge_catalogue
from app.extensions import db
from app.learning.models import ModuleProgress
from app.learning.self_assessment import record_self_assessment
from app.lti.nrps import Member
from app.lti.roster import record_roster
from app.reports.figures_version import current_version
from app.reports.models import LaunchRecord
from app.reports.personal_data import erase_person
from app.reports.report import skills_report
from app.reports.report_cache import _to_json, cached_skills_report
from app.tenancy.models import Person
from app.tenancy.services import merge_people
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, sign_in
from tests.support.reports import generate_organisation

FILTERS = {"granularity": "month", "period": "2026-11", "compare": "2026-06"}


def _figures(app, organisation, clock, **filters) -> dict:
    """The figures as the page gets them (which commits only a report it computed)."""
    report, computed = cached_skills_report(app.extensions["path_model"], organisation, now=clock.now(),
                                            locale="en", **(FILTERS | filters))
    if computed:
        db.session.commit()
    return _to_json(report)


def _fresh_figures(app, organisation, clock, **filters) -> dict:
    return _to_json(skills_report(app.extensions["path_model"], organisation, now=clock.now(), locale="en",
                                  **(FILTERS | filters)))


def _statements_during(action) -> list[str]:
    """The SQL statements of the action, without the test transaction's savepoints."""
    statements = []
    listener = lambda *args: None if "SAVEPOINT" in args[2] else statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return statements


def _someone(generated) -> Person:
    return db.session.get(Person, generated.people[0])


# Each change the map counts, made as the feature makes it; each returns nothing and leaves the change uncommitted.
def _launch(app, generated, clock):
    launch = make_launch(generated.world, _someone(generated), [LEARNER_ROLE], now=clock.now())
    db.session.add(LaunchRecord(organisation_id=launch.organisation_id, person_id=launch.person_id,
                                course_id=launch.course_id, launched_at=launch.created_at))  # as the launch writes it


def _self_assessment(app, generated, clock):
    path = app.extensions["path_model"]
    record_self_assessment(generated.world.organisation.id, generated.people[0], {s.id: 3 for s in path.statements},
                           path=path, now=clock.now())


def _module_completion(app, generated, clock):
    organisation_id = generated.world.organisation.id
    done = set(db.session.scalars(select(ModuleProgress.module_id).where(
        ModuleProgress.organisation_id == organisation_id, ModuleProgress.person_id == generated.people[0])))
    module = next(module for module in app.extensions["path_model"].modules if module.id not in done)
    launch = make_launch(generated.world, _someone(generated), [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, module.id, now=clock.now())


def _badge(app, generated, clock):
    for person_id in generated.people[:5]:  # five, so that the month's figure is shown, not "fewer than 5"
        award_badge(generated.world.organisation.id, person_id, badge_catalogue().badges[0], now=clock.now(),
                    evidence=[])


def _roster(app, generated, clock):
    members = [Member(f"rostered-{number}", ("Learner",), "Active", f"Rostered {number}", None) for number in range(5)]
    record_roster(generated.courses[1], members, now=clock.now())


def _erasure(app, generated, clock):
    erase_person(generated.world.organisation.id, generated.people[0], confirmation="ERASE", now=clock.now())


def _merge(app, generated, clock):
    merge_people(generated.world.organisation.id, generated.people[0], generated.people[1])


CHANGES = [_self_assessment, _module_completion, _badge, _roster, _erasure, _merge]


def test_a_second_view_reads_the_report_from_the_cache(app, generated, clock):
    organisation = generated.world.organisation
    first = _figures(app, organisation, clock)
    db.session.refresh(organisation)  # (expired by the commit that stored the report)

    statements = _statements_during(lambda: _figures(app, organisation, clock))

    assert len(statements) == 2, statements  # the organisation's version and the cached report
    assert _figures(app, organisation, clock) == first == _fresh_figures(app, organisation, clock)


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_the_cached_map_changes_after_each_kind_of_change(app, generated, clock, change):
    organisation = generated.world.organisation
    before, version = _cached(app, organisation, clock)

    change(app, generated, clock)
    db.session.commit()

    _assert_the_next_view_is_fresh(app, organisation, clock, before, version)


def test_launches_show_up_in_the_cached_map_within_report_cache_seconds(app, generated, clock):
    organisation = generated.world.organisation
    before, version = _cached(app, organisation, clock)

    for _ in range(5):  # five, so that the month's launch count moves visibly (not "fewer than 5")
        _launch(app, generated, clock)
    db.session.commit()

    assert current_version(organisation.id) == version  # a launch leaves the cached map warm …
    assert _figures(app, organisation, clock) == before
    clock.advance(seconds=app.config["REPORT_CACHE_SECONDS"] + 1)  # … for REPORT_CACHE_SECONDS at most
    assert _figures(app, organisation, clock) == _fresh_figures(app, organisation, clock) != before


def _cached(app, organisation, clock) -> tuple[dict, str]:
    """The figures, now in the cache, and the version they are cached under."""
    return _figures(app, organisation, clock), current_version(organisation.id)


def _assert_the_next_view_is_fresh(app, organisation, clock, before: dict, version: str) -> None:
    after = _figures(app, organisation, clock)
    assert current_version(organisation.id) != version
    assert after != before
    assert after == _fresh_figures(app, organisation, clock)


def test_a_change_rolled_back_keeps_the_cached_map(app, generated, clock):
    organisation = generated.world.organisation
    _figures(app, organisation, clock)
    version = current_version(organisation.id)

    _self_assessment(app, generated, clock)
    db.session.rollback()

    assert current_version(organisation.id) == version


def test_each_filter_choice_and_language_is_cached_apart(app, generated, clock):
    organisation = generated.world.organisation
    latest = _figures(app, organisation, clock)
    earlier = _figures(app, organisation, clock, period="2026-09", compare=None)
    by_quarter = _figures(app, organisation, clock, granularity="quarter", period="2026-Q4", compare=None)
    report, computed = cached_skills_report(app.extensions["path_model"], organisation, now=clock.now(), locale="fi",
                                            **FILTERS)

    assert len({repr(latest), repr(earlier), repr(by_quarter)}) == 3
    assert computed and report.level_titles != latest["level_titles"]
    assert earlier == _fresh_figures(app, organisation, clock, period="2026-09", compare=None)


def test_the_next_month_is_computed_afresh(app, generated, clock):
    organisation = generated.world.organisation
    _figures(app, organisation, clock, period=None, compare=None)

    clock.advance(days=10)  # 23 November → 3 December: a new month on offer, and the latest period moves
    report, computed = cached_skills_report(app.extensions["path_model"], organisation, now=clock.now(), locale="en",
                                            granularity="month")

    assert computed and report.filters.period.slug == "2026-12"


def test_another_organisation_never_sees_this_ones_cached_figures(app, path, generated, clock):
    other = generate_organisation(path, name="Other College", staff=120, seed=99)
    mine = _figures(app, generated.world.organisation, clock)
    theirs = _figures(app, other.world.organisation, clock)
    their_version = current_version(other.world.organisation.id)

    _self_assessment(app, generated, clock)
    db.session.commit()

    assert theirs != mine
    assert (
        _figures(app, other.world.organisation, clock) == theirs == _fresh_figures(app, other.world.organisation, clock)
    )
    assert current_version(other.world.organisation.id) == their_version  # a change here leaves theirs cached


def test_the_page_shows_the_cached_figures_and_then_the_changed_ones(app, client, generated, clock):
    world = generated.world
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    db.session.commit()
    first = client.get("/reports/skills-map").get_data(as_text=True)

    statements = _statements_during(lambda: client.get("/reports/skills-map"))
    counted = ("module_progress", "self_assessments", "report_launches", "people", "badge_awards")
    figures_read = [statement for statement in statements
                    if re.search(rf"\b(FROM|JOIN) ({'|'.join(counted)})\b", statement)
                    and "FROM lti_launches" not in statement  # the session's launch, loaded with its person
                    and "revocation_seen_at" not in statement]  # the header's notices: the person's own revoked badges
    assert not figures_read
    # launch, deployment, organisation; the version, the report; the content version; what waits for the person
    assert len(statements) <= 7
    assert client.get("/reports/skills-map").get_data(as_text=True) == first

    _roster(app, generated, clock)
    db.session.commit()
    assert client.get("/reports/skills-map").get_data(as_text=True) != first


def test_with_redis_the_version_is_replaced_after_the_commit_not_before(app, generated, clock, on_redis):
    organisation = generated.world.organisation
    before, version = _cached(app, organisation, clock)

    _self_assessment(app, generated, clock)
    db.session.flush()
    assert current_version(organisation.id) == version  # a reader now would still see (and store) the old figures
    db.session.commit()

    _assert_the_next_view_is_fresh(app, organisation, clock, before, version)
