"""The role matrix's world: Roskilde and Lejre with everything an operation needs, fresh per
operation, and the API with one key per caller."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel, col

from api.routing import API_PREFIX
from booking.slots import create_working_day_slots
from core.clock import SimulatedClock
from store.booking_models import CalendarFeed, Closure
from store.inbox import About, open_item
from store.models import (
    Campaign,
    CampaignVariant,
    Contact,
    Location,
    Partner,
    Slot,
    StaffMember,
)
from tests.booking.support import NOW, book
from tests.conftest import truncate_all
from tests.factories import WINDOW, World
from tests.reliability.role_matrix_table import Place, Request


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
    running.variant_seed = 1  # an experiment of two variants: one can be stopped, both read out
    session.add_all(CampaignVariant(campaign_id=running.id or 0, key=key) for key in "AB")
    draft, paused = (_campaign(session, running, status) for status in ("draft", "paused"))
    colleague = StaffMember(
        municipality_id=world.municipality.id or 0, name=world.staff.name + " 2"
    )
    session.add(colleague)
    session.flush()
    free = session.scalars(
        select(Slot)
        .where(col(Slot.location_id) == world.location.id, col(Slot.id) != booking.slot_id)
        .order_by(col(Slot.starts_at).desc())
    ).first()
    assert free is not None and free.id is not None and booking.id is not None
    about = About(
        municipality_id=world.municipality.id,
        contact_id=booking.contact_id,
        conversation_id=booking.conversation_id,
        booking_id=booking.id,
        campaign_id=running.id,
    )
    item_id = open_item(
        session=session, staff=world.staff, kind="callback", text="Ring", now=NOW, about=about
    )
    feed = CalendarFeed(
        staff_member_id=world.staff.id or 0,
        prefix=f"cal_{phone[-4:]}",
        token_hash=phone.rjust(64, "0"),
        created_at=NOW,
    )
    # A closed period far ahead, so a listing of closures shows whose it is (the reason).
    closure = Closure(
        municipality_id=world.municipality.id or 0,
        location_id=world.location.id,
        starts_at=NOW + timedelta(days=60),
        ends_at=NOW + timedelta(days=61),
        reason=f"Ferie i {world.municipality.name}",
        created_by="test",
        created_at=NOW,
    )
    session.add_all([feed, closure])
    session.flush()
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
        staff=world.staff.id or 0,
        conversation=booking.conversation_id,
        item=item_id,
        feed=feed.id or 0,
        closure=closure.id or 0,
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
