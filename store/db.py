"""Engines and sessions; one unit of work per request or job, committed by its owner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
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
    connection.exec_driver_sql("BEGIN IMMEDIATE")


SQLITE_BUSY_TIMEOUT_MS = 30_000


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
                    session.execute(text(f"SET LOCAL lock_timeout = {int(busy_timeout_ms)}"))
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


def is_lock_timeout(error: OperationalError) -> bool:
    """Tell whether the error is a wait for a lock that ran out (SQLite or PostgreSQL)."""
    message = str(error.orig)
    return "database is locked" in message or "lock timeout" in message
