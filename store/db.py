"""Engines and sessions; one unit of work per request or job, committed by its owner."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Insert, Table, create_engine, event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Each engine's connections share one queue for the write lock (`TurnConnection`).
        factory = type("EngineConnection", (TurnConnection,), {"turns": threading.Lock()})
        engine = create_engine(url, connect_args={"timeout": 30, "factory": factory}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite delays BEGIN until the first write, so a SAVEPOINT could become the outermost
    # transaction and its RELEASE would commit on its own. Take over: SQLAlchemy's own recipe.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # Deleted rows are overwritten with zeros, not left in free space: an erasure (privacy/)
    # must not leave a citizen's name readable in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at once: a claim of due rows is exclusive, and two writers
    # wait for each other (busy_timeout) instead of failing on a lock upgrade.
    raw = connection.connection.dbapi_connection
    if isinstance(raw, TurnConnection) and not raw.take_turn():
        # What SQLite itself says when its busy timeout runs out (`is_lock_timeout`).
        locked = sqlite3.OperationalError("database is locked")
        raise OperationalError("BEGIN IMMEDIATE", None, locked)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(raw, TurnConnection):
            raw.end_turn()
        raise


SQLITE_BUSY_TIMEOUT_MS = 30_000


class TurnConnection(sqlite3.Connection):
    """A sqlite3 connection that waits for its engine's write turn before each transaction.

    Every transaction here begins IMMEDIATE, so one connection at a time holds the file. Left to
    SQLite, the others wait in its busy handler, which sleeps and polls (1, 2, 5 … 100 ms): in a
    burst of webhooks a thread that just missed the lock sleeps while newer ones take it, and a
    few wait for seconds (the bench saw 503s past the webhook's 3 s on an idle machine). Here
    the threads of one engine queue on a lock (`turns`, one per engine: `make_engine` makes a
    subclass for each) and one is woken the moment the holder commits. Another process (a
    worker beside `serve`) still meets this one in SQLite's busy handler.

    The turn is taken just before BEGIN and given back right after COMMIT or ROLLBACK (the
    pool's reset on return is a rollback too), so it covers the transaction and nothing else.
    """

    turns: threading.Lock

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holding = False
        self.busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS

    def take_turn(self) -> bool:
        """Wait for the turn as long as SQLite would wait for the lock; False if it ran out."""
        if not self._holding:
            self._holding = self.turns.acquire(timeout=self.busy_timeout_ms / 1000)
        return self._holding

    def end_turn(self) -> None:
        """Give the turn back, if this connection holds it."""
        if self._holding:
            self._holding = False
            self.turns.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


@contextmanager
def unit_of_work(engine: Engine, *, busy_timeout_ms: int | None = None) -> Iterator[Session]:
    """Open a session, commit if the block succeeds, roll back if it raises.

    `busy_timeout_ms` waits that long, not 30 s, for SQLite's write lock (a webhook that must
    answer before its provider gives up); the connection gets the usual wait back afterwards.
    On PostgreSQL it is the transaction's `lock_timeout`. A wait past it raises OperationalError
    (`is_lock_timeout` tells it from other errors).
    """
    if busy_timeout_ms is None or engine.dialect.name != "sqlite":
        with Session(engine, expire_on_commit=False) as session:
            try:
                if busy_timeout_ms is not None and engine.dialect.name == "postgresql":
                    # The same bound on waiting for another transaction's row or index lock.
                    session.connection().exec_driver_sql(
                        f"SET LOCAL lock_timeout = {int(busy_timeout_ms)}"
                    )
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
        return
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection  # no BEGIN yet: that waits on the lock
        assert raw is not None
        raw.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if isinstance(raw, TurnConnection):
            raw.busy_timeout_ms = int(busy_timeout_ms)
        try:
            with Session(bind=connection, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if isinstance(raw, TurnConnection):
                raw.busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS


def insert_row(session: Session, table: Table, values: Mapping[str, Any]) -> int:
    """Write one row at once with Core, in the session's transaction, and return its id.

    No ORM object is built or flushed: for rows a hot path writes and does not read back (the
    outbox's, an inbox item). `session.get` reads one when wanted.
    """
    written = session.connection().execute(_insert(table), values).inserted_primary_key
    assert written is not None
    return int(written[0])


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


def is_lock_timeout(error: OperationalError) -> bool:
    """Tell whether the error is a wait for a lock that ran out (SQLite or PostgreSQL)."""
    message = str(error.orig)
    return "database is locked" in message or "lock timeout" in message
