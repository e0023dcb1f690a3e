"""The inbox's due work: escalate callbacks past their promise, list bookings awaiting outcomes.

Run by the ticker on every tick (injected in recruitbot.runtime.build_ticker). A callback still
open past its promised time frame is escalated at once (the coordinator's inbox shows it first,
marked *Overskredet*); in working hours the municipality's coordinators who have a route
(`StaffMember.coordinator`) get one notice about it. Without one, the inbox is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

import structlog
from sqlmodel import Session

from core.calendar import SendWindow
from inbox import repository
from store import inbox
from store.models import Booking, Contact, Conversation, InboxItem, Location, Slot, StaffMember

log = structlog.get_logger(__name__)
SYSTEM_ACTOR = "system"
AWAITING_TEXT = "Samtalen er holdt, men resultatet er ikke registreret endnu"


@dataclass(frozen=True)
class InboxJob:
    """Escalate overdue callbacks; the working day after a conversation, ask for its outcome."""

    window: SendWindow

    def __call__(self, *, session: Session, now: datetime, limit: int) -> int:
        escalated = escalate_overdue(session=session, now=now, limit=limit)
        told = listed = 0
        if self.window.is_open(now):  # staff and coordinators are told in working hours
            told = tell_coordinators(session=session, now=now, limit=limit)
            listed = list_awaiting_outcomes(
                session=session, window=self.window, now=now, limit=limit
            )
        return max(escalated, told, listed)


def escalate_overdue(*, session: Session, now: datetime, limit: int) -> int:
    """Flag open items past their promised time frame: the coordinator's inbox shows them first."""
    items = repository.overdue_callbacks(session=session, now=now, limit=limit)
    for item in items:
        item.escalated_at = now
    if items:
        log.info("inbox.escalated", count=len(items))
    return len(items)


def tell_coordinators(*, session: Session, now: datetime, limit: int) -> int:
    """Send each escalated item's one notice to the municipality's reachable coordinators.

    The item's `reminded_at` records that it was done, whether anyone could be told or not.
    """
    items = repository.escalated_untold(session=session, limit=limit)
    for item in items:
        item.reminded_at = now
        for coordinator in repository.coordinators(
            session=session, municipality_id=item.municipality_id
        ):
            if inbox.is_reachable(coordinator):
                _tell(session=session, coordinator=coordinator, item=item, now=now)
    if items:
        log.info("inbox.escalation_told", count=len(items))
    return len(items)


def _tell(*, session: Session, coordinator: StaffMember, item: InboxItem, now: datetime) -> None:
    contact = session.get(Contact, item.contact_id) if item.contact_id is not None else None
    who = (
        f"{contact.name or 'ukendt navn'}, {contact.phone} (ref. {contact.public_id})"
        if contact is not None
        else item.address or "ukendt"
    )
    inbox.notify(
        session=session,
        staff=coordinator,
        kind=inbox.ESCALATED_KIND,
        text=f"{inbox.ESCALATED_LABEL} (to hverdage): {who}. Se indbakken.",
        now=now,
        about=inbox.About(
            municipality_id=item.municipality_id,
            contact_id=item.contact_id,
            conversation_id=item.conversation_id,
            campaign_id=item.campaign_id,
        ),
    )


def list_awaiting_outcomes(
    *, session: Session, window: SendWindow, now: datetime, limit: int
) -> int:
    """Open an item, with one reminder to the staff member, per booking held before today."""
    today = window.local(now).date()
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
    held = window.local(slot.starts_at)
    text = f"{AWAITING_TEXT}: {held:%d.%m.%Y kl. %H.%M}, {location.name}"
    item_id = inbox.notify(
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
    if item_id is not None:
        session.get_one(InboxItem, item_id).reminded_at = now
