"""Closed time: which slots fall in a period a staff member or a location is away.

A slot is closed when any part of it falls inside a closure of its staff member or its
location (a slot at 07.30-08.15 is closed by a closure from 08.00), or its location was
removed. Closed slots are never offered, and a booking of one is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import Session, col

from store.models import Booking, Closure, Location, Slot
from store.types import BookingStatus, holds_slot


class _EpochSeconds(FunctionElement[int]):
    """Seconds since 1970 of a UTC timestamp column, whole, on SQLite and PostgreSQL alike."""

    type = BigInteger()
    inherit_cache = True


@compiles(_EpochSeconds)
def _epoch_postgresql(element: _EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {moment})) AS BIGINT)"


@compiles(_EpochSeconds, "sqlite")
def _epoch_sqlite(element: _EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # The store keeps naive UTC text on SQLite (store.types.UTCDateTime); '%s' reads it as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def slot_ends() -> ColumnElement[int]:
    """The end of the query's Slot, in seconds since 1970."""
    return _EpochSeconds(col(Slot.starts_at)) + col(Slot.duration_min) * 60


def closed() -> ColumnElement[bool]:
    """Return the SQL condition that the Slot of the query is in closed time.

    The slot and the closure overlap: the closure starts before the slot ends, and ends (if
    ever) after the slot starts.
    """
    starts = col(Slot.starts_at)
    covered = exists().where(
        or_(
            col(Closure.staff_member_id) == col(Slot.staff_member_id),
            col(Closure.location_id) == col(Slot.location_id),
        ),
        _EpochSeconds(col(Closure.starts_at)) < slot_ends(),
        or_(col(Closure.ends_at).is_(None), col(Closure.ends_at) > starts),
    )
    removed = aliased(Location)  # the query may join Location itself: don't correlate to it
    retired = exists().where(
        col(removed.id) == col(Slot.location_id), col(removed.retired_at).is_not(None)
    )
    return or_(covered, retired)


# Built once per process: every booking asks it.
_SLOT_IS_CLOSED = select(col(Slot.id)).where(col(Slot.id) == bindparam("slot_id"), closed())


def slot_is_closed(*, session: Session, slot_id: int) -> bool:
    """Tell whether this slot is in closed time."""
    found = session.scalar(_SLOT_IS_CLOSED, {"slot_id": slot_id})
    return found is not None


def closed_among(*, session: Session, slot_ids: Sequence[int]) -> set[int]:
    """Return which of these slots are in closed time."""
    if not slot_ids:
        return set()
    query = select(col(Slot.id)).where(col(Slot.id).in_(slot_ids), closed())
    return {slot_id for slot_id in session.scalars(query) if slot_id is not None}


def booked_in(*, session: Session, closure: Closure) -> Sequence[int]:
    """Return the ids of the bookings still to be held in a closed period, in time order."""
    who = (
        col(Slot.staff_member_id) == closure.staff_member_id
        if closure.staff_member_id is not None
        else col(Slot.location_id) == closure.location_id
    )
    # Any slot the period overlaps, but not one under way at the moment of closing: that one
    # is held, or recorded as not held.
    period = [
        slot_ends() > int(closure.starts_at.timestamp()),
        col(Slot.starts_at) > closure.created_at,
    ]
    if closure.ends_at is not None:
        period.append(col(Slot.starts_at) < closure.ends_at)
    found = session.scalars(
        select(col(Booking.id))
        .join(Slot, col(Slot.id) == col(Booking.slot_id))
        .where(and_(who, *period), col(Booking.status) == BookingStatus.BOOKED)
        .order_by(col(Slot.starts_at), col(Booking.id))
    )
    return [booking_id for booking_id in found if booking_id is not None]


def closures_of(
    *, session: Session, municipality_id: int | None, after: datetime
) -> Sequence[Closure]:
    """Return the closures that end after `after` (or never), first first."""
    query = select(Closure).where(or_(col(Closure.ends_at).is_(None), col(Closure.ends_at) > after))
    if municipality_id is not None:
        query = query.where(col(Closure.municipality_id) == municipality_id)
    return session.scalars(query.order_by(col(Closure.starts_at), col(Closure.id))).all()


def free_in(
    *,
    session: Session,
    staff_member_id: int | None,
    location_id: int | None,
    starts_at: datetime,
    ends_at: datetime | None,
    after: datetime,
) -> int:
    """Count the slots of a staff member or location in a period, after `after`, free to book."""
    who = (
        col(Slot.staff_member_id) == staff_member_id
        if staff_member_id is not None
        else col(Slot.location_id) == location_id
    )
    held = exists().where(col(Booking.slot_id) == col(Slot.id), holds_slot(col(Booking.status)))
    period = [slot_ends() > int(starts_at.timestamp()), col(Slot.starts_at) > after]
    if ends_at is not None:
        period.append(col(Slot.starts_at) < ends_at)
    query = select(func.count(col(Slot.id))).where(who, *period, ~held, ~closed())
    return int(session.scalar(query) or 0)
