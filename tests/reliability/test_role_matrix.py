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

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.routing import API_PREFIX
from booking import directory
from booking.access import EVERYTHING
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import build_runtime
from store.db import unit_of_work
from tests.api.support import make_key
from tests.booking.support import NOW
from tests.factories import make_world
from tests.reliability.role_matrix_table import (
    CALLERS,
    FORBIDDEN,
    HIDDEN,
    MATRIX,
    NO_KEY,
    NOT_FOUND,
    OK,
    Place,
    Request,
)
from tests.reliability.role_matrix_world import Api, Store, _campaign, _lejre, _place  # noqa: F401


@pytest.fixture
def store(database_url: str, request: pytest.FixtureRequest) -> Store:
    sqlite = database_url.startswith("sqlite")
    template: Path | None = request.getfixturevalue("sqlite_template") if sqlite else None
    return Store(database_url, template)


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
            "lejre": make_key(engine, role=Role.COORDINATOR, municipality="Lejre"),
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
AFTER_THE_BOOKINGS = {
    "POST /api/v1/bookings/{booking_id}/outcome",
    "POST /api/v1/bookings/{booking_id}/outcome/correction",
}
# What each municipality's coordinator does first, so the operation has something to act on.
PREPARED: dict[str, Callable[[Place], Request]] = {
    "POST /api/v1/bookings/{booking_id}/outcome/correction": lambda p: (
        "POST",
        f"/bookings/{p.booking}/outcome",
        {"json": {"attended": True}},
    ),
    "POST /api/v1/conversations/{conversation_id}/hand-back": lambda p: (
        "POST",
        f"/conversations/{p.conversation}/takeover",
        {},
    ),
}


@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_each_caller_does_only_what_it_may(operation: str, api: Callable[[], Api]) -> None:
    build, row = MATRIX[operation]
    service = api()
    if operation in AFTER_THE_BOOKINGS:
        service.clock.advance(timedelta(days=15))
    if operation in PREPARED:
        for coordinator, place in (("coordinator", service.own), ("lejre", service.foreign)):
            prepared = service.call(coordinator, PREPARED[operation](place))
            assert 200 <= prepared.status_code < 300, prepared.text
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
