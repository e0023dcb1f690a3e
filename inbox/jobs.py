"""The inbox's due work: escalate callbacks past their promise, list bookings awaiting outcomes.

Run by the ticker on every tick (injected in recruitbot.runtime.build_ticker).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

import structlog
from sqlmodel import Session

from core.calendar import SendWindow
from inbox import repository
from store import inbox
from store.models import Booking, Conversation, Location, Slot, StaffMember

log = structlog.get_logger(__name__)
SYSTEM_ACTOR = "system"
AWAITING_TEXT = "Samtalen er holdt, men resultatet er ikke registreret endnu"


@dataclass(frozen=True)
class InboxJob:
    """Escalate overdue callbacks; the working day after a conversation, ask for its outcome."""

    window: SendWindow

    def __call__(self, *, session: Session, now: datetime, limit: int) -> int:
        escalated = escalate_overdue(session=session, now=now, limit=limit)
        listed = 0
        if self.window.is_open(now):  # staff are reminded in working hours
            listed = list_awaiting_outcomes(
                session=session, window=self.window, now=now, limit=limit
            )
        return max(escalated, listed)


def escalate_overdue(*, session: Session, now: datetime, limit: int) -> int:
    """Flag open items past their promised time frame: the coordinator's inbox shows them first."""
    items = repository.overdue_callbacks(session=session, now=now, limit=limit)
    for item in items:
        item.escalated_at = now
    if items:
        log.info("inbox.escalated", count=len(items))
    return len(items)


def list_awaiting_outcomes(
    *, session: Session, window: SendWindow, now: datetime, limit: int
) -> int:
    """Open an item, with one reminder to the staff member, per booking held before today."""
    today = now.astimezone(window.tz).date()
    rows = repository.awaiting_outcome(
        session=session, ended_before=datetime.combine(today, time(0), window.tz), limit=limit
    )
    for booking, slot in rows:
        _remind(session=session, window=window, booking=booking, slot=slot, now=now)
    return len(rows)


def _remind(
    *, session: Session, window: SendWindow, booking: Booking, slot: Slot, now: datetime
) -> None:
    staff = session.get_one(StaffMember, slot.staff_member_id)
    location = session.get_one(Location, slot.location_id)
    conversation = session.get_one(Conversation, booking.conversation_id)
    held = slot.starts_at.astimezone(window.tz)
    text = f"{AWAITING_TEXT}: {held:%d.%m.%Y kl. %H.%M}, {location.name}"
    item = inbox.notify(
        session=session,
        staff=staff,
        kind="staff_awaiting_outcome",
        text=text,
        now=now,
        about=inbox.About(
            contact_id=booking.contact_id,
            conversation_id=booking.conversation_id,
            booking_id=booking.id,
            campaign_id=conversation.campaign_id,
        ),
    )
    if item is not None:
        item.reminded_at = now
