"""Closing a period in the console: the bookings in it are cancelled, the citizens listed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.calendar import COPENHAGEN
from store.db import unit_of_work
from store.models import Booking, Closure, Slot
from tests.console.support import Console


def upcoming_day(console: Console) -> str:
    with unit_of_work(console.engine) as session:
        booking = session.get_one(Booking, console.world.upcoming)
        starts = session.get_one(Slot, booking.slot_id).starts_at
    return starts.astimezone(COPENHAGEN).date().isoformat()


class TestClosures:
    def test_staff_close_their_day_and_see_whom_it_hit(self, console: Console) -> None:
        console.sign_in("staff")
        html = console.get("/console/closures").text
        assert "Luk en periode" in html and "Ingen lukkede perioder" in html
        assert "(stedet)" not in html  # a staff key closes only its own time
        day = upcoming_day(console)
        with unit_of_work(console.engine) as session:
            staff_id = session.get_one(
                Slot, session.get_one(Booking, console.world.upcoming).slot_id
            ).staff_member_id
        form = {
            "who": f"staff:{staff_id}",
            "starts_at": f"{day}T00:00",
            "ends_at": f"{day}T23:59",
            "reason": "sygdom",
        }
        done = console.post("/console/closures", form, page="/console/closures")
        assert done.status_code == 200, done.text
        assert "Perioden er lukket" in done.text and "Berørte borgere" in done.text
        assert "+4520009999" in done.text
        with unit_of_work(console.engine) as session:
            assert session.get_one(Booking, console.world.upcoming).status == "cancelled"
            assert len(session.scalars(select(Closure)).all()) == 1
        assert "sygdom" in console.get("/console/closures").text
        # The week's calendar shows the closed day's slots as closed, not free.
        week = date.fromisoformat(day).isocalendar()
        calendar = console.get(f"/console/slots?week={week.year}-W{week.week:02d}").text
        assert 'class="slot closed"' in calendar and "Lukket" in calendar

    def test_a_bad_period_is_shown_again_with_the_problem(self, console: Console) -> None:
        console.sign_in("coordinator")
        html = console.get("/console/closures").text
        assert "(stedet)" in html
        day = upcoming_day(console)
        form = {"who": "location:1", "starts_at": f"{day}T12:00", "ends_at": f"{day}T08:00"}
        refused = console.post("/console/closures", form, page="/console/closures")
        assert refused.status_code == 422
        assert "Perioden skal slutte, efter den begynder" in refused.text
        assert f'value="{day}T12:00"' in refused.text
        nobody = console.post("/console/closures", {**form, "who": "x"}, page="/console/closures")
        assert nobody.status_code == 422 and "Vælg en medarbejder" in nobody.text
