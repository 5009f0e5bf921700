"""Rows that several parts of one page read are read once per request (app.models_base.read_once_per_request), and
read afresh once the request writes or rolls back: the path page's parts and the navigation share the person's badge
standing. Reads of several parts can share one statement (app.models_base.read_together): the path page reads the
learner's learning and badge standing together."""
import pytest
from sqlalchemy import Integer, String, bindparam, literal_column, null, select, union_all, update

from app.extensions import db
from app.models_base import TaggedRead, read_once_per_request, read_together
from app.tenancy.models import Organisation
from tests.support.factories import make_world
from tests.support.queries import counted_queries

pytestmark = pytest.mark.sqlite


class CountedRead:
    def __init__(self):
        self.reads = 0

    def __call__(self):
        self.reads += 1
        return self.reads


def test_within_a_request_the_same_key_is_read_once_and_another_key_apart(app):
    read, other = CountedRead(), CountedRead()
    with app.test_request_context("/"):
        assert [read_once_per_request("awards", read) for _ in range(3)] == [1, 1, 1]
        assert read_once_per_request("submissions", other) == 1

    assert (read.reads, other.reads) == (1, 1)


def test_each_request_reads_for_itself(app):
    read = CountedRead()
    for _ in range(2):
        with app.test_request_context("/"):
            read_once_per_request("awards", read)

    assert read.reads == 2


def test_a_write_through_the_session_makes_the_next_part_read_again(app):
    read = CountedRead()
    with app.test_request_context("/"):
        read_once_per_request("awards", read)
        db.session.execute(update(Organisation).where(Organisation.id == -1).values(name="nobody"))
        read_once_per_request("awards", read)
        make_world("Another college")  # objects flushed
        read_once_per_request("awards", read)

    assert read.reads == 3


def test_a_rollback_makes_the_next_part_read_again(app):
    read = CountedRead()
    with app.test_request_context("/"):
        read_once_per_request("awards", read)
        db.session.scalars(select(Organisation.id)).all()  # a real read leaves the session in a transaction
        db.session.rollback()  # what an error page does before it renders the navigation
        read_once_per_request("awards", read)

    assert read.reads == 2


def test_outside_a_request_every_call_reads(app):
    read = CountedRead()
    read_once_per_request("awards", read)
    read_once_per_request("awards", read)

    assert read.reads == 2


def organisations_named():
    """A read of the organisations with an id at least `lowest`: (name, id) rows, as a sorted list of names."""
    return TaggedRead("names", select(Organisation.name.label("name"), Organisation.id).where(
        Organisation.id >= bindparam("lowest", type_=Integer)), lambda rows: sorted(name for name, _id in rows))


def organisations_counted():
    """A read of a different shape: ("count", how many, NULL) and ("highest", NULL, highest id)."""
    counted = select(literal_column("'count'", String).label("kind"), select(db.func.count(Organisation.id)).where(
        Organisation.id >= bindparam("lowest", type_=Integer)).scalar_subquery().label("count"),
        null().cast(Integer).label("highest"))
    highest = select(literal_column("'highest'"), null(), select(db.func.max(Organisation.id)).scalar_subquery())
    return TaggedRead("counts", union_all(counted, highest),
                      lambda rows: {kind: count if kind == "count" else highest for kind, count, highest in rows})


def test_reads_of_different_shapes_share_one_statement_and_each_is_kept_for_the_request(app):
    first, second = make_world("First college").organisation, make_world("Second college").organisation
    db.session.commit()
    lowest = min(first.id, second.id)

    with app.test_request_context("/"), counted_queries() as statements:
        names, counts = read_together([organisations_named(), organisations_counted()], {"lowest": lowest})
        kept = [read_once_per_request(key, lambda: pytest.fail("read again")) for key in ("names", "counts")]

    assert names == ["First college", "Second college"]
    assert counts == {"count": 2, "highest": max(first.id, second.id)}
    assert kept == [names, counts]
    assert len([statement for statement in statements if statement.startswith("SELECT")]) == 1


def test_a_read_alone_gives_the_same_as_read_together(app):
    make_world("First college")
    db.session.commit()

    with app.test_request_context("/"):
        alone = read_together([organisations_counted()], {"lowest": 0})[0]
    with app.test_request_context("/"):
        together = read_together([organisations_named(), organisations_counted()], {"lowest": 0})[1]

    assert alone == together


def test_a_column_of_no_type_is_refused_with_what_to_write_instead(app):
    untyped = TaggedRead("untyped", select(literal_column("'kind'").label("kind")), list)

    with app.test_request_context("/"), pytest.raises(TypeError, match="kind.*type_coerce"):
        read_together([untyped, organisations_named()], {"lowest": 0})
