"""Badges are awarded when their rule becomes true, exactly once, from completed modules only."""
import multiprocessing
import os

import pytest
from sqlalchemy import func, select

from app.badges.awarding import ERASED_REASON, awards_of, reevaluate_all
from app.badges.models import BadgeAward
from app.clock import as_utc
from app.events import badge_awarded, person_erased
from app.extensions import db
from app.learning.self_assessment import record_self_assessment
from app.tenancy.models import Person
from app.tenancy.services import merge_people
from tests.support.badges import badge_yaml, complete_module, complete_modules
from tests.support.factories import LEARNER_ROLE, make_launch

ROOKIE = [
    "erasmus-plus-for-vet",
    "vet-systems-at-a-glance",
    "working-across-languages",
    "culture-at-work-first-steps",
    "internationalisation-at-home-first-steps",
    "supporting-learners-during-mobility",
]


def held(world):
    return sorted(award.badge_id for award in awards_of(world.organisation.id, world.learner.id))


@pytest.mark.sqlite
def test_completing_the_named_module_awards_the_module_badge_with_its_evidence(app, world, learner_launch, clock):
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())
    [award] = awards_of(world.organisation.id, world.learner.id)
    assert award.badge_id == "erasmus-plus-starter"
    assert as_utc(award.awarded_at) == clock.now() and award.expires_at is None
    assert [entry["module"] for entry in award.evidence] == ["erasmus-plus-for-vet"]


@pytest.mark.sqlite
def test_an_area_level_badge_needs_every_module_of_the_cell(app, world, learner_launch, clock, use_badges):
    use_badges({"cell.yaml": badge_yaml("cell", "{type: area_level_completed, area: eu-vet-policy, level: rookie}")})
    complete_module(
        app, learner_launch, "europass-eqf-and-learning-outcomes", now=clock.now()
    )  # explorer: not the cell
    assert held(world) == []
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())
    assert held(world) == ["cell"]


@pytest.mark.sqlite
def test_a_level_badge_needs_the_level_completed_in_that_many_areas(app, world, learner_launch, clock):
    complete_modules(app, learner_launch, ROOKIE[:2], now=clock.now())
    assert "rookie-in-three-areas" not in held(world)
    complete_module(app, learner_launch, ROOKIE[2], now=clock.now())
    assert "rookie-in-three-areas" in held(world)


@pytest.mark.sqlite
def test_the_path_badge_needs_every_module_of_the_path(app, world, learner_launch, clock):
    modules = [module.id for module in app.extensions["path_model"].modules]
    complete_modules(app, learner_launch, modules[:-1], now=clock.now())
    assert "international-expert" not in held(world)
    complete_module(app, learner_launch, modules[-1], now=clock.now())
    assert "international-expert" in held(world)


@pytest.mark.sqlite
def test_an_expiring_badge_expires_its_valid_for_days_after_the_award(app, world, learner_launch, clock):
    complete_module(app, learner_launch, "skills-competitions", now=clock.now())
    [award] = awards_of(world.organisation.id, world.learner.id)
    assert (award.expires_at - award.awarded_at).days == 1095


@pytest.mark.sqlite
def test_a_self_rating_alone_awards_nothing(app, world, clock):
    path = app.extensions["path_model"]
    record_self_assessment(world.organisation.id, world.learner.id, {s.id: 3 for s in path.statements}, path=path,
                           now=clock.now())
    assert reevaluate_all(path, now=clock.now()) == []
    assert held(world) == []


@pytest.mark.sqlite
def test_a_badge_is_not_awarded_twice(app, world, learner_launch, clock):
    sent = []
    receiver = lambda sender, award: sent.append(award.badge_id)  # noqa: E731
    badge_awarded.connect(receiver)
    try:
        progress = complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())
        from app.events import module_completed
        module = app.extensions["path_model"].module("erasmus-plus-for-vet")
        module_completed.send(app, launch=learner_launch, module=module, progress=progress)  # the same event again
        reevaluate_all(app.extensions["path_model"], now=clock.now())
    finally:
        badge_awarded.disconnect(receiver)
    assert sent == ["erasmus-plus-starter"]
    assert held(world) == ["erasmus-plus-starter"]


@pytest.mark.sqlite
def test_reevaluation_awards_what_a_new_rule_makes_due_and_takes_nothing_away(app, world, learner_launch, clock,
                                                                             use_badges, runner):
    use_badges({"first.yaml": badge_yaml("first", "{type: module_completed, module: erasmus-plus-for-vet}")})
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())
    assert held(world) == ["first"]
    use_badges({"second.yaml": badge_yaml("second", "{type: module_completed, module: erasmus-plus-for-vet}")})
    result = runner.invoke(args=["badges", "reevaluate"])
    assert result.exit_code == 0, result.output
    assert "1 badge(s) awarded" in result.output
    assert held(world) == ["first", "second"]  # "first" is no longer defined, and is kept


@pytest.mark.sqlite
def test_erasing_a_person_revokes_their_awards_with_the_reason(app, world, learner_launch, clock):
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())
    [award] = awards_of(world.organisation.id, world.learner.id)
    person_erased.send(app, organisation_id=world.organisation.id, person=world.learner)
    assert award.revoked_at == clock.now() and award.revocation_reason == ERASED_REASON
    assert award.person_id is None and award.is_private and award.evidence == []


@pytest.mark.sqlite
def test_merging_two_records_of_a_person_keeps_every_badge_once(app, world, learner_launch, clock):
    other = Person(organisation_id=world.organisation.id, issuer="https://other-lms.example.org", subject="lea-2")
    db.session.add(other)
    db.session.flush()
    other_launch = make_launch(world, other, [LEARNER_ROLE], now=clock.now())
    complete_module(app, other_launch, "erasmus-plus-for-vet", now=clock.now())  # earlier: this award stays
    clock.advance(days=1)
    complete_modules(app, learner_launch, ["erasmus-plus-for-vet", "skills-competitions"], now=clock.now())
    earlier = awards_of(world.organisation.id, other.id)[0].public_id
    merge_people(world.organisation.id, world.learner.id, other.id)
    awards = awards_of(world.organisation.id, world.learner.id)
    assert sorted(award.badge_id for award in awards) == ["erasmus-plus-starter", "skills-competitions"]
    assert earlier in {award.public_id for award in awards}


def _fire_completion(database_url, launch_id, module_id, barrier, results):
    """One worker process: its own app and connection, firing the same module_completed as the others."""
    from app.events import module_completed
    from app.learning.progress import find_progress
    from app.lti.models import Launch
    from tests.support.app import make_app

    app = make_app(database_url)
    with app.app_context():
        launch = db.session.get(Launch, launch_id)
        organisation_id, person_id = launch.organisation_id, launch.person_id
        progress = find_progress(organisation_id, person_id, module_id)
        barrier.wait(timeout=30)
        module_completed.send(app, launch=launch, module=app.extensions["path_model"].module(module_id),
                              progress=progress)
        db.session.commit()
        results.put(len(awards_of(organisation_id, person_id)))


@pytest.mark.skipif(os.environ.get("TEST_DB") == "sqlite", reason="concurrent writers need PostgreSQL")
@pytest.mark.timeout(120)
def test_the_same_completion_in_several_processes_awards_each_badge_once(committed_app, test_database_url, clock):
    from tests.support.factories import make_world

    world = make_world()
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    # the first three rookie cells done, recorded without the event, as if every process's event was the first
    from app.learning.progress import open_module
    path = committed_app.extensions["path_model"]
    for module_id in ROOKIE[:3]:
        progress = open_module(launch, path.module(module_id), now=clock.now())
        progress.completed_at, progress.score = clock.now(), 100
    db.session.commit()
    context = multiprocessing.get_context("fork")
    contenders = 6
    barrier, results = context.Barrier(contenders), context.Queue()
    processes = [context.Process(target=_fire_completion, args=(
        test_database_url, launch.id, ROOKIE[2], barrier, results))
        for _ in range(contenders)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0] * contenders
    counts = db.session.execute(select(BadgeAward.badge_id, func.count()).group_by(BadgeAward.badge_id)).all()
    assert dict(counts) == {"erasmus-plus-starter": 1, "rookie-in-three-areas": 1}
    indices = db.session.scalars(select(BadgeAward.status_index)).all()
    assert (
        len(set(indices)) == len(indices) == 2
    )  # every award its own status bit (each process reserves its own block)


def _award_to(world, subject: str, clock):
    """The module badge awarded to a new learner of the world's organisation, as a completion awards it."""
    from app.badges.awarding import award_badge
    from app.badges.catalogue import badge_catalogue

    person = Person(organisation_id=world.organisation.id, issuer=world.learner.issuer, subject=subject,
                    name=subject, email=f"{subject}@college.example.org")
    db.session.add(person)
    db.session.flush()
    badge = badge_catalogue().badge("erasmus-plus-starter")
    return award_badge(world.organisation.id, person.id, badge, now=clock.now(), evidence=[])


def _issuer_counter(world) -> int:
    from app.badges.models import BadgeIssuer

    return db.session.scalars(select(BadgeIssuer.next_status_index)
                              .where(BadgeIssuer.organisation_id == world.organisation.id)).one()


@pytest.mark.sqlite
def test_awards_take_their_status_bits_from_a_block_the_process_reserved_once(app, world, clock):
    from app.badges.issuers import STATUS_INDEX_BLOCK

    indexes = []
    for number in range(3):
        award = _award_to(world, f"earner-{number}", clock)
        db.session.commit()  # each award in its own transaction, as completions are
        indexes.append(award.status_index)
    assert indexes == [0, 1, 2]
    assert _issuer_counter(world) == STATUS_INDEX_BLOCK  # one reservation for all three


@pytest.mark.sqlite
@pytest.mark.parametrize("undone", ["transaction", "savepoint"])
def test_a_block_reserved_in_a_rolled_back_transaction_is_never_handed_out(app, world, clock, undone):
    from app.badges.issuers import STATUS_INDEX_BLOCK, issuer_for

    issuer_for(world.organisation.id)
    db.session.commit()
    savepoint = db.session.begin_nested() if undone == "savepoint" else None
    assert _award_to(world, "rolled-back", clock).status_index == 0
    (savepoint or db.session).rollback()  # the reservation is undone: another process may reserve the same indexes
    assert _issuer_counter(world) == 0
    assert _award_to(world, "kept", clock).status_index == 0  # from a new reservation, not the undone one
    assert _issuer_counter(world) == STATUS_INDEX_BLOCK


def test_a_forked_process_does_not_hand_out_its_parents_status_bits():
    from app.badges.issuers import StatusIndexBlocks

    blocks = StatusIndexBlocks()
    blocks.give(("organisation", "issuer"), [5, 6, 7])
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=lambda: results.put(blocks.take(("organisation", "issuer"))))
    child.start()
    child.join(30)
    assert results.get(timeout=5) is None
    assert blocks.take(("organisation", "issuer")) == 5


@pytest.mark.sqlite
def test_a_persons_first_award_is_stored_signed_in_three_statements_once_the_block_is_reserved(app, world, clock):
    from sqlalchemy import event

    _award_to(world, "first", clock)  # reserves the block, parses the key
    db.session.commit()
    person = Person(organisation_id=world.organisation.id, issuer=world.learner.issuer, subject="second")
    db.session.add(person)
    db.session.flush()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (before_cursor_execute: the SQL)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        from app.badges.awarding import award_badge
        from app.badges.catalogue import badge_catalogue

        award = award_badge(world.organisation.id, person.id, badge_catalogue().badge("erasmus-plus-starter"),
                            now=clock.now(), evidence=[])
        assert award.credential_jwt and award.credential["credentialStatus"]["statusListIndex"] == "1"
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # What the credential needs (issuer, earner, key); the earner's subject id (made once, with their first
    # credential); the INSERT.
    assert len(statements) == 3, statements
    assert statements[2].lstrip().upper().startswith("INSERT INTO BADGE_AWARDS")


@pytest.mark.sqlite
def test_reevaluation_reads_everyone_at_once_and_makes_each_persons_new_badges_in_one_insert(app, world, clock,
                                                                                            use_badges):
    from sqlalchemy import event

    from app.badges.issuers import issuer_for
    from app.badges.keys import active_badge_key
    from app.learning.progress import open_module

    use_badges({f"{name}.yaml": badge_yaml(name, "{type: module_completed, module: erasmus-plus-for-vet}")
                for name in ("first", "second")})
    path = app.extensions["path_model"]
    people = [world.learner] + [Person(organisation_id=world.organisation.id, issuer=world.learner.issuer,
                                       subject=f"learner-{number}") for number in range(2)]
    db.session.add_all(people)
    db.session.flush()
    for person in people:  # completions recorded without the event, as before a change of rules
        launch = make_launch(world, person, [LEARNER_ROLE], now=clock.now())
        open_module(launch, path.module("erasmus-plus-for-vet"), now=clock.now()).completed_at = clock.now()
    issuer_for(world.organisation.id), active_badge_key(world.organisation.id)  # made once per organisation
    db.session.flush()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        awarded = reevaluate_all(path, now=clock.now())
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sorted((award.person_id, award.badge_id) for award in awarded) == sorted(
        (person.id, badge) for person in people for badge in ("first", "second"))
    inserts = [sql for sql in statements if sql.lstrip().upper().startswith("INSERT INTO BADGE_AWARDS")]
    assert len(inserts) == len(people)  # one per person, both badges in it
    # everyone read at once; per person what the credentials need, their subject id (first credential) and the
    # INSERT; once: a status-index block reserved and the new key read (then kept parsed by the process)
    assert len(statements) == 2 + 3 * len(people) + 2, "\n".join(sql[:90] for sql in statements)


def test_a_badge_that_cannot_be_signed_now_is_still_awarded_and_signed_at_its_first_use(
        app, world, learner_launch, clock, monkeypatch, caplog):
    from app.badges import awarding, credentials

    def broken_key(*args, **kwargs):
        raise ValueError("KEY_ENCRYPTION_KEYS cannot decrypt the badge key")

    with monkeypatch.context() as patched:
        patched.setattr(awarding, "sign", broken_key)
        complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())
    [award] = awards_of(world.organisation.id, world.learner.id)
    assert award.credential_jwt is None
    assert "could not be signed now" in caplog.text

    with app.app_context():
        award = db.session.get(BadgeAward, award.id)
        document, token = credentials.signed_credential(award)
        db.session.commit()
    assert token.count(".") == 2 and "OpenBadgeCredential" in document["type"]
