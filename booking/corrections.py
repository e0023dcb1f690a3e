"""Correcting a recorded outcome: within a set period, by staff or a coordinator, with a reason.

The booking's status, its monitoring record and its follow-up follow the correction; the
audit log keeps who corrected what, from what, and why. The citizen is not messaged: a
correction puts the records right, it does not reopen the dialogue.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from booking import follow_ups
from booking.outcomes import (
    BookingNotFoundError,
    Outcome,
    OutcomeError,
    add_monitoring_record,
    close_attended,
    follow_up_due,
    validated,
)
from bot.types import ConversationState
from core.calendar import SendWindow
from core.cpr import redact_cpr
from core.errors import InvalidInputError
from store.models import (
    AuditEvent,
    Booking,
    Conversation,
    FollowUp,
    Location,
    MonitoringRecord,
    Reminder,
    Slot,
)
from store.types import BookingStatus, ConversationStatus, DueStatus

# Long enough for a mistake to be noticed at the next month's review of the figures, short
# enough that a report already handed to the evaluation does not change under it for long.
CORRECTION_PERIOD = timedelta(days=30)
CORRECTION_ACTION = "booking.outcome_corrected"
MAX_REASON_CHARS = 200
MAX_CHAIN = 100  # bookings followed after one; a real chain has a handful


def correct_outcome(
    *,
    session: Session,
    window: SendWindow,
    booking_id: int,
    outcome: Outcome,
    reason: str,
    now: datetime,
    actor: str,
) -> MonitoringRecord | None:
    """Replace a recorded outcome with a corrected one; return the monitoring record, if any."""
    booking = session.get(Booking, booking_id, with_for_update=True)
    if booking is None:
        raise BookingNotFoundError(f"no booking {booking_id}")
    if booking.status not in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        raise OutcomeError(
            f"booking {booking_id} is {booking.status}: there is no outcome to correct"
        )
    slot = session.get_one(Slot, booking.slot_id)
    if now > slot.starts_at + CORRECTION_PERIOD:
        raise OutcomeError(
            f"an outcome can be corrected for {CORRECTION_PERIOD.days} days after the "
            f"conversation; booking {booking_id} was on "
            f"{window.local(slot.starts_at):%d.%m.%Y}"
        )
    why = checked_reason(reason)
    location = session.get_one(Location, slot.location_id)
    check_date = window.local(slot.starts_at).date()
    outcome = validated(
        session=session,
        outcome=outcome,
        municipality_id=location.municipality_id,
        check_date=check_date,
        today=window.local(now).date(),
    )
    before = BookingStatus(booking.status)
    if outcome.attended:
        record = _to_attended(
            session=session,
            window=window,
            booking=booking,
            outcome=outcome,
            check_date=check_date,
            now=now,
        )
    else:
        record = None
        _to_no_show(session=session, booking=booking, now=now)
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=CORRECTION_ACTION,
            subject_type="booking",
            subject_id=booking_id,
            detail=f"{before} -> {booking.status}; reason: {why}",
        )
    )
    return record


def checked_reason(reason: str) -> str:
    """Return the reason tidied to one line; refuse none, a long one, or one with a CPR number."""
    why = " ".join(reason.split())
    if not why or len(why) > MAX_REASON_CHARS:
        raise InvalidInputError(f"give a reason of 1-{MAX_REASON_CHARS} characters")
    if redact_cpr(why) != why:
        raise InvalidInputError("the reason must not hold a CPR number")
    return why


def _to_attended(
    *,
    session: Session,
    window: SendWindow,
    booking: Booking,
    outcome: Outcome,
    check_date: date,
    now: datetime,
) -> MonitoringRecord:
    if booking.status == BookingStatus.NO_SHOW:
        chain = _check_not_rebooked(session=session, booking=booking)
        booking.status = BookingStatus.ATTENDED
        conversation = session.get_one(Conversation, booking.conversation_id)
        # A later no-show in the chain is the case's own ending (its new-time offer); only
        # bookings cancelled or moved away follow this one, or none: the case is done now.
        later_no_show = any(later.status == BookingStatus.NO_SHOW for later in chain)
        if not later_no_show and (
            conversation.status == ConversationStatus.OPEN
            or conversation.close_reason in ("no_show", None)
        ):
            # Waiting for (or refused) a new time after the no-show: the case is done now.
            close_attended(session=session, conversation=conversation, now=now)
    follow_up = follow_ups.for_booking(session=session, booking_id=booking.id or 0)
    outcome = _follow_up(
        session=session,
        window=window,
        booking=booking,
        follow_up=follow_up,
        outcome=outcome,
        check_date=check_date,
        now=now,
    )
    record = _record_of(session=session, booking_id=booking.id)
    if record is None:
        conversation = session.get_one(Conversation, booking.conversation_id)
        return add_monitoring_record(
            session=session,
            booking=booking,
            check_date=check_date,
            conversation=conversation,
            outcome=outcome,
            now=now,
        )
    record.referrals_municipal = ",".join(outcome.referrals_municipal)
    record.referrals_non_municipal = ",".join(outcome.referrals_non_municipal)
    record.waiting_days = outcome.waiting_days
    record.gp_advice = outcome.gp_advice
    record.further_course = outcome.further_course
    record.follow_up_date = outcome.follow_up_date
    return record


def _to_no_show(*, session: Session, booking: Booking, now: datetime) -> None:
    booking.status = BookingStatus.NO_SHOW
    record = _record_of(session=session, booking_id=booking.id)
    if record is not None:
        session.delete(record)  # a no-show had no health check: the scheme has no record of it
    follow_up = follow_ups.for_booking(session=session, booking_id=booking.id or 0)
    if follow_up is not None:
        _withdraw(session=session, follow_up=follow_up, now=now)
    conversation = session.get_one(Conversation, booking.conversation_id)
    if conversation.close_reason == "attended":
        conversation.close_reason = "no_show"
        state = ConversationState.from_json(conversation.state)
        conversation.state = state.with_(close_reason="no_show").to_json()


def _follow_up(
    *,
    session: Session,
    window: SendWindow,
    booking: Booking,
    follow_up: FollowUp | None,
    outcome: Outcome,
    check_date: date,
    now: datetime,
) -> Outcome:
    """Move, add or withdraw the follow-up to match; return the outcome with its actual day."""
    if follow_up is not None and follow_up.status == DueStatus.DONE:
        # It has gone out: the record keeps the day it went, whatever is corrected.
        sent = window.local(follow_up.due_at).date()
        return replace(outcome, follow_up_date=sent if outcome.further_course else None)
    if not outcome.further_course:
        if follow_up is not None:
            _withdraw(session=session, follow_up=follow_up, now=now)
        return outcome
    due_at = follow_up_due(
        check_date=check_date, wanted=outcome.follow_up_date, now=now, window=window
    )
    if follow_up is None:
        assert booking.id is not None
        session.add(
            FollowUp(booking_id=booking.id, conversation_id=booking.conversation_id, due_at=due_at)
        )
    else:
        follow_up.due_at = due_at
        follow_up.status = DueStatus.SCHEDULED
        follow_up.done_at = None
    return replace(outcome, follow_up_date=window.local(due_at).date())


def _withdraw(*, session: Session, follow_up: FollowUp, now: datetime) -> None:
    if follow_up.status == DueStatus.SCHEDULED:
        follow_up.status = DueStatus.CANCELLED
        follow_up.done_at = now
    session.execute(
        update(Reminder)
        .where(
            col(Reminder.booking_id) == follow_up.booking_id,
            col(Reminder.kind).in_(follow_ups.KINDS),
            col(Reminder.status) == DueStatus.SCHEDULED,
        )
        .values(status=DueStatus.CANCELLED, done_at=now)
    )


def later_in_chain(*, session: Session, booking: Booking) -> list[Booking]:
    """Return the bookings that follow this one (`previous_booking_id`), nearest first.

    The whole chain: a no-show rebooked, that booking moved, the new one moved again, …
    """
    found: list[Booking] = []
    seen = {booking.id}
    frontier = [booking.id]
    while frontier and len(found) < MAX_CHAIN:
        following = session.scalars(
            select(Booking)
            .where(col(Booking.previous_booking_id).in_(frontier))
            .order_by(col(Booking.id))
        ).all()
        fresh = [later for later in following if later.id not in seen]
        seen.update(later.id for later in fresh)
        found.extend(fresh)
        frontier = [later.id for later in fresh]
    return found


def _check_not_rebooked(*, session: Session, booking: Booking) -> list[Booking]:
    """Refuse while a later booking in the chain holds a time or was attended; return the chain.

    Made attended, the no-show would close the case while a newer booking still holds a slot,
    or count the citizen as attending twice.
    """
    chain = later_in_chain(session=session, booking=booking)
    for later in chain:
        if later.status == BookingStatus.BOOKED:
            raise OutcomeError(
                f"the citizen rebooked after this no-show and booking {later.id} still holds "
                f"a time; cancel booking {later.id} first if they did come to booking "
                f"{booking.id} after all"
            )
        if later.status == BookingStatus.ATTENDED:
            raise OutcomeError(
                f"the citizen rebooked after this no-show and attended booking {later.id}; "
                f"correct booking {later.id} instead, as one citizen attends once"
            )
    return chain


def _record_of(*, session: Session, booking_id: int | None) -> MonitoringRecord | None:
    return session.scalars(
        select(MonitoringRecord).where(col(MonitoringRecord.booking_id) == booking_id)
    ).first()
