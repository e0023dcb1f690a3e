"""The outcome form as pure functions: drafts in callback data, pages, the outcome it makes."""

from __future__ import annotations

from datetime import date

import pytest

from booking.attendance import AttendancePress, attendance_buttons, parse_attendance
from webhooks.telegram.outcome import (
    DEFAULT_OFFERS,
    Draft,
    Page,
    decode,
    encode,
    follow_up_choices,
    one_month_after,
    screen,
    to_outcome,
)

DAY = date(2026, 11, 25)
LARGEST = Draft(10**12 - 1, Page.SUMMARY, 2 ** len(DEFAULT_OFFERS) - 1, True, True, 31)


def all_data(draft: Draft) -> list[str]:
    page = screen(draft, header="h", offers=DEFAULT_OFFERS, conversation_day=DAY, today=DAY)
    return [data for row in page.buttons for _, data in row]


class TestCallbackData:
    @pytest.mark.parametrize("draft", [Draft(1), LARGEST, Draft(7, Page.DATE, 5, False, True, 0)])
    def test_round_trips(self, draft: Draft) -> None:
        assert decode(encode(draft)) == draft

    @pytest.mark.parametrize("page", [p for p in Page if p not in (Page.SAVE, Page.CANCEL)])
    def test_every_button_fits_telegrams_64_bytes(self, page: Page) -> None:
        draft = Draft(LARGEST.booking_id, page, LARGEST.referrals, True, True, 28)
        assert all(len(data.encode()) <= 64 for data in all_data(draft))

    @pytest.mark.parametrize(
        "data", ["", "o", "o:1:R:0:0:0", "o:1:Z:0:0:0:0", "o:x:R:0:0:0:0", "m:1", "o:1:R:-1:0:0:0"]
    )
    def test_anything_else_is_not_a_draft(self, data: str) -> None:
        assert decode(data) is None

    def test_attendance_buttons(self) -> None:
        [(attended, no_show)] = attendance_buttons(42)
        assert parse_attendance(attended[1]) == AttendancePress(42, attended=True)
        assert parse_attendance(no_show[1]) == AttendancePress(42, attended=False)
        assert parse_attendance("m:4x") is None and parse_attendance("o:1:R:0:0:0:0") is None


class TestPages:
    def test_referrals_show_what_is_chosen(self) -> None:
        page = screen(
            Draft(1, referrals=0b101),
            header="H",
            offers=DEFAULT_OFFERS,
            conversation_day=DAY,
            today=DAY,
        )
        labels = [label for row in page.buttons for label, _ in row]
        assert labels[:3] == ["✓ Rygestop", "Alkohol", "✓ Livsstilshold"]
        assert labels[-2:] == ["Videre ▸", "Annullér"]
        assert page.text.startswith("H\n\n")

    def test_cancel_restores_the_notice_buttons(self) -> None:
        page = screen(
            Draft(9, Page.CANCEL),
            header="H",
            offers=DEFAULT_OFFERS,
            conversation_day=DAY,
            today=DAY,
        )
        assert page == type(page)("H", attendance_buttons(9))

    def test_summary_says_what_will_be_saved(self) -> None:
        draft = Draft(1, Page.SUMMARY, 0b10, True, True, 14)
        page = screen(draft, header="H", offers=DEFAULT_OFFERS, conversation_day=DAY, today=DAY)
        assert "Henvist til: Alkohol." in page.text
        assert "Råd om egen læge: ja." in page.text
        assert "opfølgning 09.12.2026" in page.text


class TestOutcome:
    def test_from_a_finished_draft(self) -> None:
        outcome = to_outcome(
            Draft(1, Page.SAVE, 0b110000, True, True, 21),
            offers=DEFAULT_OFFERS,
            conversation_day=DAY,
        )
        assert outcome.attended
        assert outcome.referrals_municipal == ("motion", "kost")
        assert outcome.gp_advice and outcome.further_course
        assert outcome.follow_up_date == date(2026, 12, 16)

    def test_a_course_without_a_date_is_no_course(self) -> None:
        outcome = to_outcome(
            Draft(1, Page.SAVE, 0, False, True, 0), offers=DEFAULT_OFFERS, conversation_day=DAY
        )
        assert not outcome.further_course and outcome.follow_up_date is None


class TestFollowUpDates:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [(date(2026, 1, 31), date(2026, 2, 28)), (date(2026, 12, 15), date(2027, 1, 15))],
    )
    def test_one_month_after(self, day: date, expected: date) -> None:
        assert one_month_after(day) == expected

    def test_never_in_the_past(self) -> None:
        assert follow_up_choices(conversation_day=DAY, today=date(2026, 12, 5)) == (14, 21, 28)

    def test_late_staff_still_get_one_choice(self) -> None:
        assert follow_up_choices(conversation_day=DAY, today=date(2027, 1, 20)) == (57,)
