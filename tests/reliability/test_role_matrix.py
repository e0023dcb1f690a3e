"""The role matrix: every /api/v1 operation × every caller × own and foreign municipality.

Roskilde and Lejre each have a partner, staff, a location, slots, campaigns in each status a
lifecycle step needs, and a booked citizen. The callers hold Roskilde keys (coordinator, staff
member, evaluator), or no key, or a revoked one. Each operation is called on Roskilde's objects
("own") and on Lejre's ("foreign"), on a fresh store, and must answer as `MATRIX` says:

    OK         allowed: 2xx (the first allowed caller on its own objects must get a 2xx), or a
               4xx that is none of 401, 403, 404 (a later caller may meet a changed state)
    HIDDEN     allowed listing: 2xx, and none of the foreign objects is in it
    FORBIDDEN  403, and no row written anywhere
    NOT_FOUND  404 (another municipality's object does not exist for the key), nothing written
    NO_KEY     401, nothing written

The operations come from the app's OpenAPI document: one that `MATRIX` does not name fails.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from api.keys import Role
from api.routing import API_PREFIX
from booking import directory
from booking.access import EVERYTHING
from booking.slots import create_working_day_slots
from recruitbot.app import create_app
from recruitbot.runtime import build_runtime
from recruitbot.settings import Settings
from scheduler.clock import SimulatedClock
from store.db import unit_of_work
from store.models import Campaign, Contact, Location, Partner, Slot, StaffMember
from tests.api.support import make_key
from tests.booking.support import NOW, book
from tests.conftest import truncate_all
from tests.factories import WINDOW, World, make_world


class Expect(Enum):
    OK = "ok"
    HIDDEN = "hidden"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not found"
    NO_KEY = "no key"


OK, HIDDEN, FORBIDDEN, NOT_FOUND, NO_KEY = Expect
CALLERS = ("coordinator", "staff", "evaluator", "none", "revoked")


@dataclass(frozen=True)
class Place:
    """One municipality's objects, as a request names them."""

    municipality: str
    partner: str
    campaign: int  # a draft
    running: int
    paused: int
    staff_member: int  # not the staff caller: issuing a key would revoke the caller's own
    location: int
    booking: int
    free_slot: int
    citizen: str  # the booked citizen's pseudonym


Request = tuple[str, str, dict[str, Any]]
Build = Callable[[Place], Request]


def _members_csv() -> bytes:
    return "Navn;Mobil;Født\r\nAnne Jensen;20 55 66 77;01-05-1976\r\n".encode()


# For each operation: the request on a place's objects, and per caller (own, foreign).
# Shorthands for the rows that repeat.
COORDINATOR_ONLY = {"coordinator": (OK, NOT_FOUND), "staff": (FORBIDDEN,) * 2}
COORDINATOR_CREATES = {"coordinator": (OK, FORBIDDEN), "staff": (FORBIDDEN,) * 2}
STAFF_WORK = {"coordinator": (OK, NOT_FOUND), "staff": (OK, NOT_FOUND)}
EVALUATOR_READ = {"coordinator": (OK, NOT_FOUND), "staff": (FORBIDDEN,) * 2}
NOT_EVALUATOR = {"evaluator": (FORBIDDEN,) * 2}


def _row(base: dict[str, tuple[Expect, Expect]], **more: tuple[Expect, Expect]) -> dict[str, Any]:
    row = {**NOT_EVALUATOR, **base, **more}
    return {**row, "none": (NO_KEY, NO_KEY), "revoked": (NO_KEY, NO_KEY)}


MATRIX: dict[str, tuple[Build, dict[str, tuple[Expect, Expect]]]] = {
    "GET /api/v1/campaigns": (
        lambda p: ("GET", "/campaigns", {}),
        _row({"coordinator": (OK, HIDDEN), "staff": (FORBIDDEN,) * 2}),
    ),
    "POST /api/v1/campaigns": (
        lambda p: (
            "POST",
            "/campaigns",
            {
                "json": {
                    "name": "Ny",
                    "municipality": p.municipality,
                    "partners": [p.partner],
                    "sender": f"{p.municipality} Kommune",
                }
            },
        ),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/campaigns/{campaign_id}": (
        lambda p: ("GET", f"/campaigns/{p.campaign}", {}),
        _row(COORDINATOR_ONLY),
    ),
    "PATCH /api/v1/campaigns/{campaign_id}": (
        lambda p: ("PATCH", f"/campaigns/{p.campaign}", {"json": {"name": "Omdøbt"}}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/preview": (
        lambda p: ("POST", f"/campaigns/{p.campaign}/preview", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/launch": (
        lambda p: ("POST", f"/campaigns/{p.campaign}/launch", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/pause": (
        lambda p: ("POST", f"/campaigns/{p.running}/pause", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/resume": (
        lambda p: ("POST", f"/campaigns/{p.paused}/resume", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/cancel": (
        lambda p: ("POST", f"/campaigns/{p.running}/cancel", {}),
        _row(COORDINATOR_ONLY),
    ),
    "GET /api/v1/campaigns/{campaign_id}/funnel": (
        lambda p: ("GET", f"/campaigns/{p.running}/funnel", {}),
        _row(EVALUATOR_READ, evaluator=(OK, NOT_FOUND)),
    ),
    "POST /api/v1/contacts/import": (
        lambda p: (
            "POST",
            "/contacts/import",
            {
                "files": {"file": ("m.csv", _members_csv(), "text/csv")},
                "data": {"partner": p.partner, "mapping": "Mobil=phone,Født=birth_date"},
            },
        ),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/staff": (
        lambda p: ("POST", "/staff", {"json": {"name": "Ny", "municipality": p.municipality}}),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/staff": (
        lambda p: ("GET", "/staff", {"params": {"municipality": p.municipality}}),
        _row(COORDINATOR_CREATES),
    ),
    "POST /api/v1/staff/{staff_member_id}/key": (
        lambda p: ("POST", f"/staff/{p.staff_member}/key", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/staff/{staff_id}/telegram-code": (
        lambda p: ("POST", f"/staff/{p.staff_member}/telegram-code", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/locations": (
        lambda p: (
            "POST",
            "/locations",
            {
                "json": {
                    "name": "Nyt sted",
                    "address": "Torvet 1",
                    "kind": "workplace",
                    "municipality": p.municipality,
                }
            },
        ),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/locations": (
        lambda p: ("GET", "/locations", {"params": {"municipality": p.municipality}}),
        _row({"coordinator": (OK, FORBIDDEN), "staff": (OK, FORBIDDEN)}),
    ),
    "GET /api/v1/slots": (
        lambda p: ("GET", "/slots", {"params": {"location_id": p.location}}),
        _row({"coordinator": (OK, HIDDEN), "staff": (OK, HIDDEN)}),
    ),
    "POST /api/v1/slots": (
        lambda p: (
            "POST",
            "/slots",
            {
                "json": {
                    "location_id": p.location,
                    "staff_member_id": p.staff_member,
                    "starts_at": (NOW + timedelta(days=15)).replace(hour=14).isoformat(),
                }
            },
        ),
        _row(COORDINATOR_ONLY),
    ),
    "GET /api/v1/bookings": (
        lambda p: ("GET", "/bookings", {}),
        _row({"coordinator": (OK, HIDDEN), "staff": (OK, HIDDEN)}),
    ),
    "POST /api/v1/bookings/{booking_id}/cancel": (
        lambda p: ("POST", f"/bookings/{p.booking}/cancel", {}),
        _row(STAFF_WORK),
    ),
    "POST /api/v1/bookings/{booking_id}/move": (
        lambda p: ("POST", f"/bookings/{p.booking}/move", {"json": {"slot_id": p.free_slot}}),
        _row(STAFF_WORK),
    ),
    "POST /api/v1/bookings/{booking_id}/outcome": (
        lambda p: ("POST", f"/bookings/{p.booking}/outcome", {"json": {"attended": True}}),
        _row(STAFF_WORK),
    ),
    "GET /api/v1/offers": (
        lambda p: ("GET", "/offers", {"params": {"municipality": p.municipality}}),
        _row({"coordinator": (OK, FORBIDDEN), "staff": (OK, FORBIDDEN)}),
    ),
    "POST /api/v1/offers": (
        lambda p: (
            "POST",
            "/offers",
            {"json": {"code": "motion_ny", "name": "Motion", "municipality": p.municipality}},
        ),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/citizens/{public_id}/export": (
        lambda p: ("GET", f"/citizens/{p.citizen}/export", {}),
        _row(COORDINATOR_ONLY),
    ),
    "DELETE /api/v1/citizens/{public_id}": (
        lambda p: ("DELETE", f"/citizens/{p.citizen}", {}),
        _row(COORDINATOR_ONLY),
    ),
    "GET /api/v1/reports/funnel": (
        lambda p: ("GET", "/reports/funnel", {"params": {"municipality": p.municipality}}),
        _row(EVALUATOR_READ, evaluator=(OK, NOT_FOUND)),
    ),
    "GET /api/v1/reports/tables": (
        lambda p: ("GET", "/reports/tables", {"params": {"municipality": p.municipality}}),
        _row(EVALUATOR_READ, evaluator=(OK, NOT_FOUND)),
    ),
}


@dataclass
class Store:
    """A fresh store per operation: a copy of the migrated template, or PostgreSQL emptied."""

    url: str
    template: Path | None

    def reset(self) -> None:
        if self.template is None:
            truncate_all(self.url)
        else:
            shutil.copyfile(self.template, self.url.removeprefix("sqlite:///"))


@pytest.fixture
def store(database_url: str, request: pytest.FixtureRequest) -> Store:
    sqlite = database_url.startswith("sqlite")
    template: Path | None = request.getfixturevalue("sqlite_template") if sqlite else None
    return Store(database_url, template)


@dataclass
class Api:
    client: TestClient
    clock: SimulatedClock
    engine: Engine
    keys: dict[str, str | None]
    own: Place
    foreign: Place

    def call(self, caller: str, request: Request) -> Response:
        method, path, kwargs = request
        key = self.keys[caller]
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response: Response = self.client.request(
            method, API_PREFIX + path, headers=headers, **kwargs
        )
        return response

    def rows(self) -> dict[str, int]:
        with Session(self.engine) as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in SQLModel.metadata.sorted_tables
            }


def _place(session: Session, world: World, phone: str) -> Place:
    """Book a citizen (which runs the world's campaign) and add a draft and a paused campaign."""
    booking = book(session, world, phone)
    running = world.campaign
    draft, paused = (_campaign(session, running, status) for status in ("draft", "paused"))
    colleague = StaffMember(
        municipality_id=world.municipality.id or 0, name=world.staff.name + " 2"
    )
    session.add(colleague)
    session.flush()
    free = session.scalars(
        select(Slot)
        .where(Slot.location_id == world.location.id, Slot.id != booking.slot_id)
        .order_by(Slot.starts_at.desc())  # type: ignore[attr-defined]
    ).first()
    assert free is not None and free.id is not None and booking.id is not None
    return Place(
        municipality=world.municipality.name,
        partner=world.partner.name,
        campaign=draft,
        running=running.id or 0,
        paused=paused,
        staff_member=colleague.id or 0,
        location=world.location.id or 0,
        booking=booking.id,
        free_slot=free.id,
        citizen=session.get_one(Contact, booking.contact_id).public_id,
    )


def _campaign(session: Session, like: Campaign, status: str) -> int:
    campaign = Campaign(
        name=f"{like.name} ({status})",
        municipality_id=like.municipality_id,
        partner_id=like.partner_id,
        sender=like.sender,
        status=status,
        created_at=like.created_at,
    )
    session.add(campaign)
    session.flush()
    return campaign.id or 0


def _lejre(session: Session, roskilde: World) -> World:
    """Lejre's own partner, staff member, location, slots and campaign; every name says Lejre."""
    lejre = roskilde.other_municipality
    assert lejre.id is not None
    partner = Partner(name="3F Lejre", municipality_id=lejre.id)
    other = Partner(name="FOA Lejre", municipality_id=lejre.id)
    staff = StaffMember(municipality_id=lejre.id, name="Lone i Lejre")
    location = Location(municipality_id=lejre.id, name="Sundhedshus Lejre", address="Lejre 1")
    session.add_all([partner, other, staff, location])
    session.flush()
    create_working_day_slots(
        session=session,
        location_id=location.id or 0,
        staff_member_id=staff.id or 0,
        first_day=NOW.date(),
        last_day=NOW.date() + timedelta(days=10),
        day_start=time(9),
        day_end=time(12),
        duration_min=45,
        window=WINDOW,
    )
    campaign = Campaign(
        name="Lejre-kampagne",
        municipality_id=lejre.id,
        partner_id=partner.id or 0,
        sender="Lejre Kommune",
        created_at=NOW,
    )
    session.add(campaign)
    session.flush()
    return World(lejre, roskilde.municipality, partner, other, staff, location, campaign)


@pytest.fixture
def api(store: Store) -> Iterator[Callable[[], Api]]:
    """Lay the two municipalities on a fresh store and return the app and the callers' keys."""
    runtimes = []

    def make() -> Api:
        store.reset()
        clock = SimulatedClock(NOW)
        runtime = build_runtime(Settings(database_url=store.url), clock=clock, migrate=False)
        runtimes.append(runtime)
        with unit_of_work(runtime.engine) as session:
            roskilde = make_world(session, now=NOW)
            own = _place(session, roskilde, "+4520000001")
            foreign = _place(session, _lejre(session, roskilde), "+4530000001")
            staff_key = directory.issue_staff_key(
                session=session, scope=EVERYTHING, staff_member_id=roskilde.staff.id or 0, now=NOW
            )[2]
        engine = runtime.engine
        keys: dict[str, str | None] = {
            "coordinator": make_key(engine, role=Role.COORDINATOR, municipality="Roskilde"),
            "staff": staff_key,
            "evaluator": make_key(engine, role=Role.EVALUATOR, municipality="Roskilde"),
            "none": None,
            "revoked": make_key(
                engine, role=Role.COORDINATOR, municipality="Roskilde", revoked=True
            ),
        }
        client = TestClient(create_app(runtime), raise_server_exceptions=False)
        return Api(client, clock, engine, keys, own, foreign)

    yield make
    for runtime in runtimes:
        runtime.engine.dispose()


def _operations() -> set[str]:
    runtime = build_runtime(Settings(database_url="sqlite://"), migrate=False)
    paths = create_app(runtime).openapi()["paths"]
    runtime.engine.dispose()
    return {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if path.startswith(API_PREFIX)
        for method in item
    }


def test_the_matrix_names_every_operation() -> None:
    operations = _operations()
    assert operations - set(MATRIX) == set(), "operations the role matrix does not cover"
    assert set(MATRIX) - operations == set(), "the matrix names operations that do not exist"
    for name, (_, row) in MATRIX.items():
        assert set(row) == set(CALLERS), name


REFUSALS = {FORBIDDEN: 403, NOT_FOUND: 404, NO_KEY: 401}
# An outcome is recorded once the conversation has taken place.
AFTER_THE_BOOKINGS = {"POST /api/v1/bookings/{booking_id}/outcome"}


@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_each_caller_does_only_what_it_may(operation: str, api: Callable[[], Api]) -> None:
    build, row = MATRIX[operation]
    service = api()
    if operation in AFTER_THE_BOOKINGS:
        service.clock.advance(timedelta(days=15))
    for side, place in ((0, service.own), (1, service.foreign)):
        # Refusals first: they must find the store as laid, and leave it so.
        order = sorted(CALLERS, key=lambda caller: row[caller][side] in (OK, HIDDEN))
        first_allowed = True
        for caller in order:
            expected = row[caller][side]
            where = f"{operation} as {caller} on {'own' if side == 0 else 'foreign'} objects"
            before = service.rows() if expected in REFUSALS else None
            response = service.call(caller, build(place))
            status = response.status_code
            assert status < 500, f"{where}: {status} {response.text}"
            if expected in REFUSALS:
                assert status == REFUSALS[expected], f"{where}: {status} {response.text}"
                assert response.json()["error"]["message"], where
                assert service.rows() == before, f"{where}: a refusal wrote rows"
                continue
            if side == 0 and first_allowed:
                assert 200 <= status < 300, f"{where}: {status} {response.text}"
                first_allowed = False
            assert status not in (401, 403, 404), f"{where}: {status} {response.text}"
            if expected is HIDDEN:
                assert 200 <= status < 300, f"{where}: {status} {response.text}"
                assert "Lejre" not in response.text, f"{where}: shows Lejre's objects"


class TestAcrossMunicipalities:
    """Requests that mix own and foreign objects: the foreign one does not exist."""

    def test_a_booking_cannot_move_to_a_foreign_slot(self, api: Callable[[], Api]) -> None:
        service = api()
        for caller in ("coordinator", "staff"):
            request = (
                "POST",
                f"/bookings/{service.own.booking}/move",
                {"json": {"slot_id": service.foreign.free_slot}},
            )
            assert service.call(caller, request).status_code == 404

    def test_slots_cannot_be_opened_for_foreign_staff_at_an_own_location(
        self, api: Callable[[], Api]
    ) -> None:
        service = api()
        body = {
            "location_id": service.own.location,
            "staff_member_id": service.foreign.staff_member,
            "starts_at": (NOW + timedelta(days=15)).replace(hour=14).isoformat(),
        }
        response = service.call("coordinator", ("POST", "/slots", {"json": body}))
        assert response.status_code == 404

    def test_an_own_campaign_cannot_take_a_foreign_partners_list(
        self, api: Callable[[], Api]
    ) -> None:
        service = api()
        body = {
            "name": "Ny",
            "municipality": "Roskilde",
            "partners": [service.foreign.partner],
            "sender": "Roskilde Kommune",
        }
        created = service.call("coordinator", ("POST", "/campaigns", {"json": body}))
        assert created.status_code == 422 and "unknown partner" in created.text
        patch = {"json": {"partners": [service.foreign.partner]}}
        changed = service.call(
            "coordinator", ("PATCH", f"/campaigns/{service.own.campaign}", patch)
        )
        assert changed.status_code == 422

    def test_reports_of_a_foreign_campaign_do_not_exist(self, api: Callable[[], Api]) -> None:
        service = api()
        for caller in ("coordinator", "evaluator"):
            request = ("GET", "/reports/funnel", {"params": {"campaign": service.foreign.running}})
            assert service.call(caller, request).status_code == 404

    def test_a_staff_key_does_not_see_a_colleagues_booking(self, api: Callable[[], Api]) -> None:
        service = api()
        with unit_of_work(service.engine) as session:
            colleague = directory.add_staff_member(
                session=session, scope=EVERYTHING, name="Jonas", municipality="Roskilde"
            )
            assert colleague.id is not None
            key = directory.issue_staff_key(
                session=session, scope=EVERYTHING, staff_member_id=colleague.id, now=NOW
            )[2]
        service.keys["colleague"] = key
        before = service.rows()
        refused = service.call("colleague", ("POST", f"/bookings/{service.own.booking}/cancel", {}))
        assert refused.status_code == 404
        assert service.rows() == before
        listed = service.call("colleague", ("GET", "/bookings", {}))
        assert listed.status_code == 200 and listed.json() == []
