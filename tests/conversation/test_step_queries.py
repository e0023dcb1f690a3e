"""How many statements one dialogue step sends: a guard against round trips creeping back.

A step reads the conversation, locked, with its contact, campaign, both municipalities and the
invitation's variant in one query, and reads free slots, places and bookings only when the
engine asks for them. The bounds are today's counts; a change that needs more should say why in
its commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, select
from sqlmodel import Session, col

from conversation.intake import receive_text
from conversation.service import start
from store.db import unit_of_work
from store.models import Booking, InboxItem, Message, Reminder, Slot
from tests.factories import DIALOGUE, MONDAY, add_contact, make_world

NOW = MONDAY + timedelta(hours=2)
PHONE = "+4520000001"
STAFF = "+4520999999"


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL sent to the database, in order."""
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def invited(engine: Engine, *, staff_phone: str | None = None) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session)
        if staff_phone:
            world.staff.phone = staff_phone  # with a phone, staff get their notices by SMS
        world.campaign.status = "running"
        contact = add_contact(session, world, phone=PHONE)
        start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=NOW)
        session.commit()


def say(engine: Engine, text: str, serial: int) -> list[str]:
    """Handle one SMS in the webhook's unit of work; return the statements it sent."""
    with statements(engine) as sent, unit_of_work(engine, busy_timeout_ms=3_000) as session:
        receive_text(
            session=session,
            dialogue=DIALOGUE,
            channel="console",
            address=PHONE,
            text=text,
            provider_id=f"p-{serial}",
            now=NOW,
        )
    return sent


def selects(sent: list[str]) -> list[str]:
    return [s for s in sent if s.startswith("SELECT")]


def reads_table(sent: list[str], table: str) -> bool:
    return any(f"FROM {table} " in s + " " or f"JOIN {table} " in s for s in selects(sent))


class TestStepQueries:
    def test_a_yes_to_the_invitation_reads_no_slots(self, engine: Engine) -> None:
        invited(engine)
        sent = say(engine, "ja", 1)
        # One: the contact by phone with the conversation and its row lock, and the campaign's
        # row with both municipalities' names and the invitation's variant.
        assert len(selects(sent)) == 1, selects(sent)
        for table in ("slot", "location", "booking", "staff_member"):
            assert not reads_table(sent, table), table
        # The municipalities' names come with the campaign's row, not on their own.
        assert sum(reads_table([s], "campaign") for s in sent) == 1
        # The message is stored with its contact and conversation, and the first reply is noted
        # with the new state: one UPDATE, of the conversation.
        assert [s.split(" SET")[0] for s in sent if s.startswith("UPDATE")] == [
            "UPDATE conversation"
        ]
        assert not [s for s in selects(sent) if s.startswith("SELECT municipality.")]

    def test_a_screening_answer_reads_no_slots(self, engine: Engine) -> None:
        invited(engine)
        for serial, text in enumerate(("ja", "ja", "ja")):
            say(engine, text, serial)
        sent = say(engine, "3", 9)  # health: good; the chronic-disease question comes back
        assert len(selects(sent)) == 1, selects(sent)
        assert not reads_table(sent, "slot")

    def test_choosing_a_time_reads_the_slots_once(self, engine: Engine) -> None:
        invited(engine)
        say(engine, "ja", 1)
        offer = say(engine, "nej", 2)  # straight to the times: these are read now
        assert reads_table(offer, "slot")
        sent = say(engine, "1", 3)
        with Session(engine) as session:
            assert session.scalars(select(Booking)).one()
        free_slot_reads = [s for s in selects(sent) if "FROM slot JOIN location" in s]
        assert len(free_slot_reads) == 1, free_slot_reads
        # That read is of the times offered, by their ids, not of the nearest dozen free ones.
        assert "slot.id IN (" in free_slot_reads[0] and "LIMIT" not in free_slot_reads[0]
        # The slot booked and its place come from that read, not from a query of their own.
        slot_rows = [s for s in selects(sent) if s.startswith("SELECT slot.id, slot.location_id")]
        assert slot_rows == free_slot_reads, slot_rows
        # Two SELECTs in all: the locked step (which says whether the conversation holds a place
        # on the waitlist) and the times offered, with their staff members.
        assert len(selects(sent)) == 2, selects(sent)
        assert "waitlist_entry" not in " ".join(selects(sent)[1:])
        assert not [s for s in sent if s.startswith("UPDATE waitlist_entry")]
        # The notice to staff quotes what the citizen wrote in this step: not read back.
        assert not reads_table(sent, "message")
        # The booking is written only if the slot is free and open, in one statement that also
        # finds the booking it would move: no savepoint, no check or lookup of its own.
        assert not [s for s in sent if "SAVEPOINT" in s]
        assert not [s for s in selects(sent) if s.startswith("SELECT slot.id FROM slot")]
        assert not [s for s in selects(sent) if s.startswith("SELECT booking.")]
        assert not [s for s in selects(sent) if s.startswith("SELECT staff_member.")]
        assert "JOIN staff_member" in free_slot_reads[0]


def writes(sent: list[str]) -> list[str]:
    """Each statement that writes, by verb and table: "INSERT INTO booking", "WITH booked AS"."""
    words = [s.split() for s in sent if s.startswith(("INSERT", "UPDATE", "DELETE", "WITH"))]
    return [" ".join(w[:3] if w[0] in ("INSERT", "WITH") else w[:2]) for w in words]


class TestStepWrites:
    """What a step writes, and in how many statements: fewer on PostgreSQL, the same rows."""

    def test_a_booking_is_written_with_its_reminder(self, engine: Engine) -> None:
        invited(engine, staff_phone=STAFF)
        say(engine, "ja", 1)
        say(engine, "nej", 2)
        sent = say(engine, "1", 3)
        booking_with_reminder = (
            ["WITH booked AS"]
            if engine.dialect.name == "postgresql"
            else ["INSERT INTO booking", "INSERT INTO reminder"]
        )
        assert writes(sent) == [
            "INSERT INTO message",  # what the citizen wrote
            *booking_with_reminder,
            "INSERT INTO message",  # the notice, by SMS: a new booking opens no inbox item
            "INSERT INTO message",  # the confirmation
            "UPDATE conversation",
        ]
        with Session(engine) as session:
            booking = session.scalars(select(Booking)).one()
            reminder = session.scalars(
                select(Reminder).where(col(Reminder.booking_id).is_not(None))
            ).one()
            assert (reminder.booking_id, reminder.conversation_id, reminder.status) == (
                booking.id,
                booking.conversation_id,
                "scheduled",
            )
            assert reminder.due_at < session.get_one(Slot, booking.slot_id).starts_at

    def test_a_notice_is_written_with_the_inbox_item_that_points_at_it(
        self, engine: Engine
    ) -> None:
        invited(engine, staff_phone=STAFF)
        for serial, text in enumerate(("ja", "nej", "1")):
            say(engine, text, serial)
        sent = say(engine, "aflys", 9)
        notice_with_item = (
            ["WITH notice AS"]
            if engine.dialect.name == "postgresql"
            else ["INSERT INTO message", "INSERT INTO inbox_item"]
        )
        assert [w for w in writes(sent) if w.startswith(("WITH", "INSERT"))] == [
            "INSERT INTO message",  # what the citizen wrote
            *notice_with_item,
            "INSERT INTO message",  # the answer
        ]
        with Session(engine) as session:
            item = session.scalars(select(InboxItem)).one()
            assert (item.kind, item.notice, item.text) == ("cancellation", "sms", "aflys")
            notice = session.get_one(Message, item.notice_message_id)
            assert (notice.kind, notice.address, notice.status) == (
                "staff_cancellation",
                STAFF,
                "queued",
            )
