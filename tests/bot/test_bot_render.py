"""Rendering slots in Danish and English, in Danish local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.render import render_place, render_slot, render_when, render_where
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
        assert rendered == "tirsdag d. 3. december kl. 10.00, Sundhedscenter Roskilde"

    def test_english_winter_time(self) -> None:
        rendered = render_slot(slot(datetime(2024, 12, 3, 9, 0, tzinfo=UTC)), "en")
        assert rendered == "Tuesday 3 December at 10:00, Sundhedscenter Roskilde"

    def test_the_place_of_a_confirmation_has_the_address(self) -> None:
        place = render_place(slot(datetime(2024, 12, 3, 9, 0, tzinfo=UTC)))
        assert place == "Sundhedscenter Roskilde, Køgevej 1"

    def test_short_danish(self) -> None:
        rendered = render_slot(slot(datetime(2025, 9, 25, 12, 30, tzinfo=UTC)), "da", short=True)
        assert rendered == "tors. 25. sep. kl. 14.30, Sundhedscenter Roskilde"

    def test_short_english(self) -> None:
        rendered = render_slot(slot(datetime(2025, 9, 25, 12, 30, tzinfo=UTC)), "en", short=True)
        assert rendered == "Thu 25 Sep at 14:30, Sundhedscenter Roskilde"

    @pytest.mark.parametrize(
        ("limit", "expected"),
        [
            (None, "Sundhedscenter Roskilde"),
            (23, "Sundhedscenter Roskilde"),
            (20, "Sundhedscenter"),
            (14, "Sundhedscenter"),
            (10, "Sundhedsc."),  # a first word too long is shortened, so places stay apart
            (3, ""),
            (0, ""),
        ],
    )
    def test_a_long_name_is_cut_at_a_word(self, limit: int | None, expected: str) -> None:
        assert render_where(slot(datetime(2024, 12, 3, 9, 0, tzinfo=UTC)), limit) == expected

    def test_without_a_name_the_address_says_where(self) -> None:
        nameless = SlotOffer(1, datetime(2024, 12, 3, 9, 0, tzinfo=UTC), 45, " ", "Køgevej 1")
        assert render_slot(nameless, "da").endswith("kl. 10.00, Køgevej 1")

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
        rendered = render_place(slot(datetime(2024, 12, 3, 9, 0, tzinfo=UTC), address=""))
        assert rendered == "Sundhedscenter Roskilde"

    @pytest.mark.parametrize("month", range(1, 13))
    @pytest.mark.parametrize("short", [False, True])
    def test_every_month_renders_in_lower_case_danish(self, month: int, short: bool) -> None:
        rendered = render_when(datetime(2025, month, 15, 12, 0, tzinfo=UTC), "da", short=short)
        assert rendered == rendered.lower()
