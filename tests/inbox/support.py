"""Roskilde with two staff members, keys for every caller, and citizens who write."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from booking import directory
from booking.access import EVERYTHING
from conversation.intake import receive_text
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work
from store.models import Contact, Conversation, InboxItem, Message, StaffMember
from tests.api.support import bearer, make_key
from tests.booking.support import NOW, invite
from tests.factories import World, make_world

CITIZEN = "+4520000001"
JONAS_PHONE = "+4530000002"


@dataclass
class Office:
    """The app, its clock, and who is who."""

    runtime: Runtime
    client: TestClient
    clock: SimulatedClock
    world: World
    keys: dict[str, str]
    mette_id: int
    jonas_id: int

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def call(self, method: str, path: str, key: str, **kwargs: Any) -> Any:
        response = self.client.request(
            method, "/api/v1" + path, headers=bearer(self.keys[key]), **kwargs
        )
        assert response.status_code < 500, response.text
        return response

    def write(self, text: str, phone: str = CITIZEN) -> list[Message]:
        """Write as the citizen, now; return what was queued to anyone afterwards."""
        with unit_of_work(self.engine) as session:
            before = session.scalar(select(col(Message.id)).order_by(col(Message.id).desc()))
            receive_text(
                session=session,
                dialogue=self.runtime.dialogue,
                channel="console",
                address=phone,
                text=text,
                provider_id=f"in-{before}-{text}",
                now=self.clock.now(),
            )
        return self.outbox(after=before or 0)

    def outbox(self, *, after: int = 0, kind: str | None = None) -> list[Message]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(Message).where(col(Message.direction) == "out", col(Message.id) > after)
            if kind is not None:
                query = query.where(col(Message.kind) == kind)
            return list(session.scalars(query.order_by(col(Message.id))))

    def items(self) -> list[InboxItem]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(select(InboxItem).order_by(col(InboxItem.id))))

    def conversation_id(self, phone: str = CITIZEN) -> int:
        with Session(self.engine) as session:
            contact = session.scalars(select(Contact).where(col(Contact.phone) == phone)).one()
            found = session.scalars(
                select(col(Conversation.id)).where(col(Conversation.contact_id) == contact.id)
            ).one()
            assert found is not None
            return found


def build_office(database_url: str, *, jonas_phone: str = JONAS_PHONE) -> Iterator[Office]:
    """Mette (no Telegram, no phone) and Jonas (a phone for SMS notices); one invited citizen."""
    clock = SimulatedClock(NOW)
    runtime = build_runtime(Settings(database_url=database_url), clock=clock, migrate=False)
    with unit_of_work(runtime.engine) as session:
        world = make_world(session)
        jonas = directory.add_staff_member(
            session=session, scope=EVERYTHING, name="Jonas", municipality="Roskilde"
        )
        jonas.phone = jonas_phone
        session.flush()
        assert world.staff.id is not None and jonas.id is not None
        staff_keys = {
            name: directory.issue_staff_key(
                session=session, scope=EVERYTHING, staff_member_id=member_id, now=NOW
            )[2]
            for name, member_id in (("mette", world.staff.id), ("jonas", jonas.id))
        }
        invite(session, world, CITIZEN)
        ids = (world.staff.id, jonas.id)
    keys = {
        "roskilde": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Roskilde"),
        "lejre": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Lejre"),
        "evaluator": make_key(runtime.engine, role=Role.EVALUATOR, municipality="Roskilde"),
        **staff_keys,
    }
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    try:
        yield Office(runtime, client, clock, world, keys, *ids)
    finally:
        runtime.engine.dispose()


def staff_member(engine: Engine, staff_id: int) -> StaffMember:
    with Session(engine, expire_on_commit=False) as session:
        return session.get_one(StaffMember, staff_id)
