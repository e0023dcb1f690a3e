"""The booking API as coordinators and staff use it: roles, municipalities, and clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from booking import directory
from booking.access import EVERYTHING
from core.calendar import COPENHAGEN
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import build_runtime
from store.db import unit_of_work
from store.models import AuditEvent, Booking, Message, Slot
from tests.api.support import bearer, make_key
from tests.booking.support import NOW, book
from tests.factories import World, make_world


@dataclass
class Api:
    client: TestClient
    clock: SimulatedClock
    engine: Engine
    world: World
    keys: dict[str, str]
    bookings: list[int]

    def call(self, method: str, path: str, key: str, **kwargs: Any) -> Any:
        response = self.client.request(
            method, "/api/v1" + path, headers=bearer(self.keys[key]), **kwargs
        )
        assert response.status_code < 500, response.text
        return response


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    """Roskilde with two booked citizens, and a key for each kind of caller."""
    clock = SimulatedClock(NOW)
    runtime = build_runtime(Settings(database_url=database_url), clock=clock, migrate=False)
    with unit_of_work(runtime.engine) as session:
        world = make_world(session)
        booked = [book(session, world, f"+452000000{i}").id or 0 for i in (1, 2)]
        colleague = directory.add_staff_member(
            session=session, scope=EVERYTHING, name="Jonas", municipality="Roskilde"
        )
        staff_keys = {
            name: directory.issue_staff_key(
                session=session, scope=EVERYTHING, staff_member_id=member_id, now=NOW
            )[2]
            for name, member_id in (
                ("staff", world.staff.id or 0),
                ("colleague", colleague.id or 0),
            )
        }
    keys = {
        "roskilde": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Roskilde"),
        "lejre": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Lejre"),
        "national": make_key(runtime.engine, role=Role.COORDINATOR),
        "evaluator": make_key(runtime.engine, role=Role.EVALUATOR, municipality="Roskilde"),
        "unlinked": make_key(runtime.engine, role=Role.STAFF, municipality="Roskilde"),
        **staff_keys,
    }
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    try:
        yield Api(client, clock, runtime.engine, world, keys, booked)
    finally:
        runtime.engine.dispose()


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


class TestStaffAndLocations:
    def test_a_coordinator_adds_and_lists_staff_of_their_municipality(self, api: Api) -> None:
        added = api.call("POST", "/staff", "roskilde", json={"name": "Hanne"})
        assert added.status_code == 201 and added.json()["has_key"] is False
        names = [m["name"] for m in api.call("GET", "/staff", "roskilde").json()]
        assert {"Mette", "Jonas", "Hanne"} == set(names)
        assert api.call("GET", "/staff", "lejre").json() == []

    @pytest.mark.parametrize("key", ["staff", "evaluator"])
    def test_other_roles_may_not(self, api: Api, key: str) -> None:
        error(api.call("POST", "/staff", key, json={"name": "Hanne"}), 403)

    def test_a_field_the_caller_may_not_set_is_refused(self, api: Api) -> None:
        response = api.call("POST", "/staff", "roskilde", json={"name": "H", "api_key_id": 1})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"].endswith("api_key_id")

    def test_municipalities_are_kept_apart(self, api: Api) -> None:
        lejre = {"name": "Hanne", "municipality": "Lejre"}
        assert "another municipality" in error(
            api.call("POST", "/staff", "roskilde", json=lejre), 403
        )
        assert "name the municipality" in error(
            api.call("POST", "/staff", "national", json={"name": "Hanne"}), 422
        )
        assert api.call("POST", "/staff", "national", json=lejre).status_code == 201
        assert "not a Danish municipality" in error(
            api.call("POST", "/staff", "national", json={"name": "H", "municipality": "Oz"}), 422
        )

    def test_a_staff_key_is_shown_once_and_replaces_the_old_one(self, api: Api) -> None:
        member = api.world.staff.id
        issued = api.call("POST", f"/staff/{member}/key", "roskilde")
        assert issued.status_code == 201 and issued.json()["key"].startswith("rbk_")
        api.keys["new"] = issued.json()["key"]
        assert api.call("GET", "/bookings", "new").status_code == 200
        error(api.call("GET", "/bookings", "staff"), 401)  # the old key is revoked
        error(api.call("POST", f"/staff/{member}/key", "lejre"), 404)

    def test_a_staff_key_of_nobody_is_refused(self, api: Api) -> None:
        assert "belongs to no staff member" in error(api.call("GET", "/bookings", "unlinked"), 403)

    def test_locations(self, api: Api) -> None:
        body = {"name": "FOA-huset", "address": "Bredgade 1, 4000 Roskilde", "kind": "union_office"}
        added = api.call("POST", "/locations", "roskilde", json=body)
        assert added.status_code == 201 and added.json()["kind"] == "union_office"
        assert "already has" in error(api.call("POST", "/locations", "roskilde", json=body), 409)
        error(api.call("POST", "/locations", "roskilde", json={**body, "kind": "castle"}), 422)
        listed = api.call("GET", "/locations", "staff").json()
        assert {x["name"] for x in listed} == {"Sundhedscenter Roskilde", "FOA-huset"}


class TestSlots:
    def body(self, api: Api, **changes: object) -> dict[str, object]:
        return {
            "location_id": api.world.location.id,
            "staff_member_id": api.world.staff.id,
            **changes,
        }

    def test_one_slot_in_local_time(self, api: Api) -> None:
        created = api.call(
            "POST", "/slots", "roskilde", json=self.body(api, starts_at="2026-12-07T14:00")
        )
        assert created.status_code == 201
        (slot,) = created.json()["created"]
        assert slot["starts_at"] == "2026-12-07T14:00:00+01:00"
        assert slot["ends_at"] == "2026-12-07T14:45:00+01:00" and slot["booking_id"] is None
        with Session(api.engine) as session:
            stored = session.get_one(Slot, slot["id"])
            assert stored.starts_at.hour == 13  # UTC

    def test_recurring_thursdays_skip_christmas_eve_and_new_year_s_eve(self, api: Api) -> None:
        body = self.body(
            api,
            weekday="thu",
            **{"from": "09:00"},
            to="15:00",
            until="2027-01-31",
            starting="2026-12-07",
            minutes=45,
        )
        created = api.call("POST", "/slots", "roskilde", json=body)
        assert created.status_code == 201, created.text
        assert len(created.json()["created"]) == 6 * 8
        assert created.json()["skipped_days"] == ["2026-12-24", "2026-12-31"]
        assert "nothing was opened" in error(api.call("POST", "/slots", "roskilde", json=body), 409)

    def test_refusals(self, api: Api) -> None:
        holiday = self.body(api, starts_at="2026-12-24T10:00")
        assert "not a working day" in error(
            api.call("POST", "/slots", "roskilde", json=holiday), 422
        )
        sneaky = self.body(api, starts_at="2026-12-07T10:00", booked=True)
        error(api.call("POST", "/slots", "roskilde", json=sneaky), 422)
        taken = self.body(api, starts_at="2026-11-25T09:00")  # make_world opened it
        error(api.call("POST", "/slots", "roskilde", json=taken), 409)
        error(
            api.call("POST", "/slots", "lejre", json=self.body(api, starts_at="2026-12-07T10:00")),
            404,
        )
        # A staff key opens slots for itself only: a colleague's are refused, nothing written.
        refused = api.call(
            "POST", "/slots", "colleague", json=self.body(api, starts_at="2026-12-07T10:00")
        )
        assert "only for its own staff member" in error(refused, 403)
        with Session(api.engine) as session:
            assert session.scalars(select(Slot).where(col(Slot.starts_at) == _ten())).all() == []

    def test_a_staff_key_opens_its_own_slots(self, api: Api) -> None:
        own = self.body(api, starts_at="2026-12-07T10:00", minutes=30)
        created = api.call("POST", "/slots", "staff", json=own)
        assert created.status_code == 201, created.text
        assert created.json()["created"][0]["ends_at"] == "2026-12-07T10:30:00+01:00"

    def test_list_with_filters(self, api: Api) -> None:
        day = {"from": "2026-11-25", "to": "2026-11-25"}
        listed = api.call("GET", "/slots", "roskilde", params=day).json()
        assert [s["starts_at"][11:16] for s in listed] == ["09:00", "09:45", "10:30", "11:15"]
        assert sum(s["booking_id"] is not None for s in listed) == 2
        free = api.call("GET", "/slots", "roskilde", params={**day, "free": "true"}).json()
        assert len(free) == 2
        assert api.call("GET", "/slots", "colleague", params=day).json() == []
        assert len(api.call("GET", "/slots", "staff", params=day).json()) == 4
        assert api.call("GET", "/slots", "lejre", params=day).json() == []


class TestBookings:
    def test_who_sees_which_bookings_and_the_read_is_audited(self, api: Api) -> None:
        mine = api.call("GET", "/bookings", "staff").json()
        assert [b["id"] for b in mine] == api.bookings
        assert mine[0]["citizen"]["phone"] == "+4520000001"
        assert mine[0]["location"]["name"] == "Sundhedscenter Roskilde"
        assert mine[0]["starts_at"] == "2026-11-25T09:00:00+01:00"
        assert len(api.call("GET", "/bookings", "roskilde").json()) == 2
        assert api.call("GET", "/bookings", "colleague").json() == []
        assert api.call("GET", "/bookings", "lejre").json() == []
        filtered = api.call("GET", "/bookings", "roskilde", params={"status": "cancelled"})
        assert filtered.json() == []
        with Session(api.engine) as session:
            reads = session.scalars(
                select(AuditEvent).where(col(AuditEvent.action) == "bookings.read")
            ).all()
            assert len(reads) == 5 and all("+45" not in r.detail for r in reads)

    def test_cancel(self, api: Api) -> None:
        booking = api.bookings[0]
        error(api.call("POST", f"/bookings/{booking}/cancel", "lejre"), 404)
        error(api.call("POST", f"/bookings/{booking}/cancel", "colleague"), 404)
        cancelled = api.call("POST", f"/bookings/{booking}/cancel", "staff")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        error(api.call("POST", f"/bookings/{booking}/cancel", "staff"), 409)
        with Session(api.engine) as session:
            told = session.scalars(
                select(Message).where(
                    col(Message.address) == "+4520000001", col(Message.kind) == "slot_offer"
                )
            ).all()
            assert told[-1].trigger == "scheduled" and "aflyse" in told[-1].text
        free = api.call(
            "GET",
            "/slots",
            "roskilde",
            params={"from": "2026-11-25", "to": "2026-11-25", "free": "true"},
        )
        assert cancelled.json()["slot_id"] in [s["id"] for s in free.json()]

    def test_move(self, api: Api) -> None:
        first, second = api.bookings
        taken = api.call("GET", "/bookings", "roskilde").json()[1]["slot_id"]
        refused = api.call("POST", f"/bookings/{first}/move", "roskilde", json={"slot_id": taken})
        assert "taken" in error(refused, 409)
        tomorrow = {"free": "true", "limit": 1, "from": "2026-11-24"}
        free = api.call("GET", "/slots", "roskilde", params=tomorrow).json()
        moved = api.call(
            "POST", f"/bookings/{first}/move", "roskilde", json={"slot_id": free[0]["id"]}
        )
        assert moved.status_code == 200 and moved.json()["slot_id"] == free[0]["id"]
        assert moved.json()["id"] != first and moved.json()["status"] == "booked"
        error(
            api.call("POST", f"/bookings/{first}/move", "roskilde", json={"slot_id": 1, "x": 1}),
            422,
        )
        with Session(api.engine) as session:
            assert session.get_one(Booking, first).status == "moved"
            assert session.get_one(Booking, second).status == "booked"

    def test_outcome(self, api: Api) -> None:
        booking = api.bookings[0]
        outcome = {
            "attended": True,
            "referrals_municipal": ["rygestop", "motion"],
            "referrals_non_municipal": ["Patientforening"],
            "waiting_days": 14,
            "gp_advice": True,
            "further_course": True,
            "follow_up_date": "2026-12-18",
        }
        path = f"/bookings/{booking}/outcome"
        assert "not taken place" in error(api.call("POST", path, "staff", json=outcome), 409)
        api.clock.advance(timedelta(days=2, hours=3))  # Wednesday 25 November, 13:00
        error(api.call("POST", path, "colleague", json=outcome), 404)
        error(api.call("POST", path, "staff", json={**outcome, "monitoring_record_id": 1}), 422)
        unknown = {**outcome, "referrals_municipal": ["yoga"]}
        assert "yoga" in error(api.call("POST", path, "staff", json=unknown), 422)
        late = {**outcome, "follow_up_date": "2026-12-28"}
        assert "one month" in error(api.call("POST", path, "staff", json=late), 422)
        recorded = api.call("POST", path, "staff", json=outcome)
        assert recorded.status_code == 201, recorded.text
        body = recorded.json()
        assert body["booking"]["status"] == "attended" and body["monitoring_record_id"]
        assert body["follow_up_at"] == "2026-12-18T10:00:00+01:00"
        assert "recorded already" in error(api.call("POST", path, "roskilde", json=outcome), 409)
        no_show = api.call(
            "POST", f"/bookings/{api.bookings[1]}/outcome", "roskilde", json={"attended": False}
        )
        assert no_show.status_code == 201 and no_show.json()["monitoring_record_id"] is None
        with Session(api.engine) as session:
            assert session.get_one(Booking, api.bookings[1]).status == "no_show"


class TestOffers:
    def test_list_and_add(self, api: Api) -> None:
        listed = api.call("GET", "/offers", "staff").json()
        assert len(listed) == 8 and listed[0] == {
            "code": "rygestop",
            "name": "Rygestop",
            "municipality_id": api.world.municipality.id,
        }
        body = {"code": "svoemmehold", "name": "Svømmehold"}
        assert api.call("POST", "/offers", "roskilde", json=body).status_code == 201
        error(api.call("POST", "/offers", "roskilde", json=body), 409)
        error(api.call("POST", "/offers", "staff", json=body), 403)
        error(api.call("GET", "/offers", "national"), 422)
        lejre = api.call("GET", "/offers", "national", params={"municipality": "Lejre"}).json()
        assert "svoemmehold" not in {o["code"] for o in lejre}
        with Session(api.engine) as session:
            assert session.scalar(select(func.count()).select_from(Booking)) == 2


def _ten() -> datetime:
    """Monday 7 December 2026, 10:00 in Copenhagen."""
    return datetime(2026, 12, 7, 10, 0, tzinfo=COPENHAGEN)
