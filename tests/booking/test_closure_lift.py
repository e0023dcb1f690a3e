"""Lifting a closed period: its time is bookable again and the waitlist is offered it; the
bookings it cancelled stay cancelled; a staff key lifts its own; a removed location's stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from booking import absences
from booking.access import EVERYTHING, Scope
from booking.slots import free_slots
from conversation import jobs
from core.errors import ConflictError, ForbiddenError, NotFoundError
from store.models import AuditEvent, Booking, Closure
from store.types import BookingStatus
from tests.booking.support import NOW, book, last_id, queued_since, say, to_choosing
from tests.booking.test_absences import WEDNESDAY, close_wednesday, on_wednesday
from tests.factories import DIALOGUE, make_world


class TestLiftClosure:
    def test_the_time_is_bookable_again_and_the_waitlist_is_offered_it(
        self, session: Session
    ) -> None:
        world = make_world(session, slot_days=2)  # Wednesday is the one bookable day
        booking = book(session, world, "+4520000001")
        closed = close_wednesday(session, world, staff_member_id=world.staff.id)
        assert [v.booking.id for v in closed.cancelled] == [booking.id]
        # Nothing is free now: a citizen takes a place on the waitlist.
        to_choosing(session, world, "+4520000010")
        jobs.process_reminders(session=session, dialogue=DIALOGUE, now=NOW, limit=50)
        assert "ventelisten" in say(session, "+4520000010", "ja")[0].text
        assert closed.closure.id is not None
        later = NOW + timedelta(hours=1)
        lifted = absences.lift_closure(
            session=session, scope=EVERYTHING, closure_id=closed.closure.id, now=later
        )
        assert lifted.reopened == 4  # all of Wednesday, the cancelled booking's time too
        assert session.scalars(select(Closure)).all() == []  # not begun: deleted
        # The cancelled booking is not restored.
        assert session.get_one(Booking, booking.id).status == BookingStatus.CANCELLED
        entry = session.scalars(
            select(AuditEvent).where(col(AuditEvent.action) == absences.CLOSURE_LIFTED_ACTION)
        ).one()
        assert entry.subject_id == closed.closure.id and "not restored" in entry.detail
        before = last_id(session)
        jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=later, limit=50)
        (offer,) = [m for m in queued_since(session, before) if m.kind == "slot_offer"]
        assert offer.address == "+4520000010" and "ons. 25. nov." in offer.text

    def test_a_period_under_way_ends_now_and_stays_on_record(self, session: Session) -> None:
        world = make_world(session)
        closed = absences.close_period(
            session=session,
            dialogue=DIALOGUE,
            scope=EVERYTHING,
            staff_member_id=world.staff.id,
            location_id=None,
            starts_at=NOW,
            ends_at=WEDNESDAY + timedelta(days=1),
            reason="sygdom",
            now=NOW,
        )
        assert closed.closure.id is not None
        later = NOW + timedelta(days=1)
        lifted = absences.lift_closure(
            session=session, scope=EVERYTHING, closure_id=closed.closure.id, now=later
        )
        assert lifted.closure.ends_at == WEDNESDAY + timedelta(days=1)  # as it was closed
        kept = session.get_one(Closure, closed.closure.id)
        assert (kept.starts_at, kept.ends_at) == (NOW, later)
        assert world.municipality.id is not None
        free = free_slots(
            session=session, municipality_id=world.municipality.id, after=NOW, limit=99
        )
        assert any(on_wednesday(session, f.slot.id or 0) for f in free)

    def test_who_may_lift_and_what_stays(self, session: Session) -> None:
        world = make_world(session)
        closed = close_wednesday(session, world, staff_member_id=world.staff.id)
        closure_id = closed.closure.id or 0
        colleague = Scope(
            municipality_id=world.municipality.id, staff_member_id=(world.staff.id or 0) + 99
        )
        with pytest.raises(ForbiddenError):
            absences.lift_closure(session=session, scope=colleague, closure_id=closure_id, now=NOW)
        lejre = Scope(municipality_id=world.other_municipality.id)
        with pytest.raises(NotFoundError):
            absences.lift_closure(session=session, scope=lejre, closure_id=closure_id, now=NOW)
        own = Scope(municipality_id=world.municipality.id, staff_member_id=world.staff.id)
        absences.lift_closure(session=session, scope=own, closure_id=closure_id, now=NOW)
        with pytest.raises(NotFoundError):
            absences.lift_closure(session=session, scope=own, closure_id=closure_id, now=NOW)
        # A removed location's closure stays; so does a period that has ended.
        assert world.location.id is not None
        removed = absences.remove_location(
            session=session,
            dialogue=DIALOGUE,
            scope=EVERYTHING,
            location_id=world.location.id,
            now=NOW,
        )
        with pytest.raises(ConflictError, match="removed"):
            absences.lift_closure(
                session=session, scope=EVERYTHING, closure_id=removed.closure.id or 0, now=NOW
            )
        ended = close_wednesday(session, world, staff_member_id=world.staff.id)
        with pytest.raises(ConflictError, match="ended"):
            absences.lift_closure(
                session=session,
                scope=EVERYTHING,
                closure_id=ended.closure.id or 0,
                now=WEDNESDAY + timedelta(days=2),
            )
