"""The console's small parts: Danish formatting, the SVG bars, the readers of forms and query
strings (which take any text without raising), the demo's clock and the browser's skip."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import FormData

from console import campaign_form, formatting, outcome_form
from console.auth_pages import safe_next
from console.calendar import iso_week, week_start
from console.charts import BAR_AREA, STUB, bar_chart
from console.reports import read_filters
from core.clock import SimulatedClock
from outreach.preview import _WARNINGS
from outreach.templates import _SAY, template_problems
from recruitbot.demo.serve import ShiftedClock
from tests.console import browser

texts = st.text(max_size=60)


class TestFormatting:
    @pytest.mark.parametrize(
        ("value", "shown"),
        [(1234567, "1.234.567"), (3.25, "3,2"), ("<5", "<5"), ("1200", "1.200"), (None, "–")],
    )
    def test_numbers(self, value: int | float | str | None, shown: str) -> None:
        assert formatting.number(value) == shown

    def test_shares_money_hours_and_times(self) -> None:
        assert formatting.percent(0.4567) == "45,7 %" and formatting.percent(None) == "–"
        assert formatting.money(1234.5) == "1.234,50 kr."
        assert formatting.hours(5.25) == "5,2 timer"
        moment = datetime(2026, 11, 27, 9, 5, tzinfo=UTC)  # 10.05 in Copenhagen
        assert formatting.when(moment) == "27.11.2026 kl. 10.05"
        assert formatting.long_day(date(2026, 11, 27)) == "fredag 27. november 2026"


class TestBars:
    def test_a_hidden_count_is_a_stub_that_shows_no_size(self) -> None:
        chart = bar_chart(title="t", items=[("a", 200.0, "200"), ("b", None, "<5"), ("c", 0, "0")])
        a, b, c = chart.bars
        assert a.width == BAR_AREA and not a.hidden
        assert (b.width, b.hidden, b.shown) == (STUB, True, "<5")
        assert c.width == 0
        assert chart.description == "a: 200; b: <5; c: 0"

    def test_shares_are_drawn_against_a_whole(self) -> None:
        chart = bar_chart(title="t", items=[("a", 0.5, "50 %")], maximum=1.0)
        assert chart.bars[0].width == BAR_AREA / 2


class TestReaders:
    @given(st.dictionaries(st.sampled_from(campaign_form.FIELDS), texts))
    def test_any_campaign_form_gives_a_campaign_or_danish_problems(
        self, fields: dict[str, str]
    ) -> None:
        filled = campaign_form.read(FormData(list(fields.items())))
        campaign = campaign_form.to_create(filled, needs_municipality=True, telegram_bot="")
        assert (campaign is None) == bool(filled.errors)

    @given(st.dictionaries(st.sampled_from([*outcome_form.FIELDS, "gp_advice"]), texts))
    def test_any_outcome_form_gives_an_outcome_or_problems(self, fields: dict[str, str]) -> None:
        filled = outcome_form.read(FormData(list(fields.items())))
        assert (outcome_form.to_outcome(filled) is None) == bool(filled.errors)

    @given(st.dictionaries(st.sampled_from(["campaign", "from", "to", "municipality"]), texts))
    def test_any_report_filter_gives_a_query_or_problems(self, params: dict[str, str]) -> None:
        filters = read_filters(params)
        assert (filters.query is None) == bool(filters.errors)

    @given(texts)
    def test_any_week_reads_as_a_monday(self, text: str) -> None:
        assert week_start(text, today=date(2026, 11, 27)).weekday() == 0

    def test_weeks_round_trip(self) -> None:
        monday = week_start("2026-W53", today=date(2026, 1, 1))
        assert monday == date(2026, 12, 28) and iso_week(monday) == "2026-W53"
        assert week_start("2026-W54", today=date(2026, 11, 27)) == date(2026, 11, 23)

    @pytest.mark.parametrize(
        ("value", "safe"),
        [
            ("/console/bookings/4/outcome", True),
            ("/console/funnel?campaign=1", True),
            ("https://evil.example/console/", False),
            ("//evil.example", False),
            ("/console//evil.example", False),
            ("/console/\\evil", False),
            ("/api/v1/campaigns", False),
            ("", False),
        ],
    )
    def test_only_console_pages_are_gone_on_to(self, value: str, safe: bool) -> None:
        assert safe_next(value) == (value if safe else None)


class TestDanish:
    def test_every_template_problem_and_warning_has_both_languages(self) -> None:
        for texts_by_language in (*_SAY.values(), *_WARNINGS.values()):
            assert set(texts_by_language) == {"en", "da"}

    def test_the_rules_are_the_same_in_both_languages(self) -> None:
        text = "Hej {fornavn}, se www.roskilde.dk"
        english = template_problems(text, sender="Roskilde Kommune", allow_links=False)
        danish = template_problems(text, sender="Roskilde Kommune", allow_links=False, lang="da")
        assert len(english) == len(danish) == 4
        assert danish[0].startswith("bruger den ukendte pladsholder {fornavn}")


def test_the_demos_clock_goes_on_from_the_end_at_the_real_pace() -> None:
    real = SimulatedClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    end = datetime(2027, 1, 18, 8, tzinfo=UTC)
    clock = ShiftedClock(end, real=real)
    assert clock.now() == end
    real.advance(timedelta(minutes=3))
    assert clock.now() == end + timedelta(minutes=3)


class TestChromiumCheck:
    def test_a_machine_without_chromium_skips_and_says_why(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(browser, "CHROMIUM", browser.Path("/nonexistent/chromium"))
        monkeypatch.delenv("RECRUITBOT_REQUIRE_CHROMIUM", raising=False)
        with pytest.raises(pytest.skip.Exception, match="install Debian's chromium"):
            browser.require_chromium()

    def test_ci_fails_instead(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(browser, "CHROMIUM", browser.Path("/nonexistent/chromium"))
        monkeypatch.setenv("RECRUITBOT_REQUIRE_CHROMIUM", "1")
        with pytest.raises(pytest.fail.Exception, match="is missing"):
            browser.require_chromium()
