"""SQLite's write lock, taken in turn by one process's threads (`store.db.TurnConnection`).

Every transaction on SQLite begins IMMEDIATE; the threads of one engine queue for it on a lock
instead of polling in SQLite's busy handler. A turn must always be given back (a turn kept by
mistake would stop the whole process), and a wait past the busy timeout must look exactly
like SQLite's own, so the webhooks still answer 503.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from store.db import is_lock_timeout, make_engine, unit_of_work
from tests.waiting import HANG_GUARD_SECONDS

SHORT_MS = 50  # a waiter's busy timeout, when it is meant to run out


def _engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    with unit_of_work(engine) as session:
        session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))
    return engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = _engine(tmp_path / "turns.db")
    yield engine
    engine.dispose()


def _count(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.execute(text("SELECT n FROM counter")).scalar_one())


def _add(
    engine: Engine, n: int, *, busy_timeout_ms: int | None = None, then_fail: bool = False
) -> None:
    with unit_of_work(engine, busy_timeout_ms=busy_timeout_ms) as session:
        session.execute(text("UPDATE counter SET n = n + :n"), {"n": n})
        if then_fail:
            raise RuntimeError("a bug in the middle of a step")


class Holder:
    """A thread in a transaction on `engine`, until `release` is set."""

    def __init__(self, engine: Engine) -> None:
        self.inside, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(engine,))
        self.thread.start()
        assert self.inside.wait(HANG_GUARD_SECONDS)

    def _hold(self, engine: Engine) -> None:
        with unit_of_work(engine) as session:
            session.execute(text("UPDATE counter SET n = n + 1"))
            self.inside.set()
            assert self.release.wait(HANG_GUARD_SECONDS)

    def done(self) -> None:
        self.release.set()
        self.thread.join(HANG_GUARD_SECONDS)
        assert not self.thread.is_alive()


def test_a_wait_past_the_busy_timeout_is_sqlite_s_own_lock_timeout(engine: Engine) -> None:
    holder = Holder(engine)
    try:
        with pytest.raises(OperationalError) as refused:
            _add(engine, 100, busy_timeout_ms=SHORT_MS)
        assert is_lock_timeout(refused.value)
    finally:
        holder.done()
    assert _count(engine) == 1, "the refused transaction left nothing"


def test_the_turn_comes_back_after_a_commit_a_rollback_and_a_refusal(engine: Engine) -> None:
    _add(engine, 1)
    with pytest.raises(RuntimeError):
        _add(engine, 10, then_fail=True)
    holder = Holder(engine)
    with pytest.raises(OperationalError):
        _add(engine, 100, busy_timeout_ms=SHORT_MS)
    holder.done()
    # Had any of these kept its turn, this would wait out the short timeout and fail.
    with unit_of_work(engine, busy_timeout_ms=SHORT_MS) as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
    assert _count(engine) == 3


def test_a_connection_returned_mid_transaction_gives_the_turn_back(engine: Engine) -> None:
    connection = engine.connect()
    connection.execute(text("UPDATE counter SET n = n + 1"))
    connection.close()  # the pool's reset rolls it back
    with unit_of_work(engine, busy_timeout_ms=SHORT_MS) as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
    assert _count(engine) == 1


def test_each_engine_has_its_own_turn(engine: Engine, tmp_path: Path) -> None:
    other = _engine(tmp_path / "other.db")
    holder = Holder(engine)
    try:
        with unit_of_work(other, busy_timeout_ms=SHORT_MS) as session:
            session.execute(text("UPDATE counter SET n = n + 1"))
    finally:
        holder.done()
        other.dispose()


def test_a_burst_of_writers_loses_no_update(engine: Engine) -> None:
    """Read, then write back one more: only whole turns make every increment count."""
    threads, each = 8, 40
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(each):
                with unit_of_work(engine, busy_timeout_ms=HANG_GUARD_SECONDS * 1000) as session:
                    n = session.execute(text("SELECT n FROM counter")).scalar_one()
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(HANG_GUARD_SECONDS)
    assert errors == []
    assert _count(engine) == threads * each
