"""Staff cancel or move a booking; the citizen hears of it and the slots follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from booking import changes, directory
from booking.access import EVERYTHING, Scope
from booking.bookings import SlotTakenError
from booking.slots import free_slots
from bot.types import ConversationState, Step
from core.calendar import COPENHAGEN
from core.errors import ConflictError, InvalidInputError, NotFoundError
from store.models import AuditEvent, Booking, Conversation, Reminder, Slot
from store.types import BookingStatus, DueStatus
from tests.booking.support import NOW, book, last_id, queued_since, say
from tests.factories import DIALOGUE, make_world


def reminders(session: Session, booking: Booking) -> list[str]:
    return [
        r.status
        for r in session.scalars(select(Reminder).where(col(Reminder.booking_id) == booking.id))
    ]


def free_ids(session: Session, municipality_id: int | None) -> set[int]:
    assert municipality_id is not None
    found = free_slots(session=session, municipality_id=municipality_id, after=NOW, limit=500)
    return {free.slot.id or 0 for free in found}


class TestCancelByStaff:
    def test_the_citizen_is_told_and_offered_other_times_and_the_slot_is_free(
        self, session: Session
    ) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None and booking.slot_id not in free_ids(
            session, world.municipality.id
        )
        before = last_id(session)
        view = changes.cancel_by_staff(
            session=session, dialogue=DIALOGUE, scope=EVERYTHING, booking_id=booking.id, now=NOW
        )
        assert view.booking.status == BookingStatus.CANCELLED
        assert booking.slot_id in free_ids(session, world.municipality.id)
        assert reminders(session, booking) == [DueStatus.CANCELLED]
        to_citizen = [m for m in queued_since(session, before) if m.contact_id]
        assert [m.kind for m in to_citizen] == ["slot_offer"]
        assert "aflyse" in to_citizen[0].text  # the engine words it
        assert to_citizen[0].trigger == "scheduled"
        state = ConversationState.from_json(
            session.get_one(Conversation, booking.conversation_id).state
        )
        assert state.step is Step.CHOOSING_SLOT
        assert booking.slot_id not in state.offered_slot_ids  # never offered the cancelled time
        # The citizen picks a new time from the offer.
        assert "confirmation" in {m.kind for m in say(session, "+4520000001", "1")}
        assert session.get_one(Booking, booking.id).status == BookingStatus.CANCELLED

    def test_the_staff_member_of_the_slot_hears_of_a_coordinator_s_cancellation(
        self, session: Session
    ) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        before = last_id(session)
        changes.cancel_by_staff(
            session=session, dialogue=DIALOGUE, scope=EVERYTHING, booking_id=booking.id, now=NOW
        )
        notices = [m for m in queued_since(session, before) if m.staff_member_id]
        assert [m.kind for m in notices] == ["staff_cancellation"]
        assert notices[0].text.startswith("Booking aflyst af kommunen")

    def test_a_staff_member_is_not_told_of_their_own_cancellation(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        own = Scope(municipality_id=world.municipality.id, staff_member_id=world.staff.id)
        before = last_id(session)
        changes.cancel_by_staff(
            session=session, dialogue=DIALOGUE, scope=own, booking_id=booking.id, now=NOW
        )
        assert not [m for m in queued_since(session, before) if m.staff_member_id]

    def test_twice_or_after_the_time_is_a_conflict(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        slot = session.get_one(Slot, booking.slot_id)
        with pytest.raises(ConflictError, match="record the outcome"):
            changes.cancel_by_staff(
                session=session,
                dialogue=DIALOGUE,
                scope=EVERYTHING,
                booking_id=booking.id,
                now=slot.starts_at + timedelta(minutes=5),
            )
        changes.cancel_by_staff(
            session=session, dialogue=DIALOGUE, scope=EVERYTHING, booking_id=booking.id, now=NOW
        )
        with pytest.raises(ConflictError, match="cancelled"):
            changes.cancel_by_staff(
                session=session, dialogue=DIALOGUE, scope=EVERYTHING, booking_id=booking.id, now=NOW
            )

    def test_others_bookings_do_not_exist(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        colleague = directory.add_staff_member(
            session=session, scope=EVERYTHING, name="Jonas", municipality="Roskilde"
        )
        for scope in (
            Scope(municipality_id=world.other_municipality.id),
            Scope(municipality_id=world.municipality.id, staff_member_id=colleague.id),
        ):
            with pytest.raises(NotFoundError):
                changes.cancel_by_staff(
                    session=session, dialogue=DIALOGUE, scope=scope, booking_id=booking.id, now=NOW
                )


class TestMoveByStaff:
    def test_moved_to_a_free_slot_with_a_new_reminder_and_a_message(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        target = max(free_ids(session, world.municipality.id))
        before = last_id(session)
        moved = changes.move_by_staff(
            session=session,
            dialogue=DIALOGUE,
            scope=EVERYTHING,
            booking_id=booking.id,
            slot_id=target,
            now=NOW,
        )
        assert session.get_one(Booking, booking.id).status == BookingStatus.MOVED
        assert moved.booking.status == BookingStatus.BOOKED and moved.slot.id == target
        assert booking.slot_id in free_ids(session, world.municipality.id)
        assert reminders(session, booking) == [DueStatus.CANCELLED]
        assert reminders(session, moved.booking) == [DueStatus.SCHEDULED]
        sent = queued_since(session, before)
        to_citizen = [m for m in sent if m.contact_id]
        assert [m.kind for m in to_citizen] == ["booking_moved"]
        local = moved.slot.starts_at.astimezone(COPENHAGEN)
        assert f"kl. {local:%H.%M}" in to_citizen[0].text and "FLYT" in to_citizen[0].text
        assert world.location.address in to_citizen[0].text
        assert [m.kind for m in sent if m.staff_member_id] == ["staff_moved"]
        # The dialogue goes on with the new booking: AFLYS cancels it.
        assert "cancellation" in {m.kind for m in say(session, "+4520000001", "aflys")}
        assert session.get_one(Booking, moved.booking.id).status == BookingStatus.CANCELLED

    def test_a_taken_slot_is_refused_and_nothing_changes(self, session: Session) -> None:
        world = make_world(session)
        first = book(session, world, "+4520000001")
        second = book(session, world, "+4520000002")
        assert first.id is not None
        with pytest.raises(SlotTakenError) as taken:
            changes.move_by_staff(
                session=session,
                dialogue=DIALOGUE,
                scope=EVERYTHING,
                booking_id=first.id,
                slot_id=second.slot_id,
                now=NOW,
            )
        assert taken.value.status_code == 409
        assert session.get_one(Booking, first.id).status == BookingStatus.BOOKED
        assert session.get_one(Booking, second.id).status == BookingStatus.BOOKED
        assert len(session.scalars(select(Booking)).all()) == 2

    @pytest.mark.parametrize("where", ["same", "past", "missing"])
    def test_impossible_targets_are_refused(self, session: Session, where: str) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        past = Slot(
            location_id=world.location.id or 0,
            staff_member_id=world.staff.id or 0,
            starts_at=NOW - timedelta(days=3),
        )
        session.add(past)
        session.flush()
        target = {"same": booking.slot_id, "past": past.id or 0, "missing": 999_999}[where]
        error = NotFoundError if where == "missing" else InvalidInputError
        with pytest.raises(error):
            changes.move_by_staff(
                session=session,
                dialogue=DIALOGUE,
                scope=EVERYTHING,
                booking_id=booking.id,
                slot_id=target,
                now=NOW,
            )


class TestAudit:
    """The use case writes its own audit, so the API, the console and an absence agree."""

    def test_a_cancel_and_a_move_are_each_audited_once_with_who_did_it(
        self, session: Session
    ) -> None:
        world = make_world(session)
        first = book(session, world, "+4520000001")
        second = book(session, world, "+4520000002")
        assert first.id is not None and second.id is not None
        actor = Scope(municipality_id=world.municipality.id, actor="key:abc123")
        changes.cancel_by_staff(
            session=session, dialogue=DIALOGUE, scope=actor, booking_id=first.id, now=NOW
        )
        moved = changes.move_by_staff(
            session=session,
            dialogue=DIALOGUE,
            scope=actor,
            booking_id=second.id,
            slot_id=max(free_ids(session, world.municipality.id)),
            now=NOW,
        )
        events = session.scalars(
            select(AuditEvent).where(col(AuditEvent.action).in_(["booking.cancel", "booking.move"]))
        ).all()
        assert [(e.action, e.subject_id, e.actor) for e in events] == [
            ("booking.cancel", first.id, "key:abc123"),
            ("booking.move", second.id, "key:abc123"),
        ]
        assert events[1].detail == f"to booking {moved.booking.id}"

    def test_a_refused_change_writes_no_audit(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None
        with pytest.raises(InvalidInputError):
            changes.move_by_staff(
                session=session,
                dialogue=DIALOGUE,
                scope=EVERYTHING,
                booking_id=booking.id,
                slot_id=booking.slot_id,
                now=NOW,
            )
        assert not session.scalars(select(AuditEvent)).all()
