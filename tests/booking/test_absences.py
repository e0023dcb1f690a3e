"""Closed periods: a staff member away or a location shut; bookings cancelled, citizens offered
new times outside it, closed time never offered."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from booking import absences, availability, closures
from booking.access import EVERYTHING, Scope
from booking.bookings import SlotTakenError
from booking.bookings import book as book_slot
from booking.slots import free_slots
from bot.types import ConversationState
from core.calendar import COPENHAGEN
from core.errors import AppError, ForbiddenError
from store.models import AuditEvent, Booking, Conversation, Location, Slot
from store.types import BookingStatus
from tests.booking.support import NOW, book, last_id, queued_since, say
from tests.factories import DIALOGUE, WINDOW, World, make_world

WEDNESDAY = datetime(2026, 11, 25, tzinfo=COPENHAGEN)


def close_wednesday(session: Session, world: World, **who: int | None) -> absences.ClosedPeriod:
    return absences.close_period(
        session=session,
        dialogue=DIALOGUE,
        scope=EVERYTHING,
        staff_member_id=who.get("staff_member_id"),
        location_id=who.get("location_id"),
        starts_at=WEDNESDAY,
        ends_at=WEDNESDAY + timedelta(days=1),
        reason="sygdom",
        now=NOW,
    )


def on_wednesday(session: Session, slot_id: int) -> bool:
    starts = session.get_one(Slot, slot_id).starts_at.astimezone(COPENHAGEN)
    return starts.date() == WEDNESDAY.date()


class TestClosePeriod:
    def test_every_booking_in_it_is_cancelled_and_offered_times_outside_it(
        self, session: Session
    ) -> None:
        world = make_world(session)
        first = book(session, world, "+4520000001")
        second = book(session, world, "+4520000002")
        assert on_wednesday(session, first.slot_id) and on_wednesday(session, second.slot_id)
        before = last_id(session)
        closed = close_wednesday(session, world, staff_member_id=world.staff.id)
        assert [v.booking.id for v in closed.cancelled] == [first.id, second.id]
        assert {v.contact.phone for v in closed.cancelled} == {"+4520000001", "+4520000002"}
        for booking in (first, second):
            assert session.get_one(Booking, booking.id).status == BookingStatus.CANCELLED
            state = ConversationState.from_json(
                session.get_one(Conversation, booking.conversation_id).state
            )
            assert state.offered_slot_ids
            assert not any(on_wednesday(session, i) for i in state.offered_slot_ids)
        to_citizens = [m for m in queued_since(session, before) if m.contact_id]
        assert [m.kind for m in to_citizens] == ["slot_offer", "slot_offer"]
        # The absent staff member gets the list, not one notice per booking.
        assert not [m for m in queued_since(session, before) if m.staff_member_id]
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("booking.cancel") == 2 and "booking.closure" in actions
        # The citizen books one of the new times.
        assert "confirmation" in {m.kind for m in say(session, "+4520000001", "1")}

    def test_closed_time_offers_no_slots_and_cannot_be_booked(self, session: Session) -> None:
        world = make_world(session)
        close_wednesday(session, world, location_id=world.location.id)
        assert world.municipality.id is not None
        free = free_slots(
            session=session, municipality_id=world.municipality.id, after=NOW, limit=99
        )
        assert free and not any(on_wednesday(session, f.slot.id or 0) for f in free)
        closed_slot = session.scalars(
            select(Slot).where(col(Slot.starts_at) >= WEDNESDAY).order_by(col(Slot.starts_at))
        ).first()
        assert closed_slot is not None and closed_slot.id is not None
        citizen = book(session, world, "+4520000001")
        with pytest.raises(SlotTakenError):
            book_slot(
                session=session,
                slot_id=closed_slot.id,
                contact_id=citizen.contact_id,
                conversation_id=citizen.conversation_id,
                now=NOW,
                window=WINDOW,
            )

    def test_a_staff_key_closes_only_its_own_time(self, session: Session) -> None:
        world = make_world(session)
        other = Scope(
            municipality_id=world.municipality.id, staff_member_id=(world.staff.id or 0) + 99
        )
        with pytest.raises(ForbiddenError):
            absences.close_period(
                session=session,
                dialogue=DIALOGUE,
                scope=other,
                staff_member_id=world.staff.id,
                location_id=None,
                starts_at=WEDNESDAY,
                ends_at=WEDNESDAY + timedelta(days=1),
                reason="",
                now=NOW,
            )

    @pytest.mark.parametrize(
        ("starts", "ends", "message"),
        [
            (WEDNESDAY, WEDNESDAY, "end after it starts"),
            (NOW - timedelta(days=3), NOW - timedelta(days=2), "passed"),
        ],
    )
    def test_a_bad_period_is_refused(
        self, session: Session, starts: datetime, ends: datetime, message: str
    ) -> None:
        world = make_world(session)
        with pytest.raises(AppError, match=message) as error:
            absences.close_period(
                session=session,
                dialogue=DIALOGUE,
                scope=EVERYTHING,
                staff_member_id=world.staff.id,
                location_id=None,
                starts_at=starts,
                ends_at=ends,
                reason="",
                now=NOW,
            )
        assert error.value.status_code == 422

    def test_neither_or_both_is_refused(self, session: Session) -> None:
        world = make_world(session)
        with pytest.raises(AppError, match="either"):
            close_wednesday(
                session, world, staff_member_id=world.staff.id, location_id=world.location.id
            )


class TestOverlappingSlots:
    """A slot the period cuts into is closed, not only one that starts inside it."""

    def wednesday_at(self, session: Session, hour: int, minute: int) -> Slot:
        starts = datetime.combine(WEDNESDAY.date(), time(hour, minute), COPENHAGEN)
        return session.scalars(select(Slot).where(col(Slot.starts_at) == starts)).one()

    def close_from(self, session: Session, world: World, hour: int, minute: int) -> None:
        absences.close_period(
            session=session,
            dialogue=DIALOGUE,
            scope=EVERYTHING,
            staff_member_id=world.staff.id,
            location_id=None,
            starts_at=datetime.combine(WEDNESDAY.date(), time(hour, minute), COPENHAGEN),
            ends_at=WEDNESDAY + timedelta(days=1),
            reason="læge",
            now=NOW,
        )

    def test_a_slot_under_way_when_the_period_starts_is_closed(self, session: Session) -> None:
        world = make_world(session)  # Wednesday 09.00, 09.45, 10.30, 11.15, 45 minutes each
        booking = book(session, world, "+4520000001")  # 09.00-09.45
        cut = self.wednesday_at(session, 9, 45)  # 09.45-10.30, cut by a closure from 10.00
        before = last_id(session)
        self.close_from(session, world, 10, 0)
        assert session.get_one(Booking, booking.id).status == BookingStatus.BOOKED  # ends 09.45
        assert closures.slot_is_closed(session=session, slot_id=cut.id or 0)
        assert not closures.slot_is_closed(session=session, slot_id=booking.slot_id)
        assert world.municipality.id is not None
        free = free_slots(
            session=session, municipality_id=world.municipality.id, after=NOW, limit=99
        )
        wednesday = [f.slot.id for f in free if on_wednesday(session, f.slot.id or 0)]
        assert wednesday == []  # 09.00 is booked; 09.45 is cut, 10.30 and 11.15 inside
        assert [m.kind for m in queued_since(session, before) if m.contact_id] == []

    def test_a_booking_the_period_cuts_into_is_cancelled(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")  # 09.00-09.45
        closed = absences.close_period(
            session=session,
            dialogue=DIALOGUE,
            scope=EVERYTHING,
            staff_member_id=world.staff.id,
            location_id=None,
            starts_at=datetime.combine(WEDNESDAY.date(), time(9, 30), COPENHAGEN),
            ends_at=WEDNESDAY + timedelta(days=1),
            reason="",
            now=NOW,
        )
        assert [v.booking.id for v in closed.cancelled] == [booking.id]
        assert session.get_one(Booking, booking.id).status == BookingStatus.CANCELLED
        with pytest.raises(SlotTakenError):
            book_slot(
                session=session,
                slot_id=booking.slot_id,
                contact_id=booking.contact_id,
                conversation_id=booking.conversation_id,
                now=NOW,
                window=WINDOW,
            )

    def test_a_slot_that_ends_as_the_period_starts_stays_open(self, session: Session) -> None:
        world = make_world(session)
        self.close_from(session, world, 9, 45)
        before = self.wednesday_at(session, 9, 0)  # 09.00-09.45
        assert not closures.slot_is_closed(session=session, slot_id=before.id or 0)
        assert closures.slot_is_closed(
            session=session, slot_id=self.wednesday_at(session, 9, 45).id or 0
        )


class TestRemoveLocation:
    def test_bookings_ahead_are_cancelled_and_no_new_slots_are_taken(
        self, session: Session
    ) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert world.location.id is not None and world.staff.id is not None
        closed = absences.remove_location(
            session=session,
            dialogue=DIALOGUE,
            scope=EVERYTHING,
            location_id=world.location.id,
            now=NOW,
        )
        assert [v.booking.id for v in closed.cancelled] == [booking.id]
        assert session.get_one(Location, world.location.id).retired_at == NOW
        assert world.municipality.id is not None
        assert not free_slots(
            session=session, municipality_id=world.municipality.id, after=NOW, limit=9
        )
        with pytest.raises(AppError, match="removed"):
            availability.add_slot(
                session=session,
                scope=EVERYTHING,
                location_id=world.location.id,
                staff_member_id=world.staff.id,
                starts_at=datetime.combine(
                    WEDNESDAY.date() + timedelta(days=7), time(13), COPENHAGEN
                ),
                minutes=45,
                now=NOW,
                window=WINDOW,
            )
        with pytest.raises(AppError, match="removed already"):
            absences.remove_location(
                session=session,
                dialogue=DIALOGUE,
                scope=EVERYTHING,
                location_id=world.location.id,
                now=NOW,
            )

    def test_a_staff_key_may_not(self, session: Session) -> None:
        world = make_world(session)
        assert world.location.id is not None
        own = Scope(municipality_id=world.municipality.id, staff_member_id=world.staff.id)
        with pytest.raises(ForbiddenError):
            absences.remove_location(
                session=session,
                dialogue=DIALOGUE,
                scope=own,
                location_id=world.location.id,
                now=NOW,
            )
