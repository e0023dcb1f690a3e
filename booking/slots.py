"""Slots for health conversations: creating them and finding free ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, bindparam, exists, select
from sqlmodel import Session, col

from booking import closures
from bot.types import SlotOffer
from core.calendar import SendWindow
from store.models import Booking, Location, Slot, StaffMember
from store.types import holds_slot


@dataclass(frozen=True)
class FreeSlot:
    """A free slot with where it is."""

    slot: Slot
    location: Location
    # Who holds it, where the read brought them (`offered_slots`): a booking tells them.
    staff: StaffMember | None = None

    def offer(self) -> SlotOffer:
        """Describe the slot as the dialogue sees it (and a wish is matched against it)."""
        assert self.slot.id is not None
        return SlotOffer(
            slot_id=self.slot.id,
            starts_at=self.slot.starts_at,
            duration_min=self.slot.duration_min,
            location_name=self.location.name,
            address=self.location.address,
            kind=self.location.kind,
        )


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


def _free() -> Select[Slot, Location]:
    """Free slots with their places: in the municipality, after a time, not held, not closed.

    The conditions every read of free slots shares; `:municipality_id` and `:after` are bound
    when it runs.
    """
    held = exists().where(col(Booking.slot_id) == col(Slot.id), holds_slot(col(Booking.status)))
    return (
        select(Slot, Location)
        .join(Location, col(Location.id) == col(Slot.location_id))
        .where(col(Location.municipality_id) == bindparam("municipality_id"))
        .where(col(Slot.starts_at) > bindparam("after"), ~held, ~closures.closed())
    )


# Built once per process: a dialogue step that offers times only binds its values.
_FREE_SLOTS = _free().order_by(col(Slot.starts_at), col(Slot.id)).limit(bindparam("limit"))
# Choosing a time offered reads only the times of that offer, not the nearest dozen, with
# their staff members: the one booked is told, without a query of its own.
_OFFERED_SLOTS = (
    _free()
    .add_columns(StaffMember)
    .join(StaffMember, col(StaffMember.id) == col(Slot.staff_member_id))
    .where(col(Slot.id).in_(bindparam("slot_ids", expanding=True)))
    .order_by(col(Slot.starts_at), col(Slot.id))
)


def free_slots(
    *, session: Session, municipality_id: int, after: datetime, limit: int
) -> Sequence[FreeSlot]:
    """Return the nearest slots after `after` that no active booking holds."""
    rows = session.execute(
        _FREE_SLOTS, {"municipality_id": municipality_id, "after": after, "limit": limit}
    ).all()
    return [FreeSlot(slot=slot, location=location) for slot, location in rows]


def offered_slots(
    *, session: Session, municipality_id: int, after: datetime, slot_ids: Sequence[int]
) -> Sequence[FreeSlot]:
    """Return those of `slot_ids` that are still free after `after`, as `free_slots` finds them.

    Each with its staff member: keep the FreeSlot while the step runs, and the session has them.
    """
    if not slot_ids:
        return []
    values = {"municipality_id": municipality_id, "after": after, "slot_ids": list(slot_ids)}
    rows = session.execute(_OFFERED_SLOTS, values).all()
    return [FreeSlot(slot=slot, location=location, staff=staff) for slot, location, staff in rows]


# How far a wish looks: free slots are read in pages, nearest first, until enough fit.
WISH_PAGE = 200
WISH_SCAN = 2000


def free_slots_where(
    *,
    session: Session,
    municipality_id: int,
    after: datetime,
    keep: Callable[[FreeSlot], bool],
    limit: int,
    scan: int = WISH_SCAN,
) -> list[FreeSlot]:
    """Return the nearest free slots after `after` that `keep` accepts, looking at most `scan`."""
    found: list[FreeSlot] = []
    looked = 0
    last: tuple[datetime, int] | None = None
    while looked < scan and len(found) < limit:
        page = _free_page(session=session, municipality_id=municipality_id, after=after, last=last)
        found.extend(free for free in page if keep(free))
        looked += len(page)
        if len(page) < WISH_PAGE:
            break
        final = page[-1].slot
        last = (final.starts_at, final.id or 0)
    return found[:limit]


def _free_page(
    *, session: Session, municipality_id: int, after: datetime, last: tuple[datetime, int] | None
) -> list[FreeSlot]:
    """One page of free slots in time order, after the (start, id) of the previous page."""
    query = _free()
    if last is not None:
        starts, slot_id = last
        query = query.where(
            (col(Slot.starts_at) > starts)
            | ((col(Slot.starts_at) == starts) & (col(Slot.id) > slot_id))
        )
    query = query.order_by(col(Slot.starts_at), col(Slot.id)).limit(WISH_PAGE)
    rows = session.execute(query, {"municipality_id": municipality_id, "after": after}).all()
    return [FreeSlot(slot=slot, location=location) for slot, location in rows]


def earliest_bookable(*, now: datetime, window: SendWindow) -> datetime:
    """Return the earliest start a citizen may book: the second working day from today.

    Staff need a day's notice, and the reminder the working day before must have a chance to go.
    """
    local_today = window.local(now).date()
    days = window.working_days(local_today + timedelta(days=1))
    next(days)  # tomorrow (or the next working day) stays free for the reminder
    next_day = next(days)
    return datetime.combine(next_day, time(0), window.tz)
