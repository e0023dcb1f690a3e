"""Statuses a partial index names are written out in the SQL, not bound.

Three partial indexes name a status: one booking holds a slot (`status IN ('booked',
'attended', 'no_show')`), one open conversation per contact (`status = 'open'`), one waitlist
place per conversation (`status = 'waiting'`). When SQLite plans a query with `status = ?` or
`status IN (?, ?, ?)` on such a table, it compares the bound value with the index's condition,
and from then on prepares the statement again on every run: measured, a 66-column step query
cost 0.27 ms instead of 0.05 ms. `store.types.written_out` writes the values into the SQL.

These tests run the dialogue's booking, moving, cancelling and waitlist flows on SQLite, read
every statement they send, and hold that none binds such a status; and that SQLite finds a
conversation's waitlist place by the partial index.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from booking import waitlist
from conversation import jobs
from store import conversations
from store.db import make_engine
from tests.booking.support import NOW, book, say
from tests.booking.test_waitlist import fully_booked, on_the_list
from tests.conversation.test_step_queries import statements
from tests.factories import DIALOGUE, make_world

PARTIAL = "uq_waitlist_entry_waiting_conversation"
# A status bound where the table's partial index names one (aliases such as booking_1 too).
BOUND_STATUS = re.compile(
    r"\b(?:booking(?:_\d+)?\.status IN \(\?"
    r"|(?:conversation|waitlist_entry)(?:_\d+)?\.status (?:=|!=|IN \() ?\?)"
)


@contextmanager
def sqlite_engine(template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "plans.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def plan(engine: Engine, statement: Any, values: dict[str, object]) -> str:
    """SQLite's plan for one of the code's statements, one line per step."""
    compiled = statement.compile(dialect=engine.dialect)
    params = {**compiled.params, **values}
    positional = tuple(params[name] for name in compiled.positiontup)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", positional).all()
    return "\n".join(str(row[-1]) for row in rows)


class TestNoBoundStatus:
    def test_booking_moving_and_cancelling(self, sqlite_template: Path, tmp_path: Path) -> None:
        with sqlite_engine(sqlite_template, tmp_path) as engine:
            with statements(engine) as sent, Session(engine, expire_on_commit=False) as session:
                world = make_world(session)
                book(session, world, "+4520000001")
                say(session, "+4520000001", "flyt")
                say(session, "+4520000001", "2")
                say(session, "+4520000001", "aflys")
                session.commit()
            assert any("booking" in s for s in sent)
            assert [s for s in sent if BOUND_STATUS.search(s)] == []

    def test_the_waitlist(self, sqlite_template: Path, tmp_path: Path) -> None:
        with sqlite_engine(sqlite_template, tmp_path) as engine:
            with statements(engine) as sent, Session(engine, expire_on_commit=False) as session:
                world, _ = fully_booked(session)
                on_the_list(session, world, "+4520000010")
                say(session, "+4520000000", "aflys")  # a time comes free
                jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=NOW, limit=50)
                say(session, "+4520000010", "1")
                session.commit()
            assert any("waitlist_entry" in s for s in sent)
            assert [s for s in sent if BOUND_STATUS.search(s)] == []

    def test_the_pattern_finds_a_bound_status(self) -> None:
        assert BOUND_STATUS.search("WHERE booking_1.status IN (?, ?, ?)")
        assert BOUND_STATUS.search("AND waitlist_entry.status = ?")
        assert BOUND_STATUS.search("conversation.status = ? AND")
        assert not BOUND_STATUS.search("booking.status IN ('booked', 'attended', 'no_show')")
        assert not BOUND_STATUS.search("waitlist_entry.status = 'waiting'")


class TestWaitlistPlaceByPartialIndex:
    def test_the_locked_step_finds_the_place_by_the_index(
        self, sqlite_template: Path, tmp_path: Path
    ) -> None:
        with sqlite_engine(sqlite_template, tmp_path) as engine:
            found = plan(engine, conversations._LOCKED_STEP_BY_PHONE, {"phone": "+4520000001"})
        assert f"SEARCH waitlist_entry USING INDEX {PARTIAL}" in found, found

    def test_the_waitlist_finds_a_conversations_place_by_the_index(
        self, sqlite_template: Path, tmp_path: Path
    ) -> None:
        with sqlite_engine(sqlite_template, tmp_path) as engine:
            found = plan(engine, waitlist._WAITING, {"conversation_id": 1})
        assert f"SEARCH waitlist_entry USING INDEX {PARTIAL}" in found, found
