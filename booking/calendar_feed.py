"""A calendar feed per staff member: a secret, revocable URL Outlook or Google Calendar follow.

The feed lists the bookings of the staff member's slots with time, place and the citizen's
first name; no phone, no CPR, no health data. Only the token's SHA-256 is stored, as with API
keys. An event's SEQUENCE and LAST-MODIFIED change when the booking does (cancelled, moved),
and a cancelled or moved booking stays in the feed as STATUS:CANCELLED for a while, so a
subscribed calendar drops it instead of keeping a stale copy.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlmodel import Session, col

from booking import directory
from booking.access import Scope
from core.errors import ForbiddenError, NotFoundError
from core.principal import hash_key
from store.models import Booking, CalendarFeed, Contact, Location, Slot, StaffMember
from store.types import BookingStatus

TOKEN_PREFIX = "rbc_"
PAST = timedelta(days=30)  # bookings this far back stay in the feed
AHEAD = timedelta(days=366)
ENDED = (BookingStatus.CANCELLED, BookingStatus.MOVED)
PRODID = "-//recruitbot//Sundhedssamtaler//DA"


def create_feed(
    *, session: Session, scope: Scope, staff_member_id: int, now: datetime
) -> tuple[CalendarFeed, str]:
    """Give a staff member a feed; return it and its token in plain, which is never stored."""
    member = _member(session=session, scope=scope, staff_member_id=staff_member_id)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert member.id is not None
    feed = CalendarFeed(
        staff_member_id=member.id, prefix=plain[:12], token_hash=hash_key(plain), created_at=now
    )
    session.add(feed)
    session.flush()
    return feed, plain


def list_feeds(*, session: Session, scope: Scope, staff_member_id: int) -> Sequence[CalendarFeed]:
    """Return a staff member's feeds, newest first, revoked ones included."""
    _member(session=session, scope=scope, staff_member_id=staff_member_id)
    return session.scalars(
        select(CalendarFeed)
        .where(col(CalendarFeed.staff_member_id) == staff_member_id)
        .order_by(col(CalendarFeed.id).desc())
    ).all()


def revoke_feed(*, session: Session, scope: Scope, feed_id: int, now: datetime) -> CalendarFeed:
    """Revoke a feed: its URL answers 404 from now on."""
    feed = session.get(CalendarFeed, feed_id)
    if feed is None:
        raise NotFoundError(f"no calendar feed {feed_id}")
    _member(session=session, scope=scope, staff_member_id=feed.staff_member_id)
    if feed.revoked_at is None:
        feed.revoked_at = now
    return feed


def staff_of(*, session: Session, token: str) -> StaffMember | None:
    """Return whose feed this token opens, or None for an unknown or revoked one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return session.scalars(
        select(StaffMember)
        .join(CalendarFeed, col(CalendarFeed.staff_member_id) == col(StaffMember.id))
        .where(col(CalendarFeed.token_hash) == hash_key(token))
        .where(col(CalendarFeed.revoked_at).is_(None))
    ).first()


def render(
    *, session: Session, staff: StaffMember, now: datetime
) -> tuple[bytes, list[int | None]]:
    """Return the staff member's bookings as an RFC 5545 calendar, and whose they are."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Sundhedssamtaler – {staff.name}")
    calendar.add("x-wr-timezone", "Europe/Copenhagen")
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    shown: list[int | None] = []
    for booking, slot, location, contact in _bookings(session=session, staff=staff, now=now):
        calendar.add_component(_event(booking, slot, location, contact, now=now))
        shown.append(contact.id)
    return bytes(calendar.to_ical()), shown


def feed_scope(staff: StaffMember) -> Scope:
    """Return the scope a feed reads with: its staff member, named as the audit log does."""
    return Scope(
        municipality_id=staff.municipality_id,
        staff_member_id=staff.id,
        actor=f"calendar_feed:{staff.id}",
    )


def first_name(contact: Contact) -> str:
    """Return the citizen's first name only, or a neutral word when there is none."""
    parts = contact.name.split()
    return parts[0] if parts else "borger"


def _event(
    booking: Booking, slot: Slot, location: Location, contact: Contact, *, now: datetime
) -> Event:
    ended = booking.status in ENDED
    event = Event()
    event.add("uid", f"booking-{booking.id}@recruitbot")
    event.add("dtstamp", now)
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.starts_at + timedelta(minutes=slot.duration_min))
    event.add("summary", f"Sundhedssamtale: {first_name(contact)}")
    event.add("location", f"{location.name}, {location.address}")
    event.add("description", f"Borger: {first_name(contact)} (ref. {contact.public_id})")
    event.add("status", "CANCELLED" if ended else "CONFIRMED")
    event.add("sequence", 1 if ended else 0)
    event.add("created", booking.created_at)
    event.add(
        "last-modified", booking.ended_at if ended and booking.ended_at else booking.created_at
    )
    event.add("transp", "TRANSPARENT" if ended else "OPAQUE")
    return event


def _bookings(
    *, session: Session, staff: StaffMember, now: datetime
) -> Sequence[tuple[Booking, Slot, Location, Contact]]:
    rows = session.execute(
        select(Booking, Slot, Location, Contact)
        .join(Slot, col(Slot.id) == col(Booking.slot_id))
        .join(Location, col(Location.id) == col(Slot.location_id))
        .join(Contact, col(Contact.id) == col(Booking.contact_id))
        .where(
            col(Slot.staff_member_id) == staff.id,
            col(Slot.starts_at) >= now - PAST,
            col(Slot.starts_at) < now + AHEAD,
        )
        .order_by(col(Slot.starts_at), col(Booking.id))
    ).all()
    return [(b, s, loc, c) for b, s, loc, c in rows]


def _member(*, session: Session, scope: Scope, staff_member_id: int) -> StaffMember:
    # Looked up in the key's municipality first: another municipality's staff member (and so
    # their feeds) does not exist for the key, rather than being refused.
    member = directory.get_staff_member(
        session=session, scope=scope, staff_member_id=staff_member_id
    )
    if scope.staff_member_id not in (None, staff_member_id):
        raise ForbiddenError("a staff key manages only its own calendar feed")
    return member
