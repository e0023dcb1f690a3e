"""Booking a slot, cancelling it, and the reminder and staff notice that go with it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col

from booking import closures
from channels.port import Buttons
from core.calendar import SendWindow
from core.errors import ConflictError
from store import inbox
from store.models import Booking, Contact, Location, Reminder, Slot, StaffMember
from store.types import (
    BookingStatus,
    DueStatus,
    ReminderKind,
    UTCDateTime,
    holds_slot,
)

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
    now: datetime,
    window: SendWindow,
) -> Booking:
    """Book a slot, or raise SlotTakenError; the database's unique index settles races.

    The new booking links to the one it follows: the conversation's booking that holds a slot
    (`store.conversations.active_booking`), found by the same statement. A booking still to
    come is moved; one that was held (attended, no-show) keeps its outcome: history is added
    to, never overwritten. A slot in a closed period counts as taken.

    Its reminder (`remind_at`) is written with it: on PostgreSQL by the same statement.
    """
    slot = session.get(Slot, slot_id)  # in the session already when the step offered it
    if slot is None:
        raise SlotTakenError(slot_id)
    due = remind_at(slot=slot, now=now, window=window)
    values = {
        "new_slot_id": slot_id,
        "new_contact_id": contact_id,
        "new_conversation_id": conversation_id,
        "new_status": BookingStatus.BOOKED.value,
        "new_created_at": now,
        "reminder_kind": ReminderKind.BOOKING.value,
        "reminder_due_at": due,
        "reminder_status": DueStatus.SCHEDULED.value,
    }
    # One statement: the row is written only if the slot is open, and no active booking holds
    # it (the unique index, which a concurrent booking waits on). No row: closed or taken.
    dialect = session.get_bind().dialect.name
    booking: Booking | None = session.scalars(_book_if_free(dialect), values).one_or_none()
    if booking is None:
        raise SlotTakenError(slot_id)
    if due is not None and dialect != "postgresql":  # there the booking's statement wrote it
        _write_reminder(session=session, booking=booking, due=due)
    if booking.previous_booking_id is not None:
        replaced = session.get_one(Booking, booking.previous_booking_id)
        if replaced.status == BookingStatus.BOOKED:
            end(session=session, booking=replaced, status=BookingStatus.MOVED, now=now)
    return booking


def _book_if_free(dialect: str) -> Any:
    """The INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING of a booking, built once.

    The ORM loads the new row from the Core statement's RETURNING (`from_statement`): an ORM
    insert would be annotated, and its cache key worked out again, on every booking. On
    PostgreSQL the booking's reminder is written by the same statement (a data-modifying
    `WITH`, which SQLite does not have), when the booking is and a reminder is due.
    """
    if dialect not in _BOOK_IF_FREE:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        held = aliased(Booking)
        replaced = (
            select(col(held.id))
            .where(
                col(held.conversation_id) == bindparam("new_conversation_id", type_=Integer),
                holds_slot(col(held.status)),
            )
            .order_by(col(held.id).desc())
            .limit(1)
            .scalar_subquery()
        )
        open_slot = select(
            col(Slot.id),
            bindparam("new_contact_id", type_=Integer),
            bindparam("new_conversation_id", type_=Integer),
            bindparam("new_status", type_=String),
            bindparam("new_created_at", type_=UTCDateTime()),
            replaced,
        ).where(col(Slot.id) == bindparam("new_slot_id"), ~closures.closed())
        columns = (
            col(Booking.slot_id),
            col(Booking.contact_id),
            col(Booking.conversation_id),
            col(Booking.status),
            col(Booking.created_at),
            col(Booking.previous_booking_id),
        )
        written = (
            insert(Booking)
            .from_select(columns, open_slot)
            .on_conflict_do_nothing(
                index_elements=["slot_id"],
                index_where=_ACTIVE_SLOT.dialect_options[dialect]["where"],
            )
            .returning(*SQLModel.metadata.tables["booking"].columns)
        )
        if dialect == "postgresql":
            booked = written.cte("booked")
            due = bindparam("reminder_due_at", type_=UTCDateTime())
            reminded = insert(_REMINDERS).from_select(
                ["kind", "conversation_id", "booking_id", "due_at", "status"],
                select(
                    bindparam("reminder_kind", type_=String),
                    booked.c.conversation_id,
                    booked.c.id,
                    due,
                    bindparam("reminder_status", type_=String),
                ).where(due.is_not(None)),
            )
            _BOOK_IF_FREE[dialect] = select(Booking).from_statement(
                select(booked).add_cte(reminded.cte("reminded"))
            )
        else:
            _BOOK_IF_FREE[dialect] = select(Booking).from_statement(written)
    return _BOOK_IF_FREE[dialect]


_BOOK_IF_FREE: dict[str, Any] = {}
# The partial unique index that lets one active booking hold a slot (store.models.Booking).
_ACTIVE_SLOT: Index = next(
    index
    for index in SQLModel.metadata.tables["booking"].indexes
    if index.name == "uq_booking_active_slot"
)


def end(*, session: Session, booking: Booking, status: BookingStatus, now: datetime) -> None:
    """Close a booking (cancelled, moved, attended, no-show) and drop its pending reminder."""
    booking.status = status
    booking.ended_at = now
    session.execute(
        update(Reminder)
        .where(col(Reminder.booking_id) == booking.id, col(Reminder.status) == DueStatus.SCHEDULED)
        .values(status=DueStatus.CANCELLED)
    )


def remind_at(*, slot: Slot, now: datetime, window: SendWindow) -> datetime | None:
    """When to remind of a booking of this slot: the working day before; None if that is past."""
    due = reminder_due(slot_day=window.local(slot.starts_at).date(), window=window)
    if due <= now + timedelta(hours=1):
        return None  # the confirmation just went out; a reminder minutes later would pester
    return due


def _write_reminder(*, session: Session, booking: Booking, due: datetime) -> None:
    # Written at once (no object: nothing in the step reads it back).
    assert booking.id is not None
    session.execute(
        _INSERT_REMINDER,
        {
            "kind": ReminderKind.BOOKING.value,
            "conversation_id": booking.conversation_id,
            "booking_id": booking.id,
            "due_at": due,
            "status": DueStatus.SCHEDULED.value,
            "done_at": None,
        },
    )


_REMINDERS: Table = SQLModel.metadata.tables["reminder"]
_INSERT_REMINDER = insert(_REMINDERS).inline()  # its id is not needed: no RETURNING


def still_held(*, session: Session, booking_id: int | None, now: datetime) -> bool:
    """Tell whether the booking still holds the citizen's slot, and the slot is still ahead.

    Checked when a reminder goes out, whatever became of the reminder row: a reminder is
    never sent for a time that was moved, cancelled or closed since it was scheduled.
    """
    booking = session.get(Booking, booking_id) if booking_id is not None else None
    if booking is None or booking.status != BookingStatus.BOOKED:
        return False
    if closures.slot_is_closed(session=session, slot_id=booking.slot_id):
        return False
    return session.get_one(Slot, booking.slot_id).starts_at > now


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
    about: inbox.About | None = None,
) -> int | None:
    """Tell a staff member on their route (store.inbox); open an inbox item where one is needed.

    Returns the item's id, if one was opened.
    """
    return inbox.notify(
        session=session, staff=staff, kind=kind, text=text, now=now, buttons=buttons, about=about
    )


def describe_for_staff(
    *, contact: Contact, slot: Slot, location: Location, window: SendWindow
) -> str:
    """Describe a booking for staff: who, when, where."""
    local = window.local(slot.starts_at)
    return (
        f"{local:%d.%m.%Y kl. %H.%M}, {location.name}. "
        f"Borger: {contact.name or 'ukendt navn'}, {contact.phone} (ref. {contact.public_id})"
    )
