"""PostgreSQL's lock_timeout: a webhook's bound, set once per connection, and nobody else's.

A webhook's unit of work waits at most its bound for a row or index lock (`unit_of_work`'s
`busy_timeout_ms`). The bound is the connection's, set only when a transaction wants another
value than the connection has: a webhook's steps on one pooled connection send it once. Every
other transaction (a job, the console) gets the server's default back before its first
statement, and a rolled-back SET is known to be undone.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from store.db import make_engine, unit_of_work
from tests.conftest import BACKENDS
from tests.conversation.test_step_queries import statements

POSTGRES = [b for b in BACKENDS if not isinstance(b, str)]  # the PostgreSQL case, or skip

pytestmark = pytest.mark.parametrize("database_url", POSTGRES, indirect=True)


@pytest.fixture
def one_connection(database_url: str) -> Iterator[Engine]:
    """An engine whose units of work all take the same pooled connection."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def lock_timeout(session: Session) -> str:
    return str(session.execute(text("SHOW lock_timeout")).scalar_one())


def failing(engine: Engine, busy_timeout_ms: int | None, *, wait_seen: str) -> None:
    """A unit of work that sees its wait, then fails: it is rolled back."""
    with unit_of_work(engine, busy_timeout_ms=busy_timeout_ms) as session:
        assert lock_timeout(session) == wait_seen
        raise RuntimeError("the work failed")


def settings(sent: list[str]) -> list[str]:
    return [s for s in sent if "lock_timeout" in s and not s.startswith("SHOW")]


class TestAWebhooksBound:
    def test_holds_in_its_transaction_and_is_set_once_per_connection(
        self, one_connection: Engine
    ) -> None:
        with statements(one_connection) as sent:
            for _ in range(3):
                with unit_of_work(one_connection, busy_timeout_ms=3_000) as session:
                    assert lock_timeout(session) == "3s"
        assert settings(sent) == ["SET lock_timeout = 3000"]

    def test_is_not_any_other_transactions(self, one_connection: Engine) -> None:
        with unit_of_work(one_connection, busy_timeout_ms=3_000) as session:
            assert lock_timeout(session) == "3s"
        with statements(one_connection) as sent:
            with unit_of_work(one_connection) as session:  # a job's
                assert lock_timeout(session) == "0"
            with Session(one_connection) as session:  # the console's
                assert lock_timeout(session) == "0"
            with one_connection.connect() as connection:  # Core's
                assert connection.execute(text("SHOW lock_timeout")).scalar_one() == "0"
        assert settings(sent) == ["RESET lock_timeout"], "reset once, then known"
        with unit_of_work(one_connection, busy_timeout_ms=2_000) as session:
            assert lock_timeout(session) == "2s"

    def test_set_in_a_transaction_rolled_back_is_known_undone(self, one_connection: Engine) -> None:
        with unit_of_work(one_connection, busy_timeout_ms=3_000) as session:
            assert lock_timeout(session) == "3s"
        with pytest.raises(RuntimeError):
            failing(one_connection, None, wait_seen="0")
        # PostgreSQL undid the RESET with the rollback: the connection waits 3 s again, and the
        # next job resets it again rather than trusting what it did before.
        with Session(one_connection) as session:
            assert lock_timeout(session) == "0"
        with pytest.raises(RuntimeError):
            failing(one_connection, 1_000, wait_seen="1s")
        with unit_of_work(one_connection, busy_timeout_ms=1_000) as session:
            assert lock_timeout(session) == "1s"
        with Session(one_connection) as session:
            assert lock_timeout(session) == "0"

    def test_a_new_connection_starts_from_the_servers_default(self, one_connection: Engine) -> None:
        with unit_of_work(one_connection, busy_timeout_ms=3_000) as session:
            assert lock_timeout(session) == "3s"
        with one_connection.connect() as connection:
            connection.invalidate()  # as when the server drops it: the pool connects anew
        with statements(one_connection) as sent, Session(one_connection) as session:
            assert lock_timeout(session) == "0"
        assert settings(sent) == [], "a new connection has the default: nothing to reset"
