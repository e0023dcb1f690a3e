"""Lifting a closed period and removing a location in the console."""

from __future__ import annotations

from sqlalchemy import select

from store.db import unit_of_work
from store.models import Booking, Closure, Location, Slot
from tests.console.support import Console
from tests.console.test_closure_pages import upcoming_day

PAGE = "/console/closures"


def close_upcoming_day(console: Console) -> int:
    """Close the day of the world's upcoming booking for its staff member; return the closure."""
    day = upcoming_day(console)
    with unit_of_work(console.engine) as session:
        booking = session.get_one(Booking, console.world.upcoming)
        staff_id = session.get_one(Slot, booking.slot_id).staff_member_id
    form = {"who": f"staff:{staff_id}", "starts_at": f"{day}T00:00", "ends_at": f"{day}T23:59"}
    assert console.post(PAGE, form, page=PAGE).status_code == 200
    with unit_of_work(console.engine) as session:
        closure = session.scalars(select(Closure)).one()
        assert closure.id is not None
        return closure.id


class TestLiftClosure:
    def test_staff_lift_their_closure_and_are_told_what_is_not_restored(
        self, console: Console
    ) -> None:
        console.sign_in("staff")
        closure = close_upcoming_day(console)
        html = console.get(PAGE).text
        assert f"/closures/{closure}/lift" in html and "Ophæv" in html
        lifted = console.post(f"/console/closures/{closure}/lift", {}, page=PAGE)
        assert lifted.status_code == 200, lifted.text
        assert "Lukningen er ophævet" in lifted.text and "genoprettes ikke" in lifted.text
        assert "ventelisten får dem tilbudt" in lifted.text
        with unit_of_work(console.engine) as session:
            assert session.scalars(select(Closure)).all() == []
            assert session.get_one(Booking, console.world.upcoming).status == "cancelled"
        assert "Ingen lukkede perioder" in console.get(PAGE).text
        again = console.post(f"/console/closures/{closure}/lift", {}, page=PAGE)
        assert again.status_code == 422 and "findes ikke" in again.text

    def test_a_location_closure_is_lifted_by_a_coordinator_only(self, console: Console) -> None:
        console.sign_in("coordinator")
        day = upcoming_day(console)
        form = {"who": "location:1", "starts_at": f"{day}T00:00", "ends_at": f"{day}T23:59"}
        assert console.post(PAGE, form, page=PAGE).status_code == 200
        with unit_of_work(console.engine) as session:
            closure = session.scalars(select(Closure)).one().id
        console.sign_in("staff")
        assert f"/closures/{closure}/lift" not in console.get(PAGE).text
        refused = console.post(f"/console/closures/{closure}/lift", {}, page=PAGE)
        assert refused.status_code == 422 and "din egen tid" in refused.text
        console.sign_in("coordinator")
        lifted = console.post(f"/console/closures/{closure}/lift", {}, page=PAGE)
        assert lifted.status_code == 200 and "Lukningen er ophævet" in lifted.text


class TestRemoveLocation:
    def test_a_coordinator_removes_a_location_and_sees_whom_it_hit(self, console: Console) -> None:
        console.sign_in("coordinator")
        html = console.get(PAGE).text
        assert "Fjern et sted" in html and "/locations/1/remove" in html
        unconfirmed = console.post("/console/locations/1/remove", {}, page=PAGE)
        assert unconfirmed.status_code == 422 and "Sæt kryds" in unconfirmed.text
        done = console.post("/console/locations/1/remove", {"confirm": "yes"}, page=PAGE)
        assert done.status_code == 200, done.text
        assert "Sundhedscenter Roskilde er fjernet" in done.text and "+4520009999" in done.text
        with unit_of_work(console.engine) as session:
            assert session.get_one(Location, 1).retired_at is not None
            assert session.get_one(Booking, console.world.upcoming).status == "cancelled"
        after = console.get(PAGE).text
        assert "Stedet er fjernet" in after and "/lift" not in after
        assert "/locations/1/remove" not in after  # a removed place is not offered again
        again = console.post("/console/locations/1/remove", {"confirm": "yes"}, page=PAGE)
        assert again.status_code == 422 and "allerede fjernet" in again.text

    def test_staff_may_not(self, console: Console) -> None:
        console.sign_in("staff")
        assert "Fjern et sted" not in console.get(PAGE).text
        refused = console.post("/console/locations/1/remove", {"confirm": "yes"}, page=PAGE)
        assert refused.status_code == 403
        with unit_of_work(console.engine) as session:
            assert session.get_one(Location, 1).retired_at is None
