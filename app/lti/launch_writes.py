"""A launch's writes: its login spent, the person (with the course and membership of its context), the launch row and
the rows other features write with every launch; on PostgreSQL as one statement.

Each statement is a round trip, and at one launch in flight a round trip costs more than the row it writes: ~0.14 ms
of the database's CPU against ~0.05–0.12 ms of execution for each of these rows (pg_stat_statements), plus the
waits; the launch waited for five in a row (docs/benchmarks.md, 2026-12-08). PostgreSQL takes them as data-modifying
WITH queries, each row from the RETURNING of the ones before it, the launch's rows only if its login was not spent
before. SQLite has no INSERT inside WITH: there they are one statement each, in the same order and transaction.

Features above lti (the reports' launch history) register their row with `register_row_per_launch` rather than
write it from the `launch_completed` signal, so that it goes into the same statement; `launch_completed` stays for
what a launch writes only sometimes (a grade, a roster).
"""
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import DateTime, Table, bindparam, insert, text
from sqlalchemy.orm import make_transient_to_detached

from app.extensions import db
from app.lti.login import StartedLogin
from app.lti.models import Launch
from app.tenancy.services import (
    PERSON_IN_COURSE_WITH_QUERIES,
    PERSON_WITH_QUERY,
    UPSERT_PARAMETER_TYPES,
    check_course_organisation,
    person_in_course_parameters,
    upsert_person,
    upsert_person_in_course,
)

_ROWS = "lti.rows_per_launch"  # app.extensions: the features' RowPerLaunch
_STATEMENTS = "lti.launch_statements"  # app.extensions: has a course? → the PostgreSQL statement, built once


@dataclass(frozen=True)
class RowPerLaunch:
    """A row a feature writes with every launch: its table and, for each column, the launch's column it copies."""

    table: Table
    columns: Mapping[str, str]  # the table's column → lti_launches' column


def register_row_per_launch(app: Flask, row: RowPerLaunch) -> None:
    """A higher package's row written with every launch, in the launch's own statement where the database allows."""
    app.extensions.setdefault(_ROWS, []).append(row)
    app.extensions.pop(_STATEMENTS, None)


@dataclass(frozen=True)
class LaunchIds:
    person_id: int
    course_id: int | None
    membership_id: int | None


def write_launch(launch: Launch, login: StartedLogin, person: dict, *, context: dict | None) -> LaunchIds | None:
    """Spend the login and write the person (in the context's course, if it has one), the launch and the registered
    rows, in the request's transaction. None if the login was spent already: then neither the launch nor its rows
    are written (on PostgreSQL the person's, course's and membership's upserts have run in the same statement; the
    caller refuses the launch, and the refusal rolls them back).

    `person` holds upsert_person_in_course's arguments but the context (organisation_id, deployment_id, issuer,
    subject, role, lti_roles, roster_url, name, email, locale, now); `launch` is complete but for its person and
    course, set here; it is then in the session as if loaded (a later change to it is an UPDATE at the commit).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        ids = _write_in_one_statement(launch, login, person, context=context)
    else:
        ids = _write_one_by_one(launch, login, person, context=context)
    if ids is not None:
        make_transient_to_detached(launch)
        db.session.add(launch)
    return ids


def spend_login(login: StartedLogin) -> bool:
    """Record the login's state as spent; False if it was spent already (by any process: the key is unique, and on
    PostgreSQL a second INSERT of the same key waits for the first transaction, then finds it)."""
    return db.session.execute(_SPEND_LOGIN, _login_values(login)).first() is not None


def was_spent(login: StartedLogin) -> bool:
    """Whether the login was spent already (a refusal's question, so that a replay is told it is one)."""
    return db.session.execute(_SPENT, {"state_id": login.state_id}).first() is not None


def _login_values(login: StartedLogin) -> dict:
    return {"state_id": login.state_id, "state_expires_at": login.expires_at}


# Written once as text, as app/shared_cache.py's upserts: the same SQL on PostgreSQL and SQLite.
_SPEND_LOGIN_SQL = ("INSERT INTO lti_spent_logins (state_id, expires_at) VALUES (:state_id, :state_expires_at) "
                    "ON CONFLICT (state_id) DO NOTHING RETURNING state_id")
_STATE_EXPIRES_AT = bindparam("state_expires_at", type_=DateTime(timezone=True))
_SPEND_LOGIN = text(_SPEND_LOGIN_SQL).bindparams(_STATE_EXPIRES_AT)
_SPENT = text("SELECT 1 FROM lti_spent_logins WHERE state_id = :state_id")


def _write_one_by_one(launch: Launch, login: StartedLogin, person: dict, *, context: dict | None) -> LaunchIds | None:
    if not spend_login(login):
        return None
    if context:
        ids = LaunchIds(*upsert_person_in_course(context=context, **person))
    else:
        ids = LaunchIds(upsert_person(person["organisation_id"], person["issuer"], person["subject"],
                                      **{name: person[name] for name in ("name", "email", "locale", "now")}),
                        None, None)
    launch.person_id, launch.course_id = ids.person_id, ids.course_id
    row = _launch_values(launch)
    db.session.execute(insert(Launch.__table__), row)
    for written in current_app.extensions.get(_ROWS, ()):
        db.session.execute(insert(written.table), {column: row[source] for column, source in written.columns.items()})
    return ids


def _write_in_one_statement(launch: Launch, login: StartedLogin, person: dict, *,
                            context: dict | None) -> LaunchIds | None:
    parameters = {**person_in_course_parameters(context=context, **person), **_login_values(login),
                  **{f"launch_{name}": value for name, value in _launch_values(launch).items()}}
    answer = db.session.execute(_statement(with_course=bool(context)), parameters).one()
    if not answer.login_spent_now:
        return None
    if context:
        check_course_organisation(answer.course_organisation_id, person["organisation_id"], person["deployment_id"])
    launch.person_id, launch.course_id = answer.person_id, answer.course_id
    return LaunchIds(answer.person_id, answer.course_id, answer.membership_id)


def _launch_values(launch: Launch) -> dict:
    """The launch's columns as the INSERT takes them (every column set: the row is written as it is, no defaults)."""
    return {column.name: launch.__dict__[attribute.key]
            for attribute in Launch.__mapper__.column_attrs for column in attribute.columns}


def _statement(*, with_course: bool):
    statements = current_app.extensions.setdefault(_STATEMENTS, {})
    if with_course not in statements:
        statements[with_course] = _build_statement(with_course, current_app.extensions.get(_ROWS, ()))
    return statements[with_course]


def _build_statement(with_course: bool, rows: list[RowPerLaunch]):
    """WITH spent, person[, course, membership], launch, row_0…: the launch and its rows only if the login was spent
    now (`FROM spent`) and its course is in the launch's organisation (as the membership; the caller then refuses the
    launch). The answer is one row: whether the login was spent now, the ids, the course's organisation."""
    table = Launch.__table__
    quote = db.session.get_bind().dialect.identifier_preparer.quote  # names as the dialect writes them
    from_ids = {"person_id": "person.id", "course_id": "course.id" if with_course else None}  # else its parameter
    selected = [from_ids.get(column.name) or f":launch_{column.name}" for column in table.columns]
    copied = sorted({source for row in rows for source in row.columns.values()})
    launch_query = (
        f"launch AS (INSERT INTO {quote(table.name)} ({', '.join(quote(column.name) for column in table.columns)}) "
        f"SELECT {', '.join(selected)} FROM spent, person"
        + (", course WHERE course.organisation_id = :organisation_id" if with_course else "")
        + (f" RETURNING {', '.join(map(quote, copied))})" if copied else ")")
    )
    row_queries = [
        f"row_{n} AS (INSERT INTO {quote(row.table.name)} ({', '.join(map(quote, row.columns))}) "
        f"SELECT {', '.join(map(quote, row.columns.values()))} FROM launch)"
        for n, row in enumerate(rows)
    ]
    person_queries = PERSON_IN_COURSE_WITH_QUERIES if with_course else PERSON_WITH_QUERY
    answer = ("SELECT EXISTS (SELECT FROM spent) AS login_spent_now, person.id AS person_id, "
              + ("course.id AS course_id, course.organisation_id AS course_organisation_id, "
                 "(SELECT id FROM membership) AS membership_id FROM person, course" if with_course else
                 "NULL AS course_id, NULL AS course_organisation_id, NULL AS membership_id FROM person"))
    sql = (f"WITH spent AS ({_SPEND_LOGIN_SQL}), {person_queries}, "
           + ", ".join([launch_query, *row_queries]) + " " + answer)
    types = [bindparam(f"launch_{column.name}", type_=column.type) for column in table.columns
             if f":launch_{column.name}" in selected]
    types += [parameter for parameter in (*UPSERT_PARAMETER_TYPES, _STATE_EXPIRES_AT)
              if f":{parameter.key}" in sql]
    return text(sql).bindparams(*types)
