"""Twenty citizens take the same slot at the same moment: the database lets exactly one have it.

Each attempt runs in its own thread, session and transaction, as concurrent requests would. On
PostgreSQL the inserts really overlap and the partial unique index `uq_booking_active_slot`
decides; on SQLite the write lock serialises them and the same index still decides.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from booking.bookings import SlotTakenError, book
from bot.types import ConversationState
from conversation.intake import receive_text
from store.db import make_engine, unit_of_work
from store.models import Booking, Conversation, Message, Slot
from store.types import BookingStatus
from tests.booking.support import NOW, invite, to_choosing
from tests.factories import DIALOGUE, WINDOW, make_world

CITIZENS = 20
Result = TypeVar("Result")


@pytest.fixture
def wide_engine(database_url: str) -> Iterator[Engine]:
    """An engine with a connection for every thread, so no attempt waits for the pool."""
    engine = make_engine(database_url, pool_size=CITIZENS + 2)
    yield engine
    engine.dispose()


def all_at_once(attempt: Callable[[int], Result]) -> list[Result]:
    """Run `attempt(i)` for every citizen in its own thread, released together."""
    barrier = threading.Barrier(CITIZENS)

    def run(i: int) -> Result:
        barrier.wait(timeout=30)
        return attempt(i)

    with ThreadPoolExecutor(max_workers=CITIZENS) as pool:
        return list(pool.map(run, range(CITIZENS)))


def phone(i: int) -> str:
    return f"+45200000{i:02d}"


class TestTwentyAtOnce:
    def test_book_directly_one_wins_nineteen_get_slot_taken(self, wide_engine: Engine) -> None:
        with unit_of_work(wide_engine) as session:
            world = make_world(session)
            conversations = [
                session.scalars(
                    select(Conversation).where(
                        col(Conversation.contact_id) == invite(session, world, phone(i)).id
                    )
                ).one()
                for i in range(CITIZENS)
            ]
            people = [(c.contact_id, c.id or 0) for c in conversations]
            slot_id = session.scalar(select(func.min(Slot.id))) or 0

        def attempt(i: int) -> str:
            contact_id, conversation_id = people[i]
            try:
                with unit_of_work(wide_engine) as session:
                    book(
                        session=session,
                        slot_id=slot_id,
                        contact_id=contact_id,
                        conversation_id=conversation_id,
                        now=NOW,
                        window=WINDOW,
                    )
            except SlotTakenError:
                return "taken"
            return "booked"

        results = all_at_once(attempt)
        assert sorted(results) == ["booked"] + ["taken"] * (CITIZENS - 1)
        with Session(wide_engine) as session:
            held = session.scalars(
                select(Booking).where(
                    col(Booking.slot_id) == slot_id, col(Booking.status) == BookingStatus.BOOKED
                )
            ).all()
            assert len(held) == 1
            assert session.scalar(select(func.count()).select_from(Booking)) == 1

    def test_through_the_dialogue_the_others_are_offered_the_next_free_times(
        self, wide_engine: Engine
    ) -> None:
        with unit_of_work(wide_engine) as session:
            world = make_world(session)
            for i in range(CITIZENS):
                to_choosing(session, world, phone(i))
            offered = {
                ConversationState.from_json(c.state).offered_slot_ids
                for c in session.scalars(select(Conversation))
            }
        assert len(offered) == 1  # everyone was offered the same three times
        ((first, *_),) = offered

        def attempt(i: int) -> list[str]:
            with unit_of_work(wide_engine) as session:
                before = session.scalar(select(func.max(Message.id))) or 0
                receive_text(
                    session=session,
                    dialogue=DIALOGUE,
                    channel="console",
                    address=phone(i),
                    text="1",
                    provider_id=f"race-{i}",
                    now=NOW,
                )
                return [
                    m.kind
                    for m in session.scalars(
                        select(Message).where(
                            col(Message.id) > before,
                            col(Message.address) == phone(i),
                            col(Message.direction) == "out",
                        )
                    )
                ]

        replies = all_at_once(attempt)
        winners = [kinds for kinds in replies if "confirmation" in kinds]
        losers = [kinds for kinds in replies if kinds == ["slot_offer"]]
        assert len(winners) == 1 and len(losers) == CITIZENS - 1
        with Session(wide_engine) as session:
            bookings = session.scalars(select(Booking)).all()
            assert [b.slot_id for b in bookings] == [first]
            for conversation in session.scalars(select(Conversation)):
                state = ConversationState.from_json(conversation.state)
                if conversation.id == bookings[0].conversation_id:
                    continue
                # Offered the next free times, without the one just taken.
                assert state.offered_slot_ids and first not in state.offered_slot_ids
            apologies = session.scalars(
                select(Message).where(col(Message.kind) == "slot_offer")
            ).all()
            assert sum("taget af en anden" in m.text for m in apologies) == CITIZENS - 1
