"""Booking a slot, cancelling it, and the reminder and staff notice that go with it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.errors import ConflictError
from channels.port import Buttons
from scheduler.window import SendWindow
from store import outbox
from store.models import Booking, Contact, Location, Reminder, Slot, StaffMember
from store.types import BookingStatus, DueStatus, ReminderKind, Trigger

# The working day before the conversation, at this local time.
REMINDER_AT = time(10, 0)


class SlotTakenError(ConflictError):
    """Someone else booked the slot first."""

    def __init__(self, slot_id: int) -> None:
        super().__init__(f"slot {slot_id} is taken")
        self.slot_id = slot_id


def book(
    *,
    session: Session,
    slot_id: int,
    contact_id: int,
    conversation_id: int,
    replacing: Booking | None,
    now: datetime,
    window: SendWindow,
) -> Booking:
    """Book a slot, or raise SlotTakenError; the database's unique index settles races."""
    booking = Booking(
        slot_id=slot_id,
        contact_id=contact_id,
        conversation_id=conversation_id,
        status=BookingStatus.BOOKED,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError as error:
        raise SlotTakenError(slot_id) from error
    if replacing is not None:
        end(session=session, booking=replacing, status=BookingStatus.MOVED, now=now)
    schedule_reminder(session=session, booking=booking, now=now, window=window)
    return booking


def end(*, session: Session, booking: Booking, status: BookingStatus, now: datetime) -> None:
    """Close a booking (cancelled, moved, attended, no-show) and drop its pending reminder."""
    booking.status = status
    booking.ended_at = now
    session.execute(
        update(Reminder)
        .where(col(Reminder.booking_id) == booking.id, col(Reminder.status) == DueStatus.SCHEDULED)
        .values(status=DueStatus.CANCELLED)
    )


def schedule_reminder(
    *, session: Session, booking: Booking, now: datetime, window: SendWindow
) -> Reminder | None:
    """Schedule the reminder for the working day before; skip it when that is already past."""
    slot = session.get_one(Slot, booking.slot_id)
    slot_day = slot.starts_at.astimezone(window.tz).date()
    due = reminder_due(slot_day=slot_day, window=window)
    if due <= now + timedelta(hours=1):
        return None  # the confirmation just went out; a reminder minutes later would pester
    assert booking.id is not None
    reminder = Reminder(
        kind=ReminderKind.BOOKING,
        conversation_id=booking.conversation_id,
        booking_id=booking.id,
        due_at=due,
    )
    session.add(reminder)
    return reminder


def has_begun(*, session: Session, booking_id: int | None, now: datetime) -> bool:
    """Tell whether the booked conversation has started (or the booking is unknown)."""
    booking = session.get(Booking, booking_id) if booking_id is not None else None
    if booking is None:
        return True
    return session.get_one(Slot, booking.slot_id).starts_at <= now


def reminder_due(*, slot_day: date, window: SendWindow) -> datetime:
    """Return when to remind: the working day before, at REMINDER_AT or inside the send window."""
    day = window.previous_working_day(slot_day)
    wanted = datetime.combine(day, REMINDER_AT, window.tz)
    latest = window.closes_at(day) - timedelta(hours=1)
    return min(max(wanted, window.opens_at(day)), latest)


def notify_staff(
    *,
    session: Session,
    staff: StaffMember,
    kind: str,
    text: str,
    now: datetime,
    buttons: Buttons = (),
) -> None:
    """Queue a notice to a staff member on their channel, with buttons where it has them."""
    outbox.queue(
        session=session,
        channel=staff.channel,
        address=staff.address or f"staff:{staff.id}",
        kind=kind,
        trigger=Trigger.REPLY,
        text=text,
        now=now,
        staff_member_id=staff.id,
        buttons=buttons,
    )


def describe_for_staff(
    *, contact: Contact, slot: Slot, location: Location, window: SendWindow
) -> str:
    """Describe a booking for staff: who, when, where."""
    local = slot.starts_at.astimezone(window.tz)
    return (
        f"{local:%d.%m.%Y kl. %H.%M}, {location.name}. "
        f"Borger: {contact.name or 'ukendt navn'}, {contact.phone} (ref. {contact.public_id})"
    )
