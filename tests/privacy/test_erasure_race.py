"""An erasure while the citizen's booking is being written: the erasure waits, then erases it.

On PostgreSQL two transactions really overlap. A dialogue step holds the conversation's row
lock from its first read to its commit; the erasure takes the same locks before it reads
anything, so it sees the booking the step commits and deletes it with the rest. (Before, it
read the citizen's rows first and then deleted the conversation under a booking it had not
seen: IntegrityError, a 500 for the coordinator.) SQLite's write lock serialises the two, so
the race is PostgreSQL's alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlmodel import Session, col

from privacy.erasing import erase_citizen
from privacy.schemas import ErasurePublic
from store.db import make_engine, unit_of_work
from store.models import Booking, Contact, Conversation
from tests.booking.support import NOW, say, to_choosing
from tests.conftest import BACKENDS
from tests.factories import make_world
from tests.privacy.support import pseudonymizer
from tests.waiting import wait_until

POSTGRES = [b for b in BACKENDS if not isinstance(b, str)]  # the PostgreSQL case, or skip
PHONE = "+4520000001"


@pytest.fixture
def paused_commit() -> Iterator[tuple[threading.Event, threading.Event, list[threading.Thread]]]:
    """Hold the commit of a session in the threads listed until `go` is set; `held` says when."""
    held, go = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []

    def pause(_session: Session) -> None:
        if threading.current_thread() in threads:
            held.set()
            assert go.wait(timeout=300), "the test never let the commit go"

    event.listen(Session, "before_commit", pause)
    try:
        yield held, go, threads
    finally:
        go.set()
        event.remove(Session, "before_commit", pause)


def waiting_on_a_lock(engine: Engine) -> int:
    """How many other sessions wait for a lock in this database."""
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return int(found)


@pytest.mark.parametrize("database_url", POSTGRES, indirect=True)
def test_an_erasure_waits_for_the_booking_in_flight_and_erases_it(
    database_url: str,
    paused_commit: tuple[threading.Event, threading.Event, list[threading.Thread]],
) -> None:
    held, go, paused_threads = paused_commit
    engine = make_engine(database_url, pool_size=4)
    try:
        with unit_of_work(engine) as session:
            contact_id = to_choosing(session, make_world(session), PHONE).id

        def choose_a_time() -> None:
            paused_threads.append(threading.current_thread())
            with unit_of_work(engine, busy_timeout_ms=60_000) as session:
                say(session, PHONE, "1")

        def erase() -> ErasurePublic:
            with unit_of_work(engine) as session:
                return erase_citizen(
                    session=session,
                    contact=session.get_one(Contact, contact_id),
                    phone=None,
                    pseudonymizer=pseudonymizer(database_url),
                    actor="cli",
                    now=NOW,
                )

        with ThreadPoolExecutor(max_workers=2) as pool:
            booking: Future[Any] = pool.submit(choose_a_time)
            wait_until(held.is_set, "the booking's commit", alive=lambda: not booking.done())
            with Session(engine) as look:  # written, not yet committed: no one else sees it
                assert look.scalar(select(func.count(col(Booking.id)))) == 0
            erasure = pool.submit(erase)
            wait_until(
                lambda: waiting_on_a_lock(engine) >= 1,
                "the erasure waiting for the conversation",
                alive=lambda: not erasure.done(),
            )
            go.set()
            booking.result(timeout=300)
            result = erasure.result(timeout=300)

        assert result.erased and result.deleted["bookings"] == 1
        with Session(engine) as session:
            for model in (Booking, Conversation, Contact):
                assert session.scalar(select(func.count(col(model.id)))) == 0, model
    finally:
        engine.dispose()
