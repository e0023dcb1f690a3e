"""History, not overwriting: rebooked no-shows, move chains, outcome corrections, reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session, col

from booking import bookings, changes
from booking.access import EVERYTHING
from booking.corrections import (
    CORRECTION_ACTION,
    CORRECTION_PERIOD,
    checked_reason,
    correct_outcome,
)
from booking.outcomes import Outcome, record_outcome
from conversation import jobs
from core.cpr import redact_cpr
from core.errors import AppError
from monitoring.filters import ReportFilter
from monitoring.funnel import compute_funnel
from monitoring.timing import compute_timing
from store.models import (
    AuditEvent,
    Booking,
    Contact,
    Conversation,
    FollowUp,
    Message,
    MonitoringRecord,
    Reminder,
    Slot,
)
from store.types import BookingStatus, DueStatus, ReminderKind
from tests.booking.support import NOW, active_booking, book, conversation_held, outbound, say
from tests.factories import DIALOGUE, WINDOW, make_world


def held_at(session: Session, booking: Booking) -> datetime:
    return session.get_one(Slot, booking.slot_id).starts_at + timedelta(hours=1)


def recorded(session: Session, booking: Booking, now: datetime, **fields: object) -> None:
    assert booking.id is not None
    outcome = Outcome(**{"attended": True, **fields})  # type: ignore[arg-type]
    record_outcome(
        session=session, dialogue=DIALOGUE, booking_id=booking.id, outcome=outcome, now=now
    )


def corrected(
    session: Session,
    booking: Booking,
    now: datetime,
    *,
    reason: str = "forkert knap",
    **fields: object,
) -> MonitoringRecord | None:
    assert booking.id is not None
    outcome = Outcome(**{"attended": True, **fields})  # type: ignore[arg-type]
    return correct_outcome(
        session=session,
        window=WINDOW,
        booking_id=booking.id,
        outcome=outcome,
        reason=reason,
        now=now,
        actor="api_key:7",
    )


def record_of(session: Session, booking: Booking) -> MonitoringRecord | None:
    return session.scalars(
        select(MonitoringRecord).where(col(MonitoringRecord.booking_id) == booking.id)
    ).first()


class TestRebookedNoShow:
    def test_the_no_show_stays_a_no_show_and_the_new_booking_links_to_it(
        self, session: Session
    ) -> None:
        """The bug of issue 17: the rebooked no-show became `moved`, and the rate read 0.0."""
        world = make_world(session, slot_days=20)
        first = book(session, world, "+4520000001")
        when = held_at(session, first)
        recorded(session, first, when, attended=False)
        say(session, "+4520000001", "ja", now=when)
        say(session, "+4520000001", "1", now=when)
        second = active_booking(session, session.get_one(Contact, first.contact_id))
        assert session.get_one(Booking, first.id).status == BookingStatus.NO_SHOW
        assert second.previous_booking_id == first.id
        recorded(session, second, held_at(session, second))
        timing = compute_timing(session=session, report_filter=ReportFilter())
        # Each appointment once: one no-show, one attended, whatever came after.
        assert (timing.attended, timing.no_show, timing.no_show_rate) == (1, 1, 0.5)
        funnel = compute_funnel(session=session)
        assert (funnel.booked, funnel.attended) == (1, 1)


class TestMoveChain:
    def test_a_move_by_staff_keeps_the_chain(self, session: Session) -> None:
        world = make_world(session)
        first = book(session, world, "+4520000001")
        free = session.scalars(
            select(Slot).where(col(Slot.id) != first.slot_id).order_by(col(Slot.starts_at).desc())
        ).first()
        assert free is not None and free.id is not None and first.id is not None
        moved = changes.move_by_staff(
            session=session,
            dialogue=DIALOGUE,
            scope=EVERYTHING,
            booking_id=first.id,
            slot_id=free.id,
            now=NOW,
        )
        assert session.get_one(Booking, first.id).status == BookingStatus.MOVED
        assert moved.booking.previous_booking_id == first.id

    def test_a_move_by_the_citizen_keeps_the_chain(self, session: Session) -> None:
        world = make_world(session)
        first = book(session, world, "+4520000001")
        say(session, "+4520000001", "flyt")
        say(session, "+4520000001", "2")
        second = active_booking(session, session.get_one(Contact, first.contact_id))
        assert (second.previous_booking_id, first.status) == (first.id, BookingStatus.MOVED)
        # Staff hear of a move, not of a new booking: the booking's own insert found the first.
        to_staff = select(Message.kind).where(col(Message.staff_member_id).is_not(None))
        kinds = session.scalars(to_staff.order_by(col(Message.id))).all()
        assert kinds == ["staff_booking", "staff_moved"]
        of_bookings = select(Reminder).where(col(Reminder.kind) == ReminderKind.BOOKING)
        reminders = session.scalars(of_bookings.order_by(col(Reminder.id))).all()
        assert [(r.booking_id, r.status) for r in reminders] == [
            (first.id, DueStatus.CANCELLED),
            (second.id, DueStatus.SCHEDULED),
        ]


class TestCorrection:
    def test_attended_to_no_show_removes_the_record_and_withdraws_the_follow_up(
        self, session: Session
    ) -> None:
        _, booking, now = conversation_held(session)
        recorded(session, booking, now, referrals_municipal=("rygestop",), further_course=True)
        follow_up = session.scalars(select(FollowUp)).one()
        assert follow_up.status == DueStatus.SCHEDULED and record_of(session, booking)
        assert corrected(session, booking, now + timedelta(days=1), attended=False) is None
        assert session.get_one(Booking, booking.id).status == BookingStatus.NO_SHOW
        assert record_of(session, booking) is None
        assert session.get_one(FollowUp, follow_up.id).status == DueStatus.CANCELLED
        entry = session.scalars(
            select(AuditEvent).where(col(AuditEvent.action) == CORRECTION_ACTION)
        ).one()
        assert (entry.actor, entry.subject_id) == ("api_key:7", booking.id)
        assert entry.detail == "attended -> no_show; reason: forkert knap"
        funnel = compute_funnel(session=session)
        assert (funnel.attended, funnel.referred) == (0, 0)

    def test_no_show_to_attended_writes_the_record_and_closes_the_case(
        self, session: Session
    ) -> None:
        _, booking, now = conversation_held(session)
        recorded(session, booking, now, attended=False)
        saved = corrected(session, booking, now, gp_advice=True, further_course=True)
        assert saved is not None and saved.gp_advice and saved.booking_id == booking.id
        assert session.get_one(Booking, booking.id).status == BookingStatus.ATTENDED
        conversation = session.get_one(Conversation, booking.conversation_id)
        assert (conversation.status, conversation.close_reason) == ("closed", "attended")
        follow_up = session.scalars(select(FollowUp)).one()
        assert follow_up.status == DueStatus.SCHEDULED
        assert saved.follow_up_date == follow_up.due_at.astimezone(WINDOW.tz).date()

    def test_the_follow_up_moves_with_a_new_date(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        recorded(session, booking, now, further_course=True)
        first_due = session.scalars(select(FollowUp)).one().due_at
        wanted = (now + timedelta(days=7)).astimezone(WINDOW.tz).date()
        saved = corrected(session, booking, now, further_course=True, follow_up_date=wanted)
        follow_up = session.scalars(select(FollowUp)).one()
        assert follow_up.due_at != first_due
        assert follow_up.due_at.astimezone(WINDOW.tz).date() == wanted
        assert saved is not None and saved.follow_up_date == wanted
        assert len(session.scalars(select(MonitoringRecord)).all()) == 1

    def test_refused_after_the_period(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        recorded(session, booking, now)
        starts = session.get_one(Slot, booking.slot_id).starts_at
        with pytest.raises(AppError, match="30 days") as error:
            corrected(session, booking, starts + CORRECTION_PERIOD + timedelta(minutes=1))
        assert error.value.status_code == 409

    @pytest.mark.parametrize("reason", ["", "   ", "x" * 201, "cpr 010170-1234 stod forkert"])
    def test_a_reason_is_needed_and_holds_no_cpr(self, session: Session, reason: str) -> None:
        _, booking, now = conversation_held(session)
        recorded(session, booking, now)
        with pytest.raises(AppError) as error:
            corrected(session, booking, now, reason=reason, attended=False)
        assert error.value.status_code == 422
        assert session.get_one(Booking, booking.id).status == BookingStatus.ATTENDED

    def test_nothing_to_correct_before_an_outcome(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        with pytest.raises(AppError, match="no outcome to correct"):
            corrected(session, booking, now)

    def test_a_rebooked_no_show_is_not_made_attended_while_the_new_time_stands(
        self, session: Session
    ) -> None:
        world = make_world(session, slot_days=20)
        first = book(session, world, "+4520000001")
        when = held_at(session, first)
        recorded(session, first, when, attended=False)
        say(session, "+4520000001", "ja", now=when)
        say(session, "+4520000001", "1", now=when)
        with pytest.raises(AppError, match="rebooked"):
            corrected(session, first, when)


class TestCorrectionFollowsTheWholeChain:
    """No-show → rebooked → moved by FLYT → the newest booking: the chain is followed to its end."""

    def chain(self, session: Session) -> tuple[Booking, Booking, Booking, datetime]:
        world = make_world(session, slot_days=20)
        first = book(session, world, "+4520000001")
        when = held_at(session, first)
        recorded(session, first, when, attended=False)
        say(session, "+4520000001", "ja", now=when)
        say(session, "+4520000001", "1", now=when)
        contact = session.get_one(Contact, first.contact_id)
        rebooked = active_booking(session, contact)
        say(session, "+4520000001", "flyt", now=when)
        say(session, "+4520000001", "2", now=when)
        newest = active_booking(session, contact)
        assert rebooked.status == BookingStatus.MOVED
        assert (rebooked.previous_booking_id, newest.previous_booking_id) == (first.id, rebooked.id)
        return first, rebooked, newest, when

    def test_refused_while_the_newest_booking_holds_a_time(self, session: Session) -> None:
        first, _, newest, when = self.chain(session)
        with pytest.raises(AppError, match=f"booking {newest.id} still holds a time"):
            corrected(session, first, when)
        assert session.get_one(Booking, first.id).status == BookingStatus.NO_SHOW
        conversation = session.get_one(Conversation, first.conversation_id)
        assert conversation.status == "open"  # the case was not closed under the booking
        assert session.scalars(
            select(Reminder).where(
                col(Reminder.booking_id) == newest.id, col(Reminder.status) == DueStatus.SCHEDULED
            )
        ).all()

    def test_refused_when_a_later_booking_was_attended(self, session: Session) -> None:
        first, _, newest, _ = self.chain(session)
        recorded(session, newest, held_at(session, newest))
        with pytest.raises(AppError, match=f"attended booking {newest.id}"):
            corrected(session, first, held_at(session, newest))
        timing = compute_timing(session=session, report_filter=ReportFilter())
        assert (timing.attended, timing.no_show) == (1, 1)  # never two attended

    def test_allowed_once_the_later_bookings_hold_nothing(self, session: Session) -> None:
        first, _, newest, when = self.chain(session)
        say(session, "+4520000001", "aflys", now=when)
        assert session.get_one(Booking, newest.id).status == BookingStatus.CANCELLED
        record = corrected(session, first, when)
        assert record is not None and session.get_one(Booking, first.id).status == "attended"
        conversation = session.get_one(Conversation, first.conversation_id)
        assert conversation.close_reason == "cancelled"  # the case's own ending stays


class TestReminderAtSendTime:
    def test_no_reminder_for_a_slot_no_longer_the_citizens(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        reminder = session.scalars(
            select(Reminder).where(col(Reminder.kind) == ReminderKind.BOOKING)
        ).one()
        # The booking ended by a path that left its reminder row behind.
        booking.status = BookingStatus.CANCELLED
        assert (
            jobs.process_reminders(session=session, dialogue=DIALOGUE, now=reminder.due_at, limit=9)
            == 1
        )
        assert outbound(session, kind="reminder") == []
        assert session.get_one(Reminder, reminder.id).status == DueStatus.SKIPPED

    def test_a_held_booking_is_still_reminded(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert bookings.still_held(session=session, booking_id=booking.id, now=NOW)
        reminder = session.scalars(
            select(Reminder).where(col(Reminder.kind) == ReminderKind.BOOKING)
        ).one()
        jobs.process_reminders(session=session, dialogue=DIALOGUE, now=reminder.due_at, limit=9)
        assert [m.kind for m in outbound(session, kind="reminder")] == ["reminder"]


class TestReasonProperties:
    @settings(max_examples=100, deadline=None)
    @given(st.text(max_size=300))
    def test_a_kept_reason_is_one_short_line_without_a_cpr(self, text: str) -> None:
        tidy = " ".join(text.split())
        if not tidy or len(tidy) > 200 or redact_cpr(tidy) != tidy:
            with pytest.raises(AppError, match="reason"):
                checked_reason(text)
            return
        kept = checked_reason(text)
        assert kept == " ".join(kept.split()) and 1 <= len(kept) <= 200
        assert redact_cpr(kept) == kept

    @given(st.dates(min_value=date(1930, 1, 1), max_value=date(2009, 12, 31)))
    def test_a_reason_with_a_cpr_is_refused(self, born: date) -> None:
        cpr = f"{born:%d%m%y}-4321"
        if redact_cpr(cpr) == cpr:
            return  # not a valid CPR by the redactor's rules
        with pytest.raises(AppError):
            checked_reason(f"forkert {cpr}")
