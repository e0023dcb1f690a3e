"""Opening slots: one at a time, or as recurring availability on one weekday until a date.

Times come and go in Danish local time (Europe/Copenhagen) and are stored in UTC. Only working
days get slots: weekends and Danish public holidays are skipped, as the send window knows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from booking import directory, repository
from booking.access import Scope
from booking.slots import day_starts
from core.calendar import SendWindow
from core.errors import ConflictError, ForbiddenError, InvalidInputError
from store.models import Location, Slot, StaffMember

MIN_MINUTES, MAX_MINUTES = 15, 240
MAX_DAYS_AHEAD = 400  # a little over a year: availability is planned season by season
MAX_SLOTS = 1000  # per request, so a typo in a date cannot flood the calendar

WEEKDAYS: dict[str, int] = {
    **{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: n for n, name in enumerate(("man", "tir", "ons", "tor", "fre", "lør", "søn"))},
    **{
        name: n
        for n, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{
        name: n
        for n, name in enumerate(
            ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
        )
    },
}


@dataclass(frozen=True)
class CreatedSlots:
    """What a request opened, and the days it skipped because they are no working days."""

    slots: list[Slot]
    skipped_days: list[date]


def parse_weekday(text: str) -> int:
    """Read a weekday: "tue", "tirsdag", "Tuesday" → 1; weekends are refused."""
    day = WEEKDAYS.get(text.strip().lower())
    if day is None:
        raise InvalidInputError(f"{text!r} is not a weekday (mon, tue, wed, thu, fri)")
    if day >= 5:
        raise InvalidInputError("weekends are no working days: choose mon to fri")
    return day


def read_local(moment: datetime, window: SendWindow) -> datetime:
    """Read a time as Danish local time: a naive one is local already, an aware one converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=window.tz)
    return window.local(moment)


def add_slot(
    *,
    session: Session,
    scope: Scope,
    location_id: int,
    staff_member_id: int,
    starts_at: datetime,
    minutes: int,
    now: datetime,
    window: SendWindow,
) -> Slot:
    """Open one slot on a working day in the future."""
    location, staff = _place(session, scope, location_id, staff_member_id)
    start = read_local(starts_at, window)
    _check_minutes(minutes)
    if not window.is_working_day(start.date()):
        raise InvalidInputError(f"{start:%Y-%m-%d} is not a working day (weekend or holiday)")
    if start <= now:
        raise InvalidInputError(f"{start:%Y-%m-%d %H:%M} has passed")
    if start.date() > _today(now, window) + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInputError(f"slots can be opened at most {MAX_DAYS_AHEAD} days ahead")
    slot = Slot(
        location_id=location.id or 0,
        staff_member_id=staff.id or 0,
        starts_at=start,
        duration_min=minutes,
    )
    _insert(session, [slot], staff, window)
    return slot


def add_recurring(
    *,
    session: Session,
    scope: Scope,
    weekday: int,
    day_start: time,
    day_end: time,
    location_id: int,
    staff_member_id: int,
    minutes: int,
    until: date,
    now: datetime,
    window: SendWindow,
    first_day: date | None = None,
) -> CreatedSlots:
    """Open back-to-back slots between two times on one weekday, from `first_day` to `until`."""
    location, staff = _place(session, scope, location_id, staff_member_id)
    _check_minutes(minutes)
    if weekday not in range(5):
        raise InvalidInputError("weekends are no working days: choose mon to fri")
    if day_start.replace(tzinfo=None) >= day_end.replace(tzinfo=None):
        raise InvalidInputError("the day's availability must end after it starts")
    today = _today(now, window)
    first = max(first_day or today, today)
    if until < first:
        raise InvalidInputError(f"until ({until}) is before the first day ({first})")
    if until > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInputError(f"slots can be opened at most {MAX_DAYS_AHEAD} days ahead")
    slots: list[Slot] = []
    skipped: list[date] = []
    for day in _weekdays(first, until, weekday):
        if not window.is_working_day(day):
            skipped.append(day)
            continue
        starts = day_starts(
            day=day,
            day_start=day_start.replace(tzinfo=None),
            day_end=day_end.replace(tzinfo=None),
            minutes=minutes,
            window=window,
        )
        slots.extend(
            Slot(
                location_id=location.id or 0,
                staff_member_id=staff.id or 0,
                starts_at=start,
                duration_min=minutes,
            )
            for start in starts
            if start > now
        )
    if not slots:
        raise InvalidInputError("no slot fits: no working day of that weekday, or too short a day")
    if len(slots) > MAX_SLOTS:
        raise InvalidInputError(f"{len(slots)} slots at once is more than {MAX_SLOTS}: split it")
    _insert(session, slots, staff, window)
    return CreatedSlots(slots=slots, skipped_days=skipped)


def _place(
    session: Session, scope: Scope, location_id: int, staff_member_id: int
) -> tuple[Location, StaffMember]:
    location = directory.get_location(session=session, scope=scope, location_id=location_id)
    if location.retired_at is not None:
        raise InvalidInputError(f"location {location_id} has been removed: it takes no new slots")
    staff = directory.get_staff_member(
        session=session, scope=scope, staff_member_id=staff_member_id
    )
    if not scope.sees_staff(staff_member_id):
        raise ForbiddenError("a staff key opens slots only for its own staff member")
    if staff.municipality_id != location.municipality_id:
        raise InvalidInputError(
            "the staff member and the location belong to different municipalities"
        )
    return location, staff


def _check_minutes(minutes: int) -> None:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInputError(f"a slot lasts {MIN_MINUTES} to {MAX_MINUTES} minutes")


def _today(now: datetime, window: SendWindow) -> date:
    return window.local(now).date()


def _weekdays(first: date, last: date, weekday: int) -> list[date]:
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    days: list[date] = []
    while day <= last:
        days.append(day)
        day += timedelta(days=7)
    return days


def _insert(
    session: Session, slots: Sequence[Slot], staff: StaffMember, window: SendWindow
) -> None:
    """Insert slots unless one overlaps a slot the staff member already has."""
    assert staff.id is not None
    clashes = _clashes(session, slots, staff.id, window)
    if clashes:
        shown = ", ".join(f"{moment:%Y-%m-%d %H:%M}" for moment in clashes[:5])
        more = f" and {len(clashes) - 5} more" if len(clashes) > 5 else ""
        raise ConflictError(
            f"{staff.name} already has a slot at or overlapping {shown}{more}; nothing was opened"
        )
    try:
        with session.begin_nested():
            session.add_all(slots)
            session.flush()
    except IntegrityError as error:
        # Someone opened the same slot at the same moment: the unique constraint decided.
        raise ConflictError("the slot exists already; nothing was opened") from error


def _clashes(
    session: Session, slots: Sequence[Slot], staff_member_id: int, window: SendWindow
) -> list[datetime]:
    """Return the local starts of new slots that overlap the staff member's existing ones."""
    first = min(slot.starts_at for slot in slots) - timedelta(minutes=MAX_MINUTES)
    last = max(_end(slot) for slot in slots)
    existing: defaultdict[date, list[Slot]] = defaultdict(list)
    for old in repository.staff_slots_between(
        session=session, staff_member_id=staff_member_id, after=first, before=last
    ):
        existing[window.local(old.starts_at).date()].append(old)
    clashes: list[datetime] = []
    for new in slots:
        start = window.local(new.starts_at)
        if any(
            old.starts_at < _end(new) and new.starts_at < _end(old)
            for old in existing[start.date()]
        ):
            clashes.append(start)
    return clashes


def _end(slot: Slot) -> datetime:
    return slot.starts_at + timedelta(minutes=slot.duration_min)
