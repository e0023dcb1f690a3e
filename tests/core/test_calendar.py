"""The send window: working days, local hours, Danish holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import COPENHAGEN, SendWindow

WINDOW = SendWindow()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=COPENHAGEN)  # type: ignore[misc]


class TestIsOpen:
    def test_open_on_a_weekday_morning(self) -> None:
        assert WINDOW.is_open(local(2026, 11, 24, 9, 0))

    def test_closed_before_nine_and_from_six(self) -> None:
        assert not WINDOW.is_open(local(2026, 11, 24, 8, 59))
        assert not WINDOW.is_open(local(2026, 11, 24, 18, 0))

    def test_closed_at_weekends(self) -> None:
        assert not WINDOW.is_open(local(2026, 11, 22, 12, 0))  # a Sunday

    def test_closed_on_public_and_customary_holidays(self) -> None:
        for day in (date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1), date(2026, 6, 5)):
            assert not WINDOW.is_open(local(day.year, day.month, day.day, 12, 0)), day

    def test_uses_copenhagen_time_not_utc(self) -> None:
        # 08:30 UTC in winter is 09:30 in Copenhagen.
        assert WINDOW.is_open(datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
        # 16:30 UTC in summer is 18:30 in Copenhagen.
        assert not WINDOW.is_open(datetime(2026, 6, 23, 16, 30, tzinfo=UTC))


class TestNextOpen:
    def test_friday_evening_moves_to_monday_morning(self) -> None:
        assert WINDOW.next_open(local(2026, 11, 27, 19, 0)) == local(2026, 11, 30, 9, 0)

    def test_christmas_moves_past_the_holidays(self) -> None:
        assert WINDOW.next_open(local(2026, 12, 23, 18, 30)) == local(2026, 12, 28, 9, 0)

    def test_early_morning_moves_to_the_same_day(self) -> None:
        assert WINDOW.next_open(local(2026, 11, 24, 6, 0)) == local(2026, 11, 24, 9, 0)

    @settings(max_examples=300, deadline=None)
    @given(
        st.datetimes(
            min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
        )
    )
    def test_next_open_is_open_and_never_earlier(self, moment: datetime) -> None:
        opened = WINDOW.next_open(moment)
        assert opened >= moment
        assert WINDOW.is_open(opened)
        assert opened - moment < timedelta(days=6)

    def test_closes_at_is_local_end_hour(self) -> None:
        assert WINDOW.closes_at(date(2026, 6, 23)) == local(2026, 6, 23, 18, 0)


class TestPreviousWorkingDay:
    def test_monday_gives_friday(self) -> None:
        assert WINDOW.previous_working_day(date(2026, 11, 30)) == date(2026, 11, 27)
