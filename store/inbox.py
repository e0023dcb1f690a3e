"""Writing inbox items and routing staff notices; the reads live in the inbox slice.

Every notice to staff passes through `notify`: it picks the staff member's route (Telegram, SMS
to their own phone, or none), queues the notice there, and opens an inbox item for anything a
person has to act on, so no notice is ever only "sent" into a channel nobody reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert, select
from sqlmodel import Session, SQLModel, col

from core.calendar import SendWindow
from store import outbox
from store.db import insert_row
from store.models import Contact, InboxItem, Message, StaffMember
from store.types import Direction, Trigger

SMS_CHANNEL = "twilio"
OPEN = "open"
HANDLED = "handled"
AWAITING_OUTCOME = "awaiting_outcome"

# Notice kinds (Message.kind) that need a person, and the inbox kind each opens.
ITEM_KINDS = {
    "staff_callback": "callback",
    "staff_no_slots": "callback",
    "staff_not_understood": "unreadable",
    "staff_cancellation": "cancellation",
    "staff_moved": "moved",
    "staff_follow_up_reply": "follow_up",
    "staff_follow_up_help": "follow_up",
    "staff_follow_up_no_answer": "follow_up_unanswered",
    "staff_citizen_reply": "reply",
    "staff_awaiting_outcome": "awaiting_outcome",
    "staff_wrote_first": "wrote_first",
}
# A notice that needs no action (a new booking) still lands in the inbox when it reached nobody.
UNDELIVERED_KIND = "notice"
# Notices about an item that is in the inbox already (a callback escalated to the coordinator):
# they open none, and say so in their SMS.
ESCALATED_KIND = "staff_escalated"

# The SMS to a staff member's own phone: short, the citizen's first name and pseudonym only,
# never health data or a CPR number; the details are in the inbox.
SMS_LABELS = {
    "callback": "Borger ønsker et opkald",
    "unreadable": "Borger har skrevet noget, systemet ikke forstod",
    "question": "Borger har et spørgsmål",
    "cancellation": "Booking aflyst",
    "moved": "Booking flyttet",
    "follow_up": "Svar på opfølgning",
    "follow_up_unanswered": "Opfølgning ikke besvaret",
    "no_show": "Udeblevet",
    "awaiting_outcome": "Samtale mangler resultat",
    "reply": "Borger har svaret dig",
    "notice": "Ny besked",
    "wrote_first": "Borger har skrevet uden at være inviteret",
}
ESCALATED_LABEL = "Opkald ikke foretaget inden for fristen"


@dataclass(frozen=True)
class About:
    """What a notice is about, for its inbox item; every field is optional."""

    municipality_id: int | None = None
    contact_id: int | None = None
    conversation_id: int | None = None
    booking_id: int | None = None
    campaign_id: int | None = None
    cause: str | None = None  # the citizen's own words that caused it
    address: str | None = None  # the number that wrote, when no contact is known
    due_at: datetime | None = None  # a callback promised by then


def callback_due(*, window: SendWindow, now: datetime) -> datetime:
    """Return the end of the second working day after today: a promised callback is due then."""
    days = window.working_days(window.local(now).date() + timedelta(days=1))
    next(days)
    return window.closes_at(next(days))


def route_for(staff: StaffMember) -> str:
    """Return how a notice reaches this staff member: "telegram", "sms" or "none"."""
    linked = staff.channel == "telegram" and bool(staff.address)
    if staff.notify_by in ("auto", "telegram") and linked:
        return "telegram"
    if staff.notify_by in ("auto", "sms") and staff.phone:
        return "sms"
    return "none"


def is_reachable(staff: StaffMember) -> bool:
    """Tell whether a notice to this staff member reaches a device of theirs."""
    return route_for(staff) != "none"


def notify(
    *,
    session: Session,
    staff: StaffMember | None,
    kind: str,
    text: str,
    now: datetime,
    buttons: outbox.Buttons = (),
    about: About | None = None,
) -> int | None:
    """Queue a notice on the staff member's route; open an inbox item where one is needed.

    Returns the item's id, if one was opened.

    With no staff member (the municipality has none) nothing is queued: the item opens in the
    municipality's inbox (`about.municipality_id`), where the coordinator sees it undelivered.
    """
    about = about or About()
    route = route_for(staff) if staff is not None else "none"
    item_kind = ITEM_KINDS.get(kind)
    if item_kind is None and route == "none" and kind != ESCALATED_KIND:
        item_kind = UNDELIVERED_KIND  # reached nobody: kept in the inbox
    if item_kind == "unreadable" and about.cause and "?" in about.cause:
        item_kind = "question"
    # An undelivered notice is kept whole in its item; any other has the citizen's words, if any.
    said = text if item_kind == UNDELIVERED_KIND else (about.cause or text)
    if staff is None:
        if item_kind is None:
            return None
        return insert_row(session, _ITEMS, _item(None, item_kind, said, now, about, route))
    notice = _notice(
        staff=staff,
        route=route,
        kind=kind,
        text=text,
        now=now,
        buttons=buttons,
        sms=_sms_text(session=session, kind=kind, item_kind=item_kind, about=about),
    )
    if item_kind is None:
        outbox.queue_row(session, notice)
        return None
    item = _item(staff, item_kind, said, now, about, route)
    if route == "none":  # queued where no person reads it: the item says so, and points nowhere
        outbox.queue_row(session, notice)
        return insert_row(session, _ITEMS, item)
    return _notice_with_item(session, notice, item)


def open_item(
    *,
    session: Session,
    staff: StaffMember | None,
    kind: str,
    text: str,
    now: datetime,
    about: About,
) -> int:
    """Open an item in a staff member's inbox (None: the municipality's, for the coordinator).

    The row is written at once (Core, as the outbox's are); its id is returned.
    """
    return insert_row(session, _ITEMS, _item(staff, kind, text, now, about, "none"))


def _item(
    staff: StaffMember | None, kind: str, text: str, now: datetime, about: About, notice: str
) -> dict[str, Any]:
    municipality_id = staff.municipality_id if staff is not None else about.municipality_id
    assert municipality_id is not None
    return {
        "municipality_id": municipality_id,
        "staff_member_id": staff.id if staff is not None else None,
        "kind": kind,
        "status": OPEN,
        "contact_id": about.contact_id,
        "conversation_id": about.conversation_id,
        "booking_id": about.booking_id,
        "campaign_id": about.campaign_id,
        "address": about.address,
        "text": text[:2000],
        "created_at": now,
        "notice": notice,
        "due_at": about.due_at,
    }


def _notice_with_item(session: Session, notice: dict[str, Any], item: dict[str, Any]) -> int:
    """Queue a notice and open its item, which points at it; return the item's id.

    On PostgreSQL one statement writes both (a data-modifying `WITH`); SQLite has none.
    """
    if session.get_bind().dialect.name != "postgresql":
        pointed = {**item, "notice_message_id": outbox.queue_row(session, notice)}
        return insert_row(session, _ITEMS, pointed)
    statement = _both(tuple(notice), tuple(item))
    values = {f"n_{k}": v for k, v in notice.items()} | {f"i_{k}": v for k, v in item.items()}
    item_id = session.connection().execute(statement, values).scalar_one()
    outbox.note_queued(session, notice["address"])
    return int(item_id)


@cache
def _both(notice: tuple[str, ...], item: tuple[str, ...]) -> Insert:
    def bound(table: Table, prefix: str, name: str) -> Any:
        return bindparam(prefix + name, type_=table.c[name].type)

    written = (
        insert(_MESSAGES)
        .values({name: bound(_MESSAGES, "n_", name) for name in notice})
        .returning(_MESSAGES.c.id)
        .cte("notice")
    )
    return (
        insert(_ITEMS)
        .from_select(
            [*item, "notice_message_id"],
            select(*(bound(_ITEMS, "i_", name) for name in item), written.c.id),
        )
        .returning(_ITEMS.c.id)
    )


_ITEMS: Table = SQLModel.metadata.tables["inbox_item"]
_MESSAGES: Table = SQLModel.metadata.tables["message"]


def close_awaiting_outcome(*, session: Session, booking_id: int, by: str, now: datetime) -> int:
    """Mark a booking's open "awaiting outcome" items handled: the outcome is recorded."""
    items = session.scalars(
        select(InboxItem).where(
            col(InboxItem.booking_id) == booking_id,
            col(InboxItem.kind) == AWAITING_OUTCOME,
            col(InboxItem.status) == OPEN,
        )
    ).all()
    for item in items:
        item.status = HANDLED
        item.handled_at = now
        item.handled_by = by
        item.note = "Udfaldet er registreret."
    return len(items)


# Built once per process: every notice about a conversation asks it.
_LAST_INBOUND_TEXT = (
    select(col(Message.text))
    .where(
        col(Message.conversation_id) == bindparam("conversation_id"),
        col(Message.direction) == Direction.IN,
    )
    .order_by(col(Message.created_at).desc(), col(Message.id).desc())
    .limit(1)
)


def last_inbound_text(*, session: Session, conversation_id: int) -> str | None:
    """Return the citizen's latest message in a conversation (already CPR-redacted at intake)."""
    return session.scalars(_LAST_INBOUND_TEXT, {"conversation_id": conversation_id}).first()


def last_inbound_at(*, session: Session, conversation_id: int) -> datetime | None:
    """Return when the citizen last wrote in a conversation."""
    return session.scalars(
        select(col(Message.created_at))
        .where(
            col(Message.conversation_id) == conversation_id,
            col(Message.direction) == Direction.IN,
        )
        .order_by(col(Message.created_at).desc())
        .limit(1)
    ).first()


def _notice(
    *,
    staff: StaffMember,
    route: str,
    kind: str,
    text: str,
    now: datetime,
    buttons: outbox.Buttons,
    sms: str,
) -> dict[str, Any]:
    if route == "sms":
        channel, address, text, buttons = SMS_CHANNEL, staff.phone, sms, ()
    else:
        # Telegram; or, with no route, the staff member's own channel as before (the console in
        # development and the demo), which reaches no person: the item shows it as undelivered.
        channel, address = staff.channel, staff.address or f"staff:{staff.id}"
    return outbox.outbound(
        channel=channel,
        address=address,
        kind=kind,
        trigger=Trigger.REPLY,
        text=text,
        now=now,
        staff_member_id=staff.id,
        buttons=buttons,
    )


def _sms_text(*, session: Session, kind: str, item_kind: str | None, about: About) -> str:
    """Word the SMS: with an item, point to the inbox; a new booking, to the bookings."""
    if kind == ESCALATED_KIND:
        label, where = ESCALATED_LABEL, "Se indbakken."
    elif item_kind:
        label, where = SMS_LABELS.get(item_kind, SMS_LABELS[UNDELIVERED_KIND]), "Se indbakken."
    else:
        label, where = "Ny booking", "Se bookingerne."
    contact = session.get(Contact, about.contact_id) if about.contact_id is not None else None
    if contact is None:
        return f"{label}. {where}"
    first = (contact.name.split() or ["borger"])[0]
    return f"{label}: {first} (ref. {contact.public_id}). {where}"
