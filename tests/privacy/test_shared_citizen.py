"""A citizen two municipalities hold: each sees, exports and erases only what it processed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from booking.slots import create_working_day_slots
from conversation.service import start
from core.clock import SimulatedClock
from core.principal import Role
from recruitbot.runtime import Runtime
from store.db import unit_of_work
from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    InboxItem,
    Location,
    Membership,
    Message,
    Municipality,
    Partner,
    StaffMember,
    Suppression,
)
from tests.api.support import bearer, make_key
from tests.booking.support import say
from tests.factories import DIALOGUE, WINDOW
from tests.privacy.support import NAME, PHONE, Held, app_on, hold_everything, pseudonymizer

LEJRE_REPLY = "Kan jeg tage min datter med til Lejre?"  # said only in Lejre's conversation


@dataclass
class Shared:
    runtime: Runtime
    client: TestClient
    held: Held
    lejre_campaign: int
    lejre_booking: int

    @property
    def ref(self) -> str:
        return self.held.contact.public_id

    def key(self, municipality: str | None) -> str:
        return make_key(self.runtime.engine, role=Role.COORDINATOR, municipality=municipality)

    def export(self, key: str) -> Any:
        response = self.client.get(f"/api/v1/citizens/{self.ref}/export", headers=bearer(key))
        assert response.status_code == 200, response.text
        return response.json()

    def erase(self, key: str) -> Any:
        response = self.client.delete(f"/api/v1/citizens/{self.ref}", headers=bearer(key))
        assert response.status_code == 200, response.text
        return response.json()


def _lejre_books(session: Session, held: Held) -> tuple[int, int]:
    """Lejre's own partner, staff and campaign; the Roskilde citizen is on its list and books."""
    lejre = session.get_one(Municipality, held.world.other_municipality.id)
    assert lejre.id is not None
    partner = Partner(name="FOA Lejre", municipality_id=lejre.id)
    staff = StaffMember(municipality_id=lejre.id, name="Lone")
    location = Location(municipality_id=lejre.id, name="Lejre Sundhedshus", address="Lejre 1")
    session.add_all([partner, staff, location])
    session.flush()
    assert partner.id and staff.id and location.id and held.contact.id
    now = held.settled_at
    create_working_day_slots(
        session=session,
        location_id=location.id,
        staff_member_id=staff.id,
        first_day=now.date() + timedelta(days=1),
        last_day=now.date() + timedelta(days=12),
        day_start=time(9),
        day_end=time(12),
        duration_min=45,
        window=WINDOW,
    )
    campaign = Campaign(
        name="Lejre tjek",
        municipality_id=lejre.id,
        partner_id=partner.id,
        sender="Lejre Kommune",
        help_phone="46 46 46 46",
        status="running",
        created_at=now,
    )
    session.add(campaign)
    session.add(Membership(contact_id=held.contact.id, partner_id=partner.id, created_at=now))
    session.flush()
    contact = session.get_one(Contact, held.contact.id)
    start(session=session, dialogue=DIALOGUE, contact=contact, campaign=campaign, now=now)
    say(session, PHONE, "ja", now=now)
    say(session, PHONE, "nej", now=now)
    say(session, PHONE, "1", now=now)
    say(session, PHONE, LEJRE_REPLY, now=now)
    booking = session.scalars(
        select(Booking)
        .join(Conversation, col(Conversation.id) == col(Booking.conversation_id))
        .where(col(Conversation.campaign_id) == campaign.id)
    ).one()
    assert campaign.id is not None and booking.id is not None
    return campaign.id, booking.id


@pytest.fixture
def shared(database_url: str) -> Iterator[Shared]:
    with app_on(database_url) as (runtime, client):
        with unit_of_work(runtime.engine) as session:
            held = hold_everything(session, pseudonymizer(database_url))
            campaign_id, booking_id = _lejre_books(session, held)
        assert isinstance(runtime.clock, SimulatedClock)
        runtime.clock.set(held.settled_at + timedelta(minutes=5))
        yield Shared(runtime, client, held, campaign_id, booking_id)


def _campaigns(export: Any) -> set[int]:
    return {c["campaign_id"] for c in export["conversations"]} | {
        i["campaign_id"] for i in export["invitations"]
    }


def _conversation_ids(export: Any) -> set[int]:
    return {c["id"] for c in export["conversations"]}


def _without_times(export: Any) -> Any:
    return {k: v for k, v in export.items() if k not in ("generated_at", "access_log")}


class TestExport:
    def test_each_municipality_sees_only_what_it_processed(self, shared: Shared) -> None:
        roskilde_id = shared.held.world.campaign.id
        roskilde = shared.export(shared.key("Roskilde"))
        lejre = shared.export(shared.key("Lejre"))
        national = shared.export(shared.key(None))

        assert _campaigns(roskilde) == {roskilde_id}
        assert _campaigns(lejre) == {shared.lejre_campaign}
        assert _campaigns(national) == {roskilde_id, shared.lejre_campaign}
        for mine, theirs in ((roskilde, lejre), (lejre, roskilde)):
            ids = _conversation_ids(mine)
            assert {m["conversation_id"] for m in mine["messages"]} <= ids
            assert not ids & _conversation_ids(theirs)
        assert LEJRE_REPLY not in str(roskilde) and LEJRE_REPLY in str(lejre)
        assert {b["staff_member"] for b in roskilde["bookings"]} == {"Mette"}
        assert {b["staff_member"] for b in lejre["bookings"]} == {"Lone"}
        assert {n["staff_member"] for n in roskilde["staff_notices"]} == {"Mette"}
        assert {n["staff_member"] for n in lejre["staff_notices"]} == {"Lone"}
        assert [r["municipality_code"] for r in roskilde["monitoring_records"]] == ["265"]
        assert lejre["monitoring_records"] == [] and lejre["follow_ups"] == []
        assert [m["partner"] for m in roskilde["memberships"]] == ["FOA Roskilde"]
        assert [m["partner"] for m in lejre["memberships"]] == ["FOA Lejre"]
        # The person is one contact: both see who it is, and the national key sees it all.
        assert roskilde["contact"] == lejre["contact"] and lejre["contact"]["name"] == NAME
        assert len(national["bookings"]) == 2 and len(national["staff_notices"]) == len(
            roskilde["staff_notices"]
        ) + len(lejre["staff_notices"])

    def test_the_access_log_keeps_each_municipalitys_reads_to_itself(self, shared: Shared) -> None:
        roskilde_key = shared.key("Roskilde")
        shared.export(roskilde_key)
        roskilde_actor = shared.export(roskilde_key)["access_log"][-1]["actor"]
        lejre_log = shared.export(shared.key("Lejre"))["access_log"]
        assert roskilde_actor["municipality"] == "Roskilde"
        assert all(e["actor"].get("municipality") != "Roskilde" for e in lejre_log)
        national_log = shared.export(shared.key(None))["access_log"]
        assert {e["actor"].get("municipality") for e in national_log} >= {"Roskilde", "Lejre"}


class TestErasure:
    def test_a_municipality_erases_only_its_part(self, shared: Shared) -> None:
        lejre_key = shared.key("Lejre")
        lejre_before = _without_times(shared.export(lejre_key))
        result = shared.erase(shared.key("Roskilde"))
        assert result["held_elsewhere"] is True and result["suppressed"] is False
        assert result["deleted"]["conversations"] == 1 and result["deleted"]["bookings"] == 1
        assert result["deleted"]["monitoring_records_delinked"] == 1
        assert result["deleted"]["memberships"] == 1
        assert _without_times(shared.export(lejre_key)) == lejre_before, "Lejre's part stays"
        national = shared.export(shared.key(None))
        assert _campaigns(national) == {shared.lejre_campaign}
        assert {b["staff_member"] for b in national["bookings"]} == {"Lone"}
        with Session(shared.runtime.engine) as session:
            booking = session.get_one(Booking, shared.lejre_booking)
            assert booking.status == "booked", "Lejre's booking still holds its slot"
            notices = session.scalars(
                select(Message.text).where(col(Message.kind) == "staff_cancellation")
            ).all()
            assert not notices, "nobody is told a booking is off that is not"
            assert not session.scalars(select(Suppression)).all()

    def test_the_last_municipality_erases_the_whole_person(self, shared: Shared) -> None:
        shared.erase(shared.key("Roskilde"))
        result = shared.erase(shared.key("Lejre"))
        assert result["held_elsewhere"] is False and result["suppressed"] is True
        assert result["deleted"]["contacts"] == 1
        with Session(shared.runtime.engine) as session:
            assert session.get(Contact, shared.held.contact.id) is None
            notices = session.scalars(
                select(Message.text).where(col(Message.kind) == "staff_cancellation")
            ).all()
        assert len(notices) == 1 and "Lejre Sundhedshus" in notices[0]

    def test_a_national_key_erases_the_whole_person(self, shared: Shared) -> None:
        result = shared.erase(shared.key(None))
        assert result["held_elsewhere"] is False and result["deleted"]["contacts"] == 1
        assert result["deleted"]["bookings"] == 2 and result["deleted"]["conversations"] == 2


class TestInboxAndWaitlist:
    def test_each_export_lists_its_own_inbox_items_and_erasure_takes_only_those(
        self, shared: Shared
    ) -> None:
        with Session(shared.runtime.engine) as session:
            items = session.scalars(
                select(InboxItem).where(col(InboxItem.contact_id) == shared.held.contact.id)
            ).all()
            by_municipality = {item.municipality_id for item in items}
        roskilde, lejre = shared.held.world.municipality.id, shared.held.world.other_municipality.id
        assert by_municipality == {roskilde, lejre}, "both bookings' notices reached nobody"
        national = shared.export(shared.key(None))
        assert len(national["inbox_items"]) == len(items)
        own = shared.export(shared.key("Lejre"))["inbox_items"]
        assert own and len(own) < len(items), "Lejre sees its own items only"
        assert {item["status"] for item in own} == {"open"}
        result = shared.erase(shared.key("Roskilde"))
        assert result["deleted"]["inbox_items"] >= 1
        with Session(shared.runtime.engine) as session:
            left = session.scalars(
                select(InboxItem).where(col(InboxItem.contact_id) == shared.held.contact.id)
            ).all()
            assert {item.municipality_id for item in left} == {lejre}
        assert national["waitlist"] == []
