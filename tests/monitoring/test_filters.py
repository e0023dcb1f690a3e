"""What a report covers, and the goals it is measured against."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitoring.filters import FilterError, ReportFilter
from monitoring.goals import parse_goals


class TestReportFilter:
    def test_empty_restricts_nothing(self) -> None:
        assert ReportFilter().is_empty
        assert not ReportFilter(channel="sms").is_empty
        assert ReportFilter().utc_bounds() == (None, None)

    def test_period_is_whole_local_days(self) -> None:
        # Winter: Copenhagen is UTC+1, so a local day starts at 23:00 UTC the day before.
        start, end = ReportFilter(
            period_from=date(2026, 3, 1), period_to=date(2026, 3, 31)
        ).utc_bounds()
        assert start == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
        # The last day is included: the bound is the next local midnight, in summer time.
        assert end == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)

    def test_first_day_after_last_is_refused(self) -> None:
        with pytest.raises(FilterError, match="after its last"):
            ReportFilter(period_from=date(2026, 5, 2), period_to=date(2026, 5, 1))

    @pytest.mark.parametrize("day", [date(1, 1, 1), date(1999, 12, 31), date(9999, 12, 31)])
    def test_far_dates_are_refused(self, day: date) -> None:
        with pytest.raises(FilterError, match="between"):
            ReportFilter(period_to=day)

    @pytest.mark.parametrize("channel", ["", "SMS", "sms\x00", "x" * 17, "sms;drop"])
    def test_odd_channels_are_refused(self, channel: str) -> None:
        with pytest.raises(FilterError, match="channel"):
            ReportFilter(channel=channel)

    def test_describe(self) -> None:
        described = ReportFilter(
            campaign_id=3, partner_id=7, partner_name="FOA", period_from=date(2026, 1, 1)
        ).describe()
        assert described == {
            "campaign": 3,
            "partner": "FOA",
            "channel": None,
            "municipality": None,
            "from": "2026-01-01",
            "to": None,
        }


class TestParseGoals:
    def test_bare_number_is_the_goal_of_the_one_municipality(self) -> None:
        assert parse_goals(["400"], only_municipality="265") == {"265": 400}

    def test_named_goals(self) -> None:
        goals = parse_goals(["Roskilde=400", "350=120", "københavn = 900"], only_municipality=None)
        assert goals == {"265": 400, "350": 120, "101": 900}

    def test_bare_number_without_one_municipality_is_refused(self) -> None:
        with pytest.raises(FilterError, match="MUNICIPALITY=N"):
            parse_goals(["400"], only_municipality=None)

    def test_unknown_municipality_is_refused(self) -> None:
        with pytest.raises(FilterError, match="not a Danish municipality"):
            parse_goals(["Atlantis=4"], only_municipality=None)

    @pytest.mark.parametrize("value", ["0", "-3", "2.5", "lots", "", "9" * 5000, "265=0"])
    def test_odd_numbers_are_refused(self, value: str) -> None:
        with pytest.raises(FilterError, match="whole number"):
            parse_goals([value], only_municipality="265")
