"""A throw-away copy of the store in memory: a trial runs there, and nothing of it stays.

`recruitbot chat` lets a coordinator play a citizen against the live campaign. Everything the
trial writes (the citizen, a booking, staff notices, monitoring records) goes into this copy,
which is gone when the trial ends, or when the process dies: it is never on disk.

Why a copy and not a transaction rolled back at the end: a trial advances time, and the due jobs
then run over every citizen's reminders and queued messages. In a transaction on the live
PostgreSQL those rows would stay locked for as long as the coordinator types, and the live worker
(which skips locked rows) would hold real reminders back; a booked slot would block a real
citizen's booking of it, and sequences would advance. A copy touches the live store only by
reading it: SQLite through its backup API, PostgreSQL in one REPEATABLE READ, READ ONLY
transaction (a consistent snapshot that takes no row locks).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers every table on SQLModel.metadata)
from store.db import make_engine
from store.migrate import upgrade

COPY_BATCH = 1000


class SandboxError(Exception):
    """The store cannot be copied for a trial (no such file, an old schema, …)."""


@contextmanager
def sandbox_engine(url: str) -> Iterator[Engine]:
    """Yield an engine on an in-memory copy of the store at `url`; the copy dies on exit."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SandboxError(f"a trial cannot copy a {backend} store")
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        if backend == "sqlite":
            _copy_sqlite(parsed.database, memory)
        engine = make_engine("sqlite://", poolclass=StaticPool, creator=lambda: memory)
        try:
            upgrade(engine)  # the copy of an older SQLite store is brought up to date, not it
            if backend == "postgresql":
                _copy_postgresql(url, engine)
            yield engine
        finally:
            engine.dispose()
    finally:
        memory.close()


def _copy_sqlite(database: str | None, memory: sqlite3.Connection) -> None:
    if not database or database == ":memory:":
        raise SandboxError("an in-memory store has nothing to copy")
    if not Path(database).is_file():
        raise SandboxError(
            f"no store at {database}: set RECRUITBOT_DATABASE_URL, or run `recruitbot demo`"
        )
    try:
        # Read only: the live file is never written, and a missing file is not created.
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.OperationalError as error:
        raise SandboxError(f"cannot open the store {database}: {error}") from error
    try:
        source.backup(memory)
    except sqlite3.DatabaseError as error:
        raise SandboxError(f"cannot copy the store {database}: {error}") from error
    finally:
        source.close()


def _copy_postgresql(url: str, target: Engine) -> None:
    live = make_engine(url)
    try:
        with live.connect() as source:
            source = source.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with source.begin():
                _check_revision(source=source, target=target)
                with target.connect() as sink:
                    raw = sink.connection.dbapi_connection
                    assert raw is not None
                    # Rows go in table by table; the references hold again once all are in.
                    raw.execute("PRAGMA foreign_keys=OFF")
                    try:
                        with sink.begin():
                            for table in SQLModel.metadata.sorted_tables:
                                _copy_table(table=table, source=source, sink=sink)
                    finally:
                        raw.execute("PRAGMA foreign_keys=ON")
    finally:
        live.dispose()


def _check_revision(*, source: Any, target: Engine) -> None:
    live = source.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    with target.connect() as sink:
        head = sink.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if sorted(live) != sorted(head):
        raise SandboxError("the store's schema is not the newest: run `recruitbot migrate` first")


def _copy_table(*, table: Table, source: Any, sink: Any) -> None:
    rows = source.execute(select(table).execution_options(yield_per=COPY_BATCH))
    for batch in rows.partitions():
        sink.execute(insert(table), [dict(row._mapping) for row in batch])
