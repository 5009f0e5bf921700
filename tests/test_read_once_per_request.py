"""Rows that several parts of one page read are read once per request (app.models_base.read_once_per_request), and
read afresh once the request writes or rolls back: the path page's parts and the navigation share the person's badge
standing."""
import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models_base import read_once_per_request
from app.tenancy.models import Organisation
from tests.support.factories import make_world

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
