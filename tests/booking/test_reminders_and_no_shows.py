"""The reminder the working day before, and what a no-show (or two) leads to."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from booking import bookings
from booking.bookings import reminder_due
from booking.outcomes import Outcome, record_outcome
from conversation import jobs
from conversation.service import Dialogue
from core.calendar import COPENHAGEN, SendWindow
from store.models import Booking, Contact, Conversation, Reminder, Slot
from store.types import BookingStatus, ConversationStatus, DueStatus, ReminderKind
from tests.booking.support import active_booking, book, last_id, outbound, queued_since, say
from tests.factories import DIALOGUE, WINDOW, make_world


def booking_reminder(session: Session, booking: Booking) -> Reminder:
    return session.scalars(
        select(Reminder).where(
            col(Reminder.booking_id) == booking.id, col(Reminder.kind) == ReminderKind.BOOKING
        )
    ).one()


class TestReminderDay:
    @pytest.mark.parametrize(
        ("slot_day", "reminded"),
        [
            (date(2026, 11, 25), date(2026, 11, 24)),  # Wednesday: Tuesday
            (date(2026, 11, 30), date(2026, 11, 27)),  # Monday: the Friday before
            (date(2026, 12, 28), date(2026, 12, 23)),  # after Christmas: the 23rd
            (date(2027, 3, 30), date(2027, 3, 24)),  # after Easter: the Wednesday before
        ],
    )
    def test_the_working_day_before_at_ten(self, slot_day: date, reminded: date) -> None:
        due = reminder_due(slot_day=slot_day, window=WINDOW)
        assert due == datetime.combine(reminded, time(10), COPENHAGEN)
        assert WINDOW.is_open(due)

    def test_inside_a_window_that_opens_later(self) -> None:
        late = SendWindow(start_hour=11, end_hour=15)
        due = reminder_due(slot_day=date(2026, 11, 25), window=late)
        assert due == datetime(2026, 11, 24, 11, 0, tzinfo=COPENHAGEN)
        early = SendWindow(start_hour=7, end_hour=10)
        assert early.is_open(reminder_due(slot_day=date(2026, 11, 25), window=early))


class TestReminder:
    def test_sent_when_due_with_time_place_and_how_to_cancel_or_move(
        self, session: Session
    ) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        reminder = booking_reminder(session, booking)
        slot = session.get_one(Slot, booking.slot_id)
        local = slot.starts_at.astimezone(COPENHAGEN)
        assert reminder.due_at.astimezone(COPENHAGEN) == datetime.combine(
            local.date() - timedelta(days=1), time(10), COPENHAGEN
        )
        too_early = reminder.due_at - timedelta(minutes=1)
        assert (
            jobs.process_reminders(session=session, dialogue=DIALOGUE, now=too_early, limit=9) == 0
        )
        assert (
            jobs.process_reminders(session=session, dialogue=DIALOGUE, now=reminder.due_at, limit=9)
            == 1
        )
        (sent,) = outbound(session, kind="reminder")
        assert sent.trigger == "scheduled" and sent.address == "+4520000001"
        assert f"kl. {local:%H.%M}" in sent.text
        assert world.location.name in sent.text and world.location.address in sent.text
        assert "AFLYS" in sent.text and "FLYT" in sent.text
        assert session.get_one(Reminder, reminder.id).status == DueStatus.DONE

    def test_not_sent_outside_the_window(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        evening = booking_reminder(session, booking).due_at.replace(hour=19)
        assert jobs.process_reminders(session=session, dialogue=DIALOGUE, now=evening, limit=9) == 0

    def test_late_after_downtime_still_sent_while_the_conversation_is_ahead(
        self, session: Session
    ) -> None:
        world = make_world(session)
        world.campaign.window_start_hour = 8  # the campaign's own hours open at 08:00 too
        booking = book(session, world, "+4520000001")
        reminder = booking_reminder(session, booking)
        starts = session.get_one(Slot, booking.slot_id).starts_at
        # The morning of the conversation, a minute before it, in a window that opens at 08:00.
        late, early_window = starts - timedelta(minutes=1), SendWindow(start_hour=8)
        assert early_window.is_open(late)
        dialogue = Dialogue(window=early_window)
        jobs.process_reminders(session=session, dialogue=dialogue, now=late, limit=9)
        assert len(outbound(session, kind="reminder")) == 1
        assert session.get_one(Reminder, reminder.id).status == DueStatus.DONE

    def test_skipped_once_the_conversation_has_begun(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        reminder = booking_reminder(session, booking)
        starts = session.get_one(Slot, booking.slot_id).starts_at
        assert jobs.process_reminders(session=session, dialogue=DIALOGUE, now=starts, limit=9) == 1
        assert outbound(session, kind="reminder") == []
        stored = session.get_one(Reminder, reminder.id)
        assert (stored.status, stored.done_at) == (DueStatus.SKIPPED, starts)

    def test_a_cancelled_booking_is_not_reminded(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        say(session, "+4520000001", "aflys")
        assert booking_reminder(session, booking).status == DueStatus.CANCELLED

    def test_moving_reminds_of_the_new_time_only(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        say(session, "+4520000001", "flyt")
        say(session, "+4520000001", "3")
        moved = active_booking(session, session.get_one(Contact, booking.contact_id))
        assert moved.id != booking.id
        assert booking_reminder(session, booking).status == DueStatus.CANCELLED
        assert booking_reminder(session, moved).status == DueStatus.SCHEDULED

    def test_none_for_a_time_whose_reminder_would_come_after_the_booking(
        self, session: Session
    ) -> None:
        # Booked the evening before (or later): the confirmation is the reminder.
        world = make_world(session)
        first = book(session, world, "+4520000001")
        later = session.scalars(
            select(Slot).where(col(Slot.id) != first.slot_id).order_by(col(Slot.starts_at))
        ).first()
        assert later is not None and later.id is not None
        now = later.starts_at - timedelta(hours=2)
        assert reminder_due(slot_day=WINDOW.local(later.starts_at).date(), window=WINDOW) < now
        moved = bookings.book(
            session=session,
            slot_id=later.id,
            contact_id=first.contact_id,
            conversation_id=first.conversation_id,
            now=now,
            window=WINDOW,
        )
        assert moved.previous_booking_id == first.id
        assert booking_reminder(session, first).status == DueStatus.CANCELLED
        assert (
            session.scalars(select(Reminder).where(col(Reminder.booking_id) == moved.id)).all()
            == []
        )


class TestNoShow:
    def after(self, session: Session, booking: Booking) -> datetime:
        return session.get_one(Slot, booking.slot_id).starts_at + timedelta(hours=1)

    def test_one_offer_to_rebook_then_a_second_no_show_closes_the_case(
        self, session: Session
    ) -> None:
        world = make_world(session, slot_days=20)
        first = book(session, world, "+4520000001")
        assert first.id is not None
        when = self.after(session, first)
        before = last_id(session)
        assert (
            record_outcome(
                session=session,
                dialogue=DIALOGUE,
                booking_id=first.id,
                outcome=Outcome(attended=False),
                now=when,
            )
            is None
        )
        assert session.get_one(Booking, first.id).status == BookingStatus.NO_SHOW
        assert [m.kind for m in queued_since(session, before)] == ["rebook_offer"]
        # The citizen takes the one offer of a new time.
        assert [m.kind for m in say(session, "+4520000001", "ja", now=when)] == ["slot_offer"]
        assert "confirmation" in {m.kind for m in say(session, "+4520000001", "1", now=when)}
        second = session.scalars(
            select(Booking).where(col(Booking.status) == BookingStatus.BOOKED)
        ).one()
        assert second.id is not None and second.id != first.id
        # A second no-show: no new offer, the case is closed.
        before = last_id(session)
        record_outcome(
            session=session,
            dialogue=DIALOGUE,
            booking_id=second.id,
            outcome=Outcome(attended=False),
            now=self.after(session, second),
        )
        assert [m.kind for m in queued_since(session, before)] == ["goodbye"]
        conversation = session.get_one(Conversation, first.conversation_id)
        assert conversation.status == ConversationStatus.CLOSED
        assert conversation.close_reason == "no_show"
        assert not session.scalars(
            select(Reminder).where(col(Reminder.status) == DueStatus.SCHEDULED)
        ).all()

    def test_declining_the_new_time_closes_the_case(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        when = self.after(session, booking)
        record_outcome(
            session=session,
            dialogue=DIALOGUE,
            booking_id=booking.id,
            outcome=Outcome(attended=False),
            now=when,
        )
        assert [m.kind for m in say(session, "+4520000001", "nej tak", now=when)] == ["goodbye"]
        conversation = session.get_one(Conversation, booking.conversation_id)
        assert conversation.status == ConversationStatus.CLOSED
