"""The reads behind the staff's and coordinators' views of slots and bookings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlmodel import Session, col

from booking import closures
from booking.access import Scope
from core.errors import NotFoundError
from store.models import Booking, Contact, Location, Slot, StaffMember
from store.types import holds_slot

AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class SlotView:
    """A slot with where, with whom, and the booking that holds it (if any)."""

    slot: Slot
    location: Location
    staff: StaffMember
    booking: Booking | None


@dataclass(frozen=True)
class BookingView:
    """A booking with its slot, place, staff member and citizen."""

    booking: Booking
    slot: Slot
    location: Location
    staff: StaffMember
    contact: Contact


def _scoped(query: AnySelect, scope: Scope) -> AnySelect:
    if scope.municipality_id is not None:
        query = query.where(col(Location.municipality_id) == scope.municipality_id)
    if scope.staff_member_id is not None:
        query = query.where(col(Slot.staff_member_id) == scope.staff_member_id)
    return query


def _between(query: AnySelect, after: datetime | None, before: datetime | None) -> AnySelect:
    if after is not None:
        query = query.where(col(Slot.starts_at) >= after)
    if before is not None:
        query = query.where(col(Slot.starts_at) < before)
    return query


def slot_views(
    *,
    session: Session,
    scope: Scope,
    after: datetime | None,
    before: datetime | None,
    location_id: int | None = None,
    staff_member_id: int | None = None,
    free: bool | None = None,
    limit: int = 200,
) -> list[SlotView]:
    """Return slots in time order, each with the active booking that holds it."""
    held = and_(col(Booking.slot_id) == col(Slot.id), holds_slot(col(Booking.status)))
    query: AnySelect = (
        select(Slot, Location, StaffMember, Booking)
        .join(Location, col(Location.id) == col(Slot.location_id))
        .join(StaffMember, col(StaffMember.id) == col(Slot.staff_member_id))
        .outerjoin(Booking, held)
        .order_by(col(Slot.starts_at), col(Slot.id))
        .limit(limit)
    )
    query = _between(_scoped(query, scope), after, before)
    if location_id is not None:
        query = query.where(col(Slot.location_id) == location_id)
    if staff_member_id is not None:
        query = query.where(col(Slot.staff_member_id) == staff_member_id)
    if free is not None:
        query = query.where(col(Booking.id).is_(None) if free else col(Booking.id).is_not(None))
    if free:
        query = query.where(~closures.closed())  # closed time is not free to book
    return [SlotView(*row) for row in session.execute(query).all()]


def _bookings() -> AnySelect:
    return (
        select(Booking, Slot, Location, StaffMember, Contact)
        .join(Slot, col(Slot.id) == col(Booking.slot_id))
        .join(Location, col(Location.id) == col(Slot.location_id))
        .join(StaffMember, col(StaffMember.id) == col(Slot.staff_member_id))
        .join(Contact, col(Contact.id) == col(Booking.contact_id))
    )


def booking_views(
    *,
    session: Session,
    scope: Scope,
    statuses: Sequence[str] = (),
    after: datetime | None = None,
    before: datetime | None = None,
    limit: int = 200,
) -> list[BookingView]:
    """Return the bookings the scope sees, in the order of their slots."""
    query = _between(_scoped(_bookings(), scope), after, before)
    if statuses:
        query = query.where(col(Booking.status).in_(statuses))
    query = query.order_by(col(Slot.starts_at), col(Booking.id)).limit(limit)
    return [BookingView(*row) for row in session.execute(query).all()]


def booking_view(
    *, session: Session, scope: Scope, booking_id: int, lock: bool = False
) -> BookingView:
    """Return one booking the scope sees, locked for a change if asked; else NotFoundError."""
    query = _scoped(_bookings(), scope).where(col(Booking.id) == booking_id)
    if lock:
        # Staff and the dialogue may act on the same booking at once: the first one wins.
        query = query.with_for_update(of=Booking)
    row = session.execute(query).first()
    if row is None:
        raise NotFoundError(f"no booking {booking_id}")
    return BookingView(*row)


def staff_slots_between(
    *, session: Session, staff_member_id: int, after: datetime, before: datetime
) -> Sequence[Slot]:
    """Return a staff member's slots that start in [after, before)."""
    return session.scalars(
        select(Slot)
        .where(
            col(Slot.staff_member_id) == staff_member_id,
            col(Slot.starts_at) >= after,
            col(Slot.starts_at) < before,
        )
        .order_by(col(Slot.starts_at))
    ).all()
