"""The slots of one week laid out as a calendar: a column per day, a row per start time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from booking.repository import SlotView
from core.calendar import COPENHAGEN, local

WORKDAYS = 5


@dataclass(frozen=True)
class CalendarSlot:
    """One slot as the calendar shows it."""

    slot_id: int
    starts_at: datetime
    ends_at: datetime
    location: str
    staff: str
    booking_id: int | None
    closed: bool = False  # in a closed period (absence, a location shut): not free


@dataclass(frozen=True)
class WeekCalendar:
    """A week of slots: days, rows of (start time, slots per day), and what is free."""

    monday: date
    days: tuple[date, ...]
    rows: tuple[tuple[str, tuple[tuple[CalendarSlot, ...], ...]], ...]
    free: int
    booked: int

    @property
    def week(self) -> str:
        return iso_week(self.monday)

    @property
    def previous(self) -> str:
        return iso_week(self.monday - timedelta(days=7))

    @property
    def next(self) -> str:
        return iso_week(self.monday + timedelta(days=7))


def iso_week(monday: date) -> str:
    """Write a week as 2026-W48."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(text: str | None, *, today: date) -> date:
    """Return the Monday of a week written as 2026-W48; this week if none or unreadable."""
    if text:
        year, sep, week = text.partition("-W")
        if sep and year.isdecimal() and week.isdecimal() and 2000 <= int(year) <= 2999:
            try:
                return date.fromisocalendar(int(year), int(week), 1)
            except ValueError:
                pass
    return today - timedelta(days=today.weekday())


def bounds(monday: date) -> tuple[datetime, datetime]:
    """Return the week as moments: Monday 00:00 to the next Monday 00:00, Copenhagen time."""
    start = datetime.combine(monday, time(0), COPENHAGEN)
    return start, datetime.combine(monday + timedelta(days=7), time(0), COPENHAGEN)


def week_calendar(
    *, monday: date, views: Sequence[SlotView], closed: Collection[int] = ()
) -> WeekCalendar:
    """Lay out a week's slots; Saturday and Sunday appear only if a slot falls on them.

    `closed` are the ids of slots in closed time: shown as closed, counted as neither free nor
    booked unless someone still holds them.
    """
    slots = [_slot(view, closed=closed) for view in views]
    weekend = any(local(slot.starts_at).weekday() >= WORKDAYS for slot in slots)
    days = tuple(monday + timedelta(days=n) for n in range(7 if weekend else WORKDAYS))
    cells: defaultdict[tuple[str, date], list[CalendarSlot]] = defaultdict(list)
    for slot in slots:
        start = local(slot.starts_at)
        cells[(f"{start:%H.%M}", start.date())].append(slot)
    times = sorted({at for at, _ in cells})
    rows = tuple((at, tuple(tuple(cells.get((at, day), ())) for day in days)) for at in times)
    booked = sum(1 for slot in slots if slot.booking_id is not None)
    free = sum(1 for slot in slots if slot.booking_id is None and not slot.closed)
    return WeekCalendar(monday, days, rows, free=free, booked=booked)


def _slot(view: SlotView, *, closed: Collection[int]) -> CalendarSlot:
    slot = view.slot
    assert slot.id is not None
    return CalendarSlot(
        slot_id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.starts_at + timedelta(minutes=slot.duration_min),
        location=view.location.name,
        staff=view.staff.name,
        booking_id=view.booking.id if view.booking else None,
        closed=slot.id in closed,
    )
