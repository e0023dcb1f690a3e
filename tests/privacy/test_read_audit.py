"""Every API answer that shows a citizen's personal data writes an audit entry about them.

The endpoints come from the app's own routes: each needs an example request below, which must
succeed on a store holding two distinctive citizens; whenever the answer shows either of them
(name, phone, pseudonym), an entry about that citizen must have been written by the request.
A new endpoint without an example fails here, so it cannot slip by unchecked.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import fastapi
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.deps import SessionDep
from api.routing import API_PREFIX, secured_router
from conversation.service import start
from core.calendar import COPENHAGEN
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import build_runtime
from store.db import unit_of_work
from store.models import AuditEvent, Campaign, CampaignVariant, Contact, InboxItem, Slot
from tests.api.support import bearer, make_key
from tests.booking.support import NOW, active_booking, say
from tests.factories import DIALOGUE, add_contact, make_world

BOOKED = ("Zebulonia Quaxtrup", "+4529871234")  # booked a conversation
LISTED = ("Ottilia Brandvold", "+4529876543")  # on the list of a draft campaign
AFTER_THE_CONVERSATION = datetime(2026, 11, 25, 11, 0, tzinfo=COPENHAGEN)


@dataclass
class Ids:
    """The rows an example request may refer to."""

    campaign: int
    draft: int
    booking: int
    free_slot: int
    staff: int
    location: int
    conversation: int
    item: int  # the inbox item of the new booking's notice, which reached nobody
    refs: dict[str, str] = field(default_factory=dict)  # name -> pseudonym
    contacts: dict[str, int] = field(default_factory=dict)  # name -> contact id


@dataclass(frozen=True)
class Example:
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    at: datetime = NOW + timedelta(minutes=30)
    first: tuple[tuple[str, str], ...] = ()  # requests that set the scene, e.g. a pause
    first_json: dict[str, Any] | None = None  # the body of the first such request, if any


def _members_csv() -> dict[str, Any]:
    body = "Navn;Mobil;Fødselsdato\r\nNy Person;20 11 22 33;01-05-1976\r\n".encode()
    return {"files": {"file": ("m.csv", body, "text/csv")}, "data": {"partner": "FOA Roskilde"}}


CAMPAIGN = {"name": "Efterår", "partners": ["FOA Roskilde"], "sender": "Roskilde Kommune"}
EXAMPLES: dict[tuple[str, str], Callable[[Ids], Example]] = {
    ("GET", "/campaigns"): lambda i: Example("/campaigns"),
    ("POST", "/campaigns"): lambda i: Example("/campaigns", {"json": CAMPAIGN}),
    ("GET", "/campaigns/{campaign_id}"): lambda i: Example(f"/campaigns/{i.campaign}"),
    ("PATCH", "/campaigns/{campaign_id}"): lambda i: Example(
        f"/campaigns/{i.draft}", {"json": {"name": "Nyt navn"}}
    ),
    ("POST", "/campaigns/{campaign_id}/preview"): lambda i: Example(
        f"/campaigns/{i.draft}/preview"
    ),
    ("POST", "/campaigns/{campaign_id}/launch"): lambda i: Example(f"/campaigns/{i.draft}/launch"),
    ("POST", "/campaigns/{campaign_id}/pause"): lambda i: Example(f"/campaigns/{i.campaign}/pause"),
    ("POST", "/campaigns/{campaign_id}/resume"): lambda i: Example(
        f"/campaigns/{i.campaign}/resume", first=(("POST", f"/campaigns/{i.campaign}/pause"),)
    ),
    ("POST", "/campaigns/{campaign_id}/cancel"): lambda i: Example(
        f"/campaigns/{i.campaign}/cancel"
    ),
    ("GET", "/campaigns/{campaign_id}/funnel"): lambda i: Example(
        f"/campaigns/{i.campaign}/funnel"
    ),
    ("POST", "/campaigns/{campaign_id}/variants/{key}/stop"): lambda i: Example(
        f"/campaigns/{i.campaign}/variants/A/stop"
    ),
    ("POST", "/contacts/import"): lambda i: Example("/contacts/import", _members_csv()),
    ("POST", "/staff"): lambda i: Example("/staff", {"json": {"name": "Hanne"}}),
    ("GET", "/staff"): lambda i: Example("/staff"),
    ("POST", "/staff/{staff_member_id}/key"): lambda i: Example(f"/staff/{i.staff}/key"),
    ("POST", "/staff/{staff_id}/telegram-code"): lambda i: Example(
        f"/staff/{i.staff}/telegram-code"
    ),
    ("POST", "/locations"): lambda i: Example(
        "/locations", {"json": {"name": "Fagforeningen", "address": "Algade 1, 4000 Roskilde"}}
    ),
    ("GET", "/locations"): lambda i: Example("/locations"),
    ("GET", "/slots"): lambda i: Example("/slots"),
    ("POST", "/slots"): lambda i: Example(
        "/slots",
        {
            "json": {
                "location_id": i.location,
                "staff_member_id": i.staff,
                "starts_at": "2026-11-27T13:00:00+01:00",
            }
        },
    ),
    ("GET", "/bookings"): lambda i: Example("/bookings"),
    ("POST", "/bookings/{booking_id}/cancel"): lambda i: Example(f"/bookings/{i.booking}/cancel"),
    ("POST", "/bookings/{booking_id}/move"): lambda i: Example(
        f"/bookings/{i.booking}/move", {"json": {"slot_id": i.free_slot}}
    ),
    ("POST", "/bookings/{booking_id}/outcome"): lambda i: Example(
        f"/bookings/{i.booking}/outcome", {"json": {"attended": True}}, AFTER_THE_CONVERSATION
    ),
    ("POST", "/bookings/{booking_id}/outcome/correction"): lambda i: Example(
        f"/bookings/{i.booking}/outcome/correction",
        {"json": {"attended": False, "reason": "trykket forkert"}},
        AFTER_THE_CONVERSATION,
        first=(("POST", f"/bookings/{i.booking}/outcome"),),
        first_json={"attended": True},
    ),
    ("POST", "/closures"): lambda i: Example(
        "/closures",
        {
            "json": {
                "staff_member_id": i.staff,
                "starts_at": "2026-11-25T00:00:00",
                "ends_at": "2026-11-26T00:00:00",
            }
        },
    ),
    ("GET", "/closures"): lambda i: Example("/closures"),
    ("DELETE", "/closures/{closure_id}"): lambda i: Example(
        "/closures/1",
        first=(("POST", "/closures"),),
        first_json={
            "staff_member_id": i.staff,
            "starts_at": "2026-11-25T00:00:00",
            "ends_at": "2026-11-26T00:00:00",
        },
    ),
    ("DELETE", "/locations/{location_id}"): lambda i: Example(f"/locations/{i.location}"),
    ("POST", "/staff/{staff_member_id}/calendar-feeds"): lambda i: Example(
        f"/staff/{i.staff}/calendar-feeds"
    ),
    ("GET", "/staff/{staff_member_id}/calendar-feeds"): lambda i: Example(
        f"/staff/{i.staff}/calendar-feeds"
    ),
    ("POST", "/calendar-feeds/{feed_id}/revoke"): lambda i: Example(
        "/calendar-feeds/1/revoke", first=(("POST", f"/staff/{i.staff}/calendar-feeds"),)
    ),
    ("GET", "/inbox"): lambda i: Example("/inbox"),
    ("GET", "/inbox/count"): lambda i: Example("/inbox/count"),
    ("POST", "/inbox/{item_id}/handled"): lambda i: Example(
        f"/inbox/{i.item}/handled", {"json": {"note": "Set"}}
    ),
    ("GET", "/conversations/{conversation_id}"): lambda i: Example(
        f"/conversations/{i.conversation}"
    ),
    ("POST", "/conversations/{conversation_id}/takeover"): lambda i: Example(
        f"/conversations/{i.conversation}/takeover"
    ),
    ("POST", "/conversations/{conversation_id}/reply"): lambda i: Example(
        f"/conversations/{i.conversation}/reply", {"json": {"text": "Vi ringer i morgen."}}
    ),
    ("POST", "/conversations/{conversation_id}/hand-back"): lambda i: Example(
        f"/conversations/{i.conversation}/hand-back",
        first=(("POST", f"/conversations/{i.conversation}/takeover"),),
    ),
    ("PUT", "/staff/{staff_member_id}/notices"): lambda i: Example(
        f"/staff/{i.staff}/notices", {"json": {"notify_by": "inbox"}}
    ),
    ("GET", "/offers"): lambda i: Example("/offers"),
    ("POST", "/offers"): lambda i: Example("/offers", {"json": {"code": "yoga", "name": "Yoga"}}),
    ("GET", "/reports/funnel"): lambda i: Example("/reports/funnel"),
    ("GET", "/reports/tables"): lambda i: Example("/reports/tables"),
    ("GET", "/reports/experiment/{campaign_id}"): lambda i: Example(
        f"/reports/experiment/{i.campaign}"
    ),
    ("GET", "/citizens/{public_id}/export"): lambda i: Example(
        f"/citizens/{i.refs[BOOKED[0]]}/export"
    ),
    ("DELETE", "/citizens/{public_id}"): lambda i: Example(f"/citizens/{i.refs[BOOKED[0]]}"),
}


# The answers that show a citizen: each writes `citizen.read` (or `citizen.export`) entries.
SHOWS_CITIZENS = {
    ("GET", "/bookings"),
    ("POST", "/bookings/{booking_id}/cancel"),
    ("POST", "/bookings/{booking_id}/move"),
    ("POST", "/bookings/{booking_id}/outcome"),
    ("POST", "/bookings/{booking_id}/outcome/correction"),
    ("POST", "/closures"),
    ("DELETE", "/locations/{location_id}"),
    ("POST", "/campaigns/{campaign_id}/preview"),
    ("GET", "/citizens/{public_id}/export"),
    ("GET", "/inbox"),
    ("POST", "/inbox/{item_id}/handled"),
    ("GET", "/conversations/{conversation_id}"),
    ("POST", "/conversations/{conversation_id}/takeover"),
    ("POST", "/conversations/{conversation_id}/hand-back"),
}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Return (method, path under /api/v1) for every endpoint of the admin API."""
    expand = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(expand(app.routes)) if expand else list(app.routes)
    found = []
    for route in routes:
        original = route.original_route if expand else route
        if isinstance(original, APIRoute) and str(route.path).startswith(API_PREFIX):
            path = str(route.path).removeprefix(API_PREFIX)
            found += [(method, path) for method in sorted(route.methods)]
    return found


def lay_store(engine: Engine) -> Ids:
    """Roskilde; one citizen booked, one on the list of a draft campaign."""
    with unit_of_work(engine) as session:
        world = make_world(session)
        world.campaign.status = "running"
        world.campaign.variant_seed = 1  # an experiment: a variant to stop, a readout to read
        session.add_all(CampaignVariant(campaign_id=world.campaign.id or 0, key=k) for k in "AB")
        booked = add_contact(session, world, phone=BOOKED[1], name=BOOKED[0])
        start(session=session, dialogue=DIALOGUE, contact=booked, campaign=world.campaign, now=NOW)
        for text in ("ja", "nej", "1"):
            say(session, BOOKED[1], text)
        booking = active_booking(session, booked)
        listed = add_contact(session, world, phone=LISTED[1], name=LISTED[0])
        draft = Campaign(
            name="Udkast",
            municipality_id=world.municipality.id or 0,
            partner_id=world.partner.id or 0,
            sender="Roskilde Kommune",
            created_at=NOW,
        )
        session.add(draft)
        session.flush()
        free = session.scalars(
            select(Slot).where(col(Slot.id) != booking.slot_id).order_by(col(Slot.starts_at).desc())
        ).first()
        assert free is not None and free.id and booking.id and draft.id and world.campaign.id
        return Ids(
            campaign=world.campaign.id,
            draft=draft.id,
            booking=booking.id,
            free_slot=free.id,
            staff=world.staff.id or 0,
            location=world.location.id or 0,
            conversation=booking.conversation_id,
            item=session.scalars(select(col(InboxItem.id)).order_by(col(InboxItem.id))).first()
            or 0,
            refs={BOOKED[0]: booked.public_id, LISTED[0]: listed.public_id},
            contacts={BOOKED[0]: booked.id or 0, LISTED[0]: listed.id or 0},
        )


def shown(body: str, ids: Ids) -> list[str]:
    """Return the names of the citizens whose personal data is in an answer."""
    people = []
    for name, phone in (BOOKED, LISTED):
        first, last = name.split()
        marks = (first, last, phone, phone.removeprefix("+45"), ids.refs[name])
        if any(mark in body for mark in marks):
            people.append(name)
    return people


def unaudited(
    client: TestClient, engine: Engine, key: str, ids: Ids, method: str, ex: Example
) -> tuple[list[str], list[str], int]:
    """Call an example; return who it showed, who of them without an audit entry, its status."""
    for n, (first_method, first_path) in enumerate(ex.first):
        body = {"json": ex.first_json} if n == 0 and ex.first_json is not None else {}
        client.request(first_method, API_PREFIX + first_path, headers=bearer(key), **body)
    with Session(engine) as session:
        before = session.scalar(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())) or 0
    response = client.request(method, API_PREFIX + ex.path, headers=bearer(key), **ex.kwargs)
    with Session(engine) as session:
        entries = session.scalars(select(AuditEvent).where(col(AuditEvent.id) > before)).all()
    about = {
        e.subject_id
        for e in entries
        if e.subject_type == "contact" and e.actor.startswith("api_key:")
    }
    people = shown(response.text, ids)
    return (
        people,
        [name for name in people if ids.contacts[name] not in about],
        response.status_code,
    )


@dataclass
class Served:
    client: TestClient
    engine: Engine
    clock: SimulatedClock
    ids: Ids
    key: str


@pytest.fixture
def serve(sqlite_template: Path, tmp_path: Path) -> Iterator[Callable[[], Served]]:
    """Lay a fresh store and app for each call (a request may change what the next one sees)."""
    runtimes = []

    def make() -> Served:
        path = tmp_path / f"audit-{len(runtimes)}.db"
        shutil.copyfile(sqlite_template, path)
        clock = SimulatedClock(NOW)
        runtime = build_runtime(
            Settings(database_url=f"sqlite:///{path}"), clock=clock, migrate=False
        )
        runtimes.append(runtime)
        ids = lay_store(runtime.engine)
        key = make_key(runtime.engine, role=Role.COORDINATOR, municipality="Roskilde")
        client = TestClient(create_app(runtime), raise_server_exceptions=False)
        return Served(client, runtime.engine, clock, ids, key)

    yield make
    for runtime in runtimes:
        runtime.engine.dispose()


class TestEveryReadIsAudited:
    def test_every_endpoint_has_an_example(self, serve: Callable[[], Served]) -> None:
        app = serve().client.app
        assert isinstance(app, FastAPI)
        missing = [f"{m} {p}" for m, p in _routes(app) if (m, p) not in EXAMPLES]
        assert missing == [], "add an example request to EXAMPLES for each of these"

    @pytest.mark.parametrize(("method", "path"), sorted(EXAMPLES))
    def test_an_answer_with_personal_data_is_audited(
        self, serve: Callable[[], Served], method: str, path: str
    ) -> None:
        served = serve()
        example = EXAMPLES[(method, path)](served.ids)
        served.clock.set(example.at)
        people, missing, status = unaudited(
            served.client, served.engine, served.key, served.ids, method, example
        )
        assert 200 <= status < 300, f"the example for {method} {path} must succeed ({status})"
        assert missing == [], f"{method} {path} showed {missing} without an audit entry"
        assert bool(people) == ((method, path) in SHOWS_CITIZENS), "update SHOWS_CITIZENS"

    def test_an_endpoint_that_forgets_would_be_caught(self, serve: Callable[[], Served]) -> None:
        served = serve()
        careless = secured_router(prefix="/careless", tags=["careless"])

        @careless.get("/names")
        def names(session: SessionDep) -> list[str]:
            return [c.name for c in session.scalars(select(Contact))]

        app = served.client.app
        assert isinstance(app, FastAPI)
        app.include_router(careless)
        _, missing, status = unaudited(
            served.client, served.engine, served.key, served.ids, "GET", Example("/careless/names")
        )
        assert status == 200 and sorted(missing) == sorted([BOOKED[0], LISTED[0]])
