"""The waitlist: a citizen who got no time that fits is offered a place; freed times go to it.

A place waits for a time that fits the citizen's own wish ("fredag eftermiddag", "ikke tirsdag",
"på arbejdspladsen"), stored with it; without a wish any time fits. A place lasts
WAITLIST_DAYS. Whenever times are free in the municipality (a cancellation, a move, a closure
lifted, new slots), the job offers each free time, inside the send window, to the first place
in line whose wish it fits (`bot.fit.matches`), in turn: one not answering within OFFER_TURN
lets the next whose wish fits be offered too, and nobody is offered more than once a day. The
offer is an ordinary offer of the times that fit, so the first to answer books (the database's
unique index settles a race) and a later answer meets a time already taken. When no free time
fits a place holding an offer any more, the job tells the citizen kindly that it is gone and
that they stay on the list. Every row is due work the ticker claims; nothing here sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import bindparam, distinct, func, select
from sqlmodel import Session, col

from booking import closures, wishes
from booking.slots import earliest_bookable
from bot.types import SlotWish
from core.calendar import SendWindow
from store.booking_models import HOLDS_PLACE
from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    Reminder,
    Slot,
    WaitlistEntry,
)
from store.types import (
    BookingStatus,
    ConversationStatus,
    ReminderKind,
    WaitlistStatus,
    holds_slot,
    written_out,
)

WAITLIST_DAYS = 30
OFFER_TURN = timedelta(hours=3)  # no answer by then: the next in line is offered as well
OFFER_KEPT = timedelta(days=1)  # an offer this recent is still open: told when it is gone
# The places in line looked at on each run, per municipality, oldest first.
MAX_WAITING_LOOKED_AT = 1000


def ask_once(*, session: Session, conversation: Conversation, now: datetime) -> None:
    """Schedule the waitlist question for a citizen told there is no time, once per case."""
    assert conversation.id is not None
    asked = session.scalar(
        select(func.count(col(Reminder.id))).where(
            col(Reminder.conversation_id) == conversation.id,
            col(Reminder.kind) == ReminderKind.WAITLIST_ASK,
        )
    )
    if asked or _waiting(session=session, conversation_id=conversation.id) is not None:
        return
    session.add(
        Reminder(kind=ReminderKind.WAITLIST_ASK, conversation_id=conversation.id, due_at=now)
    )


def join(
    *,
    session: Session,
    conversation: Conversation,
    now: datetime,
    wish: SlotWish | None = None,
) -> WaitlistEntry:
    """Put the citizen on their municipality's waitlist for a time that fits `wish`.

    Joined again, the place they hold is kept (its turn too) and waits for the new wish.
    """
    assert conversation.id is not None
    held = _waiting(session=session, conversation_id=conversation.id)
    if held is not None:
        held.wish = wishes.stored(wish)
        return held
    contact = session.get_one(Contact, conversation.contact_id)
    campaign = session.get_one(Campaign, conversation.campaign_id)
    assert contact.id is not None
    entry = WaitlistEntry(
        conversation_id=conversation.id,
        contact_id=contact.id,
        municipality_id=campaign.municipality_id,
        created_at=now,
        expires_at=now + timedelta(days=WAITLIST_DAYS),
        wish=wishes.stored(wish),
    )
    session.add(entry)
    return entry


def leave(*, session: Session, conversation_id: int, now: datetime) -> None:
    """Take the citizen off the list."""
    _end(_waiting(session=session, conversation_id=conversation_id), WaitlistStatus.LEFT, now)


def on_booked(*, session: Session, booking: Booking, now: datetime) -> None:
    """A citizen booked: their place is filled (the others offered hear of it from the job)."""
    entry = _waiting(session=session, conversation_id=booking.conversation_id)
    if entry is None:
        return
    entry.booking_id = booking.id
    _end(entry, WaitlistStatus.BOOKED, now)


def gone_offers(*, session: Session, now: datetime, window: SendWindow) -> list[WaitlistEntry]:
    """Return the places holding an offer when no free time fits their wish now, withdrawn.

    Run by the job, not by the booking: telling the others in the booking's own transaction
    would lock their conversations while they may be booking too.
    """
    after = earliest_bookable(now=now, window=window)
    found: list[WaitlistEntry] = []
    for municipality_id in _municipalities(session=session):
        holding = session.scalars(
            select(WaitlistEntry)
            .where(
                col(WaitlistEntry.municipality_id) == municipality_id,
                written_out(col(WaitlistEntry.status), WaitlistStatus.WAITING),
                col(WaitlistEntry.offered_at) > now - OFFER_KEPT,
            )
            .order_by(col(WaitlistEntry.id))
        ).all()
        if not holding:
            continue
        free = wishes.free_times(session=session, municipality_id=municipality_id, after=after)
        gone = [
            entry.id
            for entry in holding
            if not wishes.fits_any(
                session=session,
                municipality_id=municipality_id,
                after=after,
                wish=wishes.of(entry),
                nearest=free,
            )
        ]
        for entry in _locked(session=session, ids=gone):
            entry.offered_at = None  # their turn comes again with the next freed time
            found.append(entry)
    return found


def due_offers(*, session: Session, now: datetime, window: SendWindow) -> list[WaitlistEntry]:
    """Return the places whose turn it is to be offered a free time now, in order.

    Each free time, nearest first, is held by the first place in line whose wish it fits: a
    place offered within OFFER_TURN keeps holding one, then the others in order of joining,
    each not offered yet today. A place no free time fits waits; a later one may be offered.
    """
    today = datetime.combine(window.local(now).date(), time(0), window.tz)
    after = earliest_bookable(now=now, window=window)
    due: list[WaitlistEntry] = []
    for municipality_id in _municipalities(session=session):
        free = wishes.free_times(session=session, municipality_id=municipality_id, after=after)
        unclaimed = {slot.slot_id: slot for slot in free}
        in_turn = _offered(session=session, municipality_id=municipality_id, since=now - OFFER_TURN)
        for entry in in_turn:
            wishes.claim(unclaimed, wishes.of(entry))
        if not unclaimed:
            continue
        not_today = (col(WaitlistEntry.offered_at).is_(None)) | (
            col(WaitlistEntry.offered_at) < today
        )
        in_line = session.scalars(
            select(WaitlistEntry)
            .where(
                col(WaitlistEntry.municipality_id) == municipality_id,
                written_out(col(WaitlistEntry.status), WaitlistStatus.WAITING),
                col(WaitlistEntry.expires_at) > now,
                not_today,
            )
            .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
            .limit(MAX_WAITING_LOOKED_AT)
        ).all()
        turn = []
        for entry in in_line:
            if not unclaimed:
                break
            if wishes.claim(unclaimed, wishes.of(entry)):
                turn.append(entry.id)
        due.extend(_locked(session=session, ids=turn))
    return due


def mark_offered(entry: WaitlistEntry, *, now: datetime) -> None:
    """Note that the place was offered a time now."""
    entry.offered_at = now
    entry.offers += 1


def follow_wish(entry: WaitlistEntry, wish: SlotWish | None) -> None:
    """Let a place still waiting wait for the wish the citizen gave since (at an offer)."""
    if entry.status == WaitlistStatus.WAITING:
        entry.wish = wishes.stored(wish)


def expired(*, session: Session, now: datetime, limit: int) -> Sequence[WaitlistEntry]:
    """Return places that ran out, marked expired (the caller sends the last message)."""
    rows = session.scalars(
        select(WaitlistEntry)
        .where(
            written_out(col(WaitlistEntry.status), WaitlistStatus.WAITING),
            col(WaitlistEntry.expires_at) <= now,
        )
        .order_by(col(WaitlistEntry.expires_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for entry in rows:
        _end(entry, WaitlistStatus.EXPIRED, now)
    return rows


def still_open(*, session: Session, entry: WaitlistEntry, now: datetime) -> bool:
    """Tell whether the place's conversation is open; end the place quietly if not."""
    conversation = session.get_one(Conversation, entry.conversation_id)
    if conversation.status == ConversationStatus.OPEN:
        return True
    _end(entry, WaitlistStatus.LEFT, now)
    return False


def refilled(*, session: Session) -> int:
    """Count the freed times the waitlist filled: places that ended in a booking."""
    found = session.scalar(
        select(func.count(col(WaitlistEntry.id))).where(
            written_out(col(WaitlistEntry.status), WaitlistStatus.BOOKED)
        )
    )
    return int(found or 0)


def _offered(*, session: Session, municipality_id: int, since: datetime) -> Sequence[WaitlistEntry]:
    """Return the places offered a time since then, in order of joining."""
    return session.scalars(
        select(WaitlistEntry)
        .where(
            col(WaitlistEntry.municipality_id) == municipality_id,
            written_out(col(WaitlistEntry.status), WaitlistStatus.WAITING),
            col(WaitlistEntry.offered_at) > since,
        )
        .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
    ).all()


def _locked(*, session: Session, ids: Iterable[int | None]) -> list[WaitlistEntry]:
    """Lock these places, in the order given, leaving out any another run holds or ended."""
    order = [entry_id for entry_id in ids if entry_id is not None]
    if not order:
        return []
    rows = session.scalars(
        select(WaitlistEntry)
        .where(
            col(WaitlistEntry.id).in_(order),
            written_out(col(WaitlistEntry.status), WaitlistStatus.WAITING),
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    by_id = {entry.id: entry for entry in rows}
    return [by_id[entry_id] for entry_id in order if entry_id in by_id]


def _municipalities(*, session: Session) -> Sequence[int]:
    return session.scalars(
        select(col(WaitlistEntry.municipality_id))
        .where(written_out(col(WaitlistEntry.status), WaitlistStatus.WAITING))
        .distinct()
    ).all()


# Built once per process: every booking asks it.
_WAITING = select(WaitlistEntry).where(
    col(WaitlistEntry.conversation_id) == bindparam("conversation_id"), HOLDS_PLACE
)


def _waiting(*, session: Session, conversation_id: int) -> WaitlistEntry | None:
    return session.scalars(_WAITING, {"conversation_id": conversation_id}).first()


def _end(entry: WaitlistEntry | None, status: WaitlistStatus, now: datetime) -> None:
    if entry is not None:
        entry.status = status
        entry.ended_at = now


@dataclass(frozen=True)
class Refill:
    """What became of times that were freed (a booking cancelled or moved away)."""

    freed: int  # slots whose booking was cancelled or moved, outside closed time
    refilled: int  # of those, booked again
    from_waitlist: int  # places on the waitlist that ended in a booking
    joined: int  # citizens who took a place on the waitlist

    def as_dict(self) -> dict[str, int]:
        """Return the counts by name."""
        return {
            "freed": self.freed,
            "refilled": self.refilled,
            "from_waitlist": self.from_waitlist,
            "joined": self.joined,
        }


def refill(*, session: Session) -> Refill:
    """Count freed times, those booked again, and the waitlist's part in it."""
    # A time in a closed period cannot be booked again: it is not counted as freed.
    ended = (
        select(col(Booking.slot_id))
        .join(Slot, col(Slot.id) == col(Booking.slot_id))
        .where(
            col(Booking.status).in_((BookingStatus.CANCELLED, BookingStatus.MOVED)),
            ~closures.closed(),
        )
        .distinct()
    )
    freed = session.scalar(select(func.count()).select_from(ended.subquery()))
    refilled_slots = session.scalar(
        select(func.count(distinct(col(Booking.slot_id)))).where(
            col(Booking.slot_id).in_(ended),
            holds_slot(col(Booking.status)),
        )
    )
    joined = session.scalar(select(func.count(col(WaitlistEntry.id))))
    return Refill(
        freed=int(freed or 0),
        refilled=int(refilled_slots or 0),
        from_waitlist=refilled(session=session),
        joined=int(joined or 0),
    )
