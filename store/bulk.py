"""Bulk inserts on PostgreSQL: ids drawn from a table's own sequence, then one COPY; and lookups
of thousands of values.

An executemany of thousands of rows costs the driver a round of conversions per row; COPY streams
them. The ids are taken from the table's sequence first, as an INSERT would take them, so the
caller knows each row's id without reading it back. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import psycopg
from sqlalchemy import ColumnElement, String, Table, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlmodel import Session


def among(
    session: Session, column: Mapped[str | None], values: Iterable[str]
) -> ColumnElement[bool]:
    """`column IN (values)` for a text column; on PostgreSQL `column = ANY(array)`, one parameter.

    An IN list costs SQLAlchemy and the driver a parameter each to render, cast and send: for
    an import's batch lookups of 2,000 phone numbers, more time than the database took.
    """
    wanted = list(values)
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(wanted)
    return column == any_(bindparam(None, wanted, type_=ARRAY(String())))


def next_ids(*, session: Session, table: Table, count: int) -> list[int]:
    """Draw `count` ids from the table's id sequence, ascending (PostgreSQL only)."""
    drawn = session.execute(
        text(
            "SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) "
            "FROM generate_series(1, :n)"
        ),
        {"table": table.name, "n": count},
    ).scalar_one()  # one array, not a result row per id
    return sorted(int(value) for value in drawn or [])


def copy_rows(
    *, session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """Insert the rows (values in `columns` order) with one COPY; bound as an INSERT would bind.

    Only the columns whose type converts a value for the driver are converted, and a value the
    same object as the row before's (a timestamp for the batch) is converted once.
    """
    connection = session.connection()
    processors = [
        (index, process)
        for index, name in enumerate(columns)
        if (process := table.c[name].type.bind_processor(connection.dialect)) is not None
    ]
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    last: dict[int, tuple[object, object]] = {}
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if processors:
                    row = list(row)
                    for index, process in processors:
                        value = row[index]
                        before = last.get(index)
                        if before is None or before[0] is not value:
                            before = last[index] = (value, process(value))
                        row[index] = before[1]
                copy.write_row(row)
    except psycopg.IntegrityError as error:  # as an INSERT's would reach the caller
        raise IntegrityError(statement, None, error) from error
