"""The calendar: the one time zone, local time, ages, and when the service may write to a citizen
on its own initiative (the send window, Danish holidays)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MAX_OPEN_DAYS = 31  # how far `open_until` looks ahead; far beyond any provider's validity


def local(moment: datetime) -> datetime:
    """Show a moment as a citizen sees it, in Danish time; a naive one is UTC, as stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(COPENHAGEN)


def age_on(birth_date: date, day: date) -> int:
    """Return a person's age in whole years on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


@dataclass(frozen=True)
class SendWindow:
    """Working days between two local hours; Danish public and customary holidays excluded.

    Customary days off (24 and 31 December, Grundlovsdag, 1 May) count as holidays: a
    municipality would not text citizens about a health check on Christmas Eve.
    """

    start_hour: int = 9
    end_hour: int = 18
    tz: ZoneInfo = field(default=COPENHAGEN)
    working_days_only: bool = True  # False only for trying a flow by hand (`recruitbot chat`)

    def local(self, moment: datetime) -> datetime:
        """Return a moment in the window's time zone (Danish time): the one conversion."""
        return local(moment) if self.tz is COPENHAGEN else moment.astimezone(self.tz)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("DK", categories=("public", "optional"))

    def is_working_day(self, day: date) -> bool:
        """Tell whether `day` is a weekday that is not a holiday."""
        if not self.working_days_only:
            return True
        return day.weekday() < 5 and day not in self._holidays

    def is_open(self, at: datetime) -> bool:
        """Tell whether a scheduled message may go out at `at`."""
        local = self.local(at)
        return self.is_working_day(local.date()) and self.start_hour <= local.hour < self.end_hour

    def opens_at(self, day: date) -> datetime:
        """Return the window's opening on `day` (a working day), in UTC."""
        return datetime.combine(day, time(self.start_hour), self.tz).astimezone(UTC)

    def closes_at(self, day: date) -> datetime:
        """Return the window's closing on `day`, in UTC."""
        midnight = datetime.combine(day, time(0), self.tz)
        return (midnight + timedelta(hours=self.end_hour)).astimezone(UTC)

    def open_until(self, at: datetime) -> datetime:
        """Return when the open period around `at` ends, in UTC.

        Usually today's closing; a window open until midnight that opens again at midnight
        (hours 0-24) runs on through the following working days.
        """
        day = self.local(at).date()
        closes = self.closes_at(day)
        for _ in range(MAX_OPEN_DAYS):
            if (self.start_hour, self.end_hour) != (0, 24):
                break
            day += timedelta(days=1)
            if not self.is_working_day(day):
                break
            closes = self.closes_at(day)
        return closes

    def next_open(self, at: datetime) -> datetime:
        """Return `at` if the window is open then, else the next opening."""
        if self.is_open(at):
            return at.astimezone(UTC)
        local = self.local(at)
        day = local.date()
        if local.hour >= self.start_hour:
            day += timedelta(days=1)
        for candidate in self.working_days(day):
            return self.opens_at(candidate)
        raise AssertionError("unreachable: working days never run out")

    def working_days(self, start: date) -> Iterator[date]:
        """Yield working days from `start` on, forever."""
        day = start
        while True:
            if self.is_working_day(day):
                yield day
            day += timedelta(days=1)

    def previous_working_day(self, day: date) -> date:
        """Return the last working day before `day`."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day
