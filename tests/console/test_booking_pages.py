"""Staff and coordinators in the console: the week's calendar, the bookings, recording an
outcome with booking's own rules (the one-month follow-up among them), and cancelling."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from core.settings import Settings
from store.db import unit_of_work
from store.models import AuditEvent, Booking, FollowUp, Message, MonitoringRecord
from tests.console.support import Console
from tests.console.test_campaign_pages import field_errors
from webhooks.telegram.common import TelegramSetup


def booking(console: Console, booking_id: int) -> Booking:
    with unit_of_work(console.engine) as session:
        return session.get_one(Booking, booking_id)


def audited(console: Console, action: str) -> list[AuditEvent]:
    with unit_of_work(console.engine) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def record(console: Console, booking_id: int, **fields: Any) -> Any:
    page = f"/console/bookings/{booking_id}/outcome"
    return console.post(f"/console/bookings/{booking_id}/outcome", fields, page=page)


class TestCalendar:
    def test_a_week_shows_free_and_booked_slots(self, console: Console) -> None:
        console.sign_in("staff")
        html = console.get("/console/slots?week=2026-W48").text
        assert "Uge 48, 23.11.2026–27.11.2026. Ledige tider: 12. Bookede tider: 8." in html
        assert html.count('class="slot booked"') == 8
        assert f'href="/console/bookings/{console.world.awaiting[0]}"' in html
        assert '<th scope="col" aria-current="date">fredag 27. november 2026</th>' in html

    def test_it_opens_on_this_week_and_steps_by_week(self, console: Console) -> None:
        console.sign_in("coordinator")
        html = console.get("/console/slots").text
        assert "Uge 48" in html and 'href="/console/slots?week=2026-W49"' in html
        later = console.get("/console/slots?week=2026-W49").text
        assert "Bookede tider: 1." in later and 'href="/console/slots?week=2026-W48"' in later
        assert "Uge 48" in console.get("/console/slots?week=nonsense").text

    def test_a_colleague_sees_none_of_mettes_slots(self, console: Console) -> None:
        console.sign_in("colleague")
        assert "Der er ingen tider i denne uge" in console.get("/console/slots").text


class TestBookings:
    def test_the_list_marks_those_awaiting_an_outcome_and_is_audited(
        self, console: Console
    ) -> None:
        console.sign_in("staff")
        html = console.get("/console/bookings").text
        for waiting in console.world.awaiting:
            assert f'href="/console/bookings/{waiting}/outcome"><strong>Registrér udfald' in html
        assert html.count("Registrér udfald") == len(console.world.awaiting)
        assert "Anne Jensen" in html and "+4520000000" in html
        assert audited(console, "bookings.read")[-1].detail == "9 bookings"
        # Each citizen shown gets an entry in their own access log, as through the API.
        reads = audited(console, "citizen.read")
        assert len(reads) == 9 and {r.detail for r in reads} == {"console bookings"}
        assert {r.subject_type for r in reads} == {"contact"}

    def test_one_booking_shown_is_in_its_citizens_access_log(self, console: Console) -> None:
        console.sign_in("staff")
        held = console.world.awaiting[0]
        console.get(f"/console/bookings/{held}")
        [read] = audited(console, "citizen.read")
        assert read.subject_id == booking(console, held).contact_id

    def test_the_list_filters_by_status(self, console: Console) -> None:
        console.sign_in("coordinator")
        html = console.get("/console/bookings?status=attended").text
        assert html.count('<span class="status attended">Mødt</span>') == 6
        assert "Booket</span>" not in html


class TestOutcome:
    def test_an_attended_outcome_lands_in_the_monitoring_store(self, console: Console) -> None:
        console.sign_in("staff")
        held = console.world.awaiting[0]
        page = console.get(f"/console/bookings/{held}/outcome").text
        assert 'value="rygestop"' in page and 'max="2026-12-26"' in page
        response = record(
            console,
            held,
            attended="yes",
            referrals_municipal=["rygestop", "kost"],
            referrals_non_municipal="Hjerteforeningen\n\nGigtforeningen",
            waiting_days="14",
            gp_advice="1",
            further_course="1",
            follow_up_date="2026-12-15",
        )
        assert response.headers["location"] == f"/console/bookings/{held}?done=outcome"
        with unit_of_work(console.engine) as session:
            saved = session.scalars(
                select(MonitoringRecord).where(MonitoringRecord.booking_id == held)
            ).one()
            follow_up = session.scalars(select(FollowUp).where(FollowUp.booking_id == held)).one()
        assert saved.referrals_municipal == "rygestop,kost"
        assert saved.referrals_non_municipal == "Hjerteforeningen,Gigtforeningen"
        assert (saved.waiting_days, saved.gp_advice, saved.further_course) == (14, True, True)
        assert saved.follow_up_date == date(2026, 12, 15)
        assert follow_up.due_at.date() == date(2026, 12, 15)
        assert booking(console, held).status == "attended"
        assert audited(console, "booking.outcome")[-1].subject_id == held
        shown = console.get(response.headers["location"]).text
        assert "Udfaldet er gemt." in shown and "Rygestop, Kost" in shown
        assert "Hjerteforeningen, Gigtforeningen" in shown and "15.12.2026 kl. 10.00" in shown

    def test_a_no_show_is_offered_a_new_time(self, console: Console) -> None:
        console.sign_in("coordinator")
        held = console.world.awaiting[1]
        assert record(console, held, attended="no").status_code == 303
        assert booking(console, held).status == "no_show"
        with unit_of_work(console.engine) as session:
            last = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert last is not None and last.direction == "out"

    def test_what_cannot_be_read_is_named_and_kept(self, console: Console) -> None:
        console.sign_in("staff")
        held = console.world.awaiting[0]
        response = record(console, held, waiting_days="to uger", follow_up_date="15/12")
        assert response.status_code == 422
        assert field_errors(response.text, "attended") == ["Vælg Mødt eller Udeblevet."]
        assert field_errors(response.text, "waiting_days") == [
            "Skriv ventetiden som et helt antal dage."
        ]
        assert field_errors(response.text, "follow_up_date") == ["Skriv datoen som 2026-12-15."]
        assert 'value="to uger"' in response.text
        assert booking(console, held).status == "booked"

    def test_a_follow_up_later_than_a_month_is_refused_by_bookings_rule(
        self, console: Console
    ) -> None:
        console.sign_in("staff")
        held = console.world.awaiting[0]  # held Thursday 26 November: one month is 26 December
        response = record(
            console,
            held,
            attended="yes",
            referrals_municipal=["motion"],
            further_course="1",
            follow_up_date="2026-12-28",
        )
        assert response.status_code == 422
        assert field_errors(response.text, "follow_up_date") == [
            "En opfølgning kræver et aftalt videre forløb og en dag fra 27.11.2026 til "
            "26.12.2026: højst en måned efter samtalen."
        ]
        assert 'value="motion" checked' in response.text
        assert booking(console, held).status == "booked"
        with unit_of_work(console.engine) as session:
            assert session.scalars(select(FollowUp).where(FollowUp.booking_id == held)).all() == []

    def test_a_no_show_with_referrals_is_refused(self, console: Console) -> None:
        console.sign_in("staff")
        held = console.world.awaiting[0]
        response = record(console, held, attended="no", gp_advice="1")
        assert response.status_code == 422
        assert "Ved en udeblivelse" in field_errors(response.text, "attended")[0]

    def test_an_outcome_recorded_already_is_a_conflict(self, console: Console) -> None:
        console.sign_in("staff")
        done = console.world.recorded[0]
        page = console.get(f"/console/bookings/{done}").text
        assert "Registrér udfaldet" not in page and "Motion" in page
        response = record(console, done, attended="no")
        assert response.status_code == 409
        assert "recorded already" in response.text

    def test_a_booking_ahead_has_no_outcome_form_but_can_be_cancelled(
        self, console: Console
    ) -> None:
        console.sign_in("staff")
        ahead = console.world.upcoming
        page = f"/console/bookings/{ahead}"
        html = console.get(page).text
        assert "Registrér udfaldet" not in html and "Aflys tiden</button>" in html
        refused = console.post(f"{page}/cancel", {}, page=page)
        assert refused.status_code == 400 and booking(console, ahead).status == "booked"
        assert console.post(f"{page}/cancel", {"confirm": "yes"}, page=page).status_code == 303
        assert booking(console, ahead).status == "cancelled"
        assert audited(console, "booking.cancel")[-1].subject_id == ahead
        assert "Tiden er aflyst" in console.get(f"{page}?done=booking_cancelled").text


def test_the_telegram_button_opens_the_outcome_page(console: Console) -> None:
    """RECRUITBOT_TELEGRAM_CONSOLE_URL, as docs/telegram.md documents it, is this page."""
    settings = Settings(
        telegram_console_url="http://testserver/console/bookings/{booking_id}/outcome"
    )
    held = console.world.awaiting[0]
    link = TelegramSetup(console_url=settings.telegram_console_url).console_link(held)
    response = console.get(link)  # not signed in: sign in, then straight back
    assert response.headers["location"] == f"/console/sign-in?next=/console/bookings/{held}/outcome"
    console.sign_in_with(console.world.keys["staff"], next_path=f"/console/bookings/{held}/outcome")
    assert re.search(r"<h2 id=\"udfald\">Registrér udfaldet</h2>", console.get(link).text)


class TestCorrection:
    def test_a_recorded_outcome_is_corrected_with_a_reason(self, console: Console) -> None:
        console.sign_in("staff")
        done = console.world.recorded[0]
        page = f"/console/bookings/{done}"
        html = console.get(page).text
        assert "Ret udfaldet" in html and 'value="motion" checked' in html
        path = f"{page}/outcome/correction"
        missing = console.post(path, {"attended": "no"}, page=page)
        assert missing.status_code == 422 and "Skriv kort, hvorfor" in missing.text
        assert booking(console, done).status == "attended"
        fixed = console.post(path, {"attended": "no", "reason": "trykket forkert"}, page=page)
        assert fixed.status_code == 303, fixed.text
        assert booking(console, done).status == "no_show"
        with unit_of_work(console.engine) as session:
            records = session.scalars(
                select(MonitoringRecord).where(MonitoringRecord.booking_id == done)
            ).all()
            assert records == []
        entry = audited(console, "booking.outcome_corrected")[-1]
        assert entry.subject_id == done and entry.detail.endswith("trykket forkert")
        assert "Udfaldet er rettet" in console.get(f"{page}?done=outcome_corrected").text
