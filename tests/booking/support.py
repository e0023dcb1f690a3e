"""Citizens who write, book and get outcomes recorded, on a real store (rows, not mocks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from conversation.intake import receive_text
from conversation.service import start
from core.calendar import COPENHAGEN
from store.models import Booking, Contact, Message, Slot
from store.types import BookingStatus
from tests.factories import DIALOGUE, MONDAY, World, add_contact, make_world

NOW = MONDAY + timedelta(hours=2)  # Monday 23 November 2026, 10:00 in Copenhagen


def say(session: Session, phone: str, text: str, *, now: datetime = NOW) -> list[Message]:
    """Write as the citizen; return what the service queued in reply."""
    before = session.scalar(select(func.max(Message.id))) or 0
    receive_text(
        session=session,
        dialogue=DIALOGUE,
        channel="console",
        address=phone,
        text=text,
        provider_id=f"p-{before}-{phone}-{text}",
        now=now,
    )
    return queued_since(session, before)


def queued_since(session: Session, before: int) -> list[Message]:
    """Return the outbound messages queued after message id `before`."""
    return list(
        session.scalars(
            select(Message)
            .where(col(Message.id) > before, col(Message.direction) == "out")
            .order_by(col(Message.id))
        )
    )


def last_id(session: Session) -> int:
    """Return the newest message id, to look at what comes after it."""
    return session.scalar(select(func.max(Message.id))) or 0


def invite(session: Session, world: World, phone: str, *, now: datetime = NOW) -> Contact:
    """Add a member and send them the invitation."""
    world.campaign.status = "running"
    contact = add_contact(session, world, phone=phone, now=now)
    start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=now)
    return contact


def to_choosing(session: Session, world: World, phone: str, *, now: datetime = NOW) -> Contact:
    """Invite a citizen and bring them to the offer of free times."""
    contact = invite(session, world, phone, now=now)
    say(session, phone, "ja", now=now)
    say(session, phone, "nej", now=now)  # no health questions: straight to times
    return contact


def book(
    session: Session, world: World, phone: str, *, choice: str = "1", now: datetime = NOW
) -> Booking:
    """Invite a citizen and let them book the `choice`-th time offered."""
    contact = to_choosing(session, world, phone, now=now)
    say(session, phone, choice, now=now)
    return active_booking(session, contact)


def active_booking(session: Session, contact: Contact) -> Booking:
    """Return the contact's booking that holds a slot now."""
    return session.scalars(
        select(Booking).where(
            col(Booking.contact_id) == contact.id, col(Booking.status) == BookingStatus.BOOKED
        )
    ).one()


def outbound(session: Session, *, kind: str | None = None) -> list[Message]:
    """Return outbound messages, of one kind if asked, oldest first."""
    query = select(Message).where(col(Message.direction) == "out").order_by(col(Message.id))
    if kind is not None:
        query = query.where(col(Message.kind) == kind)
    return list(session.scalars(query))


def conversation_held(session: Session) -> tuple[World, Booking, datetime]:
    """A citizen booked Wednesday 25 November 09:00; it is now 11:00 that day."""
    world = make_world(session)
    booking = book(session, world, "+4520000001")
    starts = session.get_one(Slot, booking.slot_id).starts_at
    assert starts.astimezone(COPENHAGEN) == datetime(2026, 11, 25, 9, 0, tzinfo=COPENHAGEN)
    return world, booking, starts + timedelta(hours=2)
