"""Rendering slots in Danish and English, in Danish local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.render import render_slot, render_when
from bot.types import SlotOffer


def slot(starts_at: datetime, address: str = "Køgevej 1") -> SlotOffer:
    return SlotOffer(
        slot_id=1,
        starts_at=starts_at,
        duration_min=45,
        location_name="Sundhedscenter Roskilde",
        address=address,
    )


class TestRender:
    def test_danish_winter_time(self) -> None:
        rendered = render_slot(slot(datetime(2024, 12, 3, 9, 0, tzinfo=UTC)), "da")
        assert rendered == "tirsdag d. 3. december kl. 10.00, Sundhedscenter Roskilde, Køgevej 1"

    def test_english_winter_time(self) -> None:
        rendered = render_slot(slot(datetime(2024, 12, 3, 9, 0, tzinfo=UTC)), "en")
        assert rendered == "Tuesday 3 December at 10:00, Sundhedscenter Roskilde, Køgevej 1"

    def test_summer_time(self) -> None:
        assert render_when(datetime(2025, 6, 2, 12, 30, tzinfo=UTC), "da") == (
            "mandag d. 2. juni kl. 14.30"
        )

    def test_any_zone_is_converted(self) -> None:
        eastern = timezone(timedelta(hours=-5))
        assert render_when(datetime(2025, 3, 5, 3, 15, tzinfo=eastern), "en") == (
            "Wednesday 5 March at 09:15"
        )

    def test_naive_is_taken_as_utc(self) -> None:
        assert render_when(datetime(2025, 1, 1, 8, 0), "da") == "onsdag d. 1. januar kl. 09.00"

    def test_missing_address_is_left_out(self) -> None:
        rendered = render_slot(slot(datetime(2024, 12, 3, 9, 0, tzinfo=UTC), address=""), "da")
        assert rendered.endswith("kl. 10.00, Sundhedscenter Roskilde")

    @pytest.mark.parametrize("month", range(1, 13))
    def test_every_month_renders_in_lower_case_danish(self, month: int) -> None:
        rendered = render_when(datetime(2025, month, 15, 12, 0, tzinfo=UTC), "da")
        assert rendered == rendered.lower()
