"""Counting the SQL statements a piece of code sends (query budgets of pages that list many people)."""
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db


@contextmanager
def counted_queries():
    """The statements sent inside the block, as a list that fills while it runs."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
