"""Slots for health conversations: creating them and finding free ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select
from sqlmodel import Session, col

from scheduler.window import SendWindow
from store.models import Booking, Location, Slot
from store.types import ACTIVE_BOOKING_STATUSES


@dataclass(frozen=True)
class FreeSlot:
    """A free slot with where it is."""

    slot: Slot
    location: Location


def create_working_day_slots(
    *,
    session: Session,
    location_id: int,
    staff_member_id: int,
    first_day: date,
    last_day: date,
    day_start: time,
    day_end: time,
    duration_min: int,
    window: SendWindow,
) -> list[Slot]:
    """Create back-to-back slots on working days (holidays skipped) between two local times."""
    slots: list[Slot] = []
    for day in window.working_days(first_day):
        if day > last_day:
            break
        slots.extend(
            Slot(
                location_id=location_id,
                staff_member_id=staff_member_id,
                starts_at=start,
                duration_min=duration_min,
            )
            for start in day_starts(
                day=day, day_start=day_start, day_end=day_end, minutes=duration_min, window=window
            )
        )
    session.add_all(slots)
    session.flush()
    return slots


def day_starts(
    *, day: date, day_start: time, day_end: time, minutes: int, window: SendWindow
) -> list[datetime]:
    """Return the starts of back-to-back slots of `minutes` between two local times of a day."""
    starts: list[datetime] = []
    start = datetime.combine(day, day_start, window.tz)
    end = datetime.combine(day, day_end, window.tz)
    while start + timedelta(minutes=minutes) <= end:
        starts.append(start)
        start += timedelta(minutes=minutes)
    return starts


def free_slots(
    *, session: Session, municipality_id: int, after: datetime, limit: int
) -> Sequence[FreeSlot]:
    """Return the nearest slots after `after` that no active booking holds."""
    held = exists().where(
        col(Booking.slot_id) == col(Slot.id), col(Booking.status).in_(ACTIVE_BOOKING_STATUSES)
    )
    rows = session.execute(
        select(Slot, Location)
        .join(Location, col(Location.id) == col(Slot.location_id))
        .where(col(Location.municipality_id) == municipality_id)
        .where(col(Slot.starts_at) > after, ~held)
        .order_by(col(Slot.starts_at), col(Slot.id))
        .limit(limit)
    ).all()
    return [FreeSlot(slot=slot, location=location) for slot, location in rows]


def earliest_bookable(*, now: datetime, window: SendWindow) -> datetime:
    """Return the earliest start a citizen may book: the second working day from today.

    Staff need a day's notice, and the reminder the working day before must have a chance to go.
    """
    local_today = now.astimezone(window.tz).date()
    days = window.working_days(local_today + timedelta(days=1))
    next(days)  # tomorrow (or the next working day) stays free for the reminder
    next_day = next(days)
    return datetime.combine(next_day, time(0), window.tz)
