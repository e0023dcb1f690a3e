"""A citizen's export: everything held, who looked at it, and never the CPR number."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col
from typer.testing import CliRunner

from conversation.service import start
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import get_settings
from privacy.service import cpr_held
from recruitbot.cli import app as cli
from recruitbot.runtime import Runtime
from store.db import unit_of_work
from store.models import AuditEvent, Campaign, Contact, Municipality
from tests.api.support import bearer, make_key
from tests.factories import DIALOGUE, add_contact
from tests.privacy.support import (
    CHAT,
    CPR,
    NAME,
    OTHER_NAME,
    PHONE,
    Held,
    app_on,
    hold_everything,
    pseudonymizer,
)


@dataclass
class Exporting:
    runtime: Runtime
    client: TestClient
    held: Held
    url: str

    def export(self, key: str, ref: str | None = None) -> Any:
        path = f"/api/v1/citizens/{ref or self.held.contact.public_id}/export"
        return self.client.get(path, headers=bearer(key))


@pytest.fixture
def exporting(database_url: str) -> Iterator[Exporting]:
    with app_on(database_url) as (runtime, client):
        with unit_of_work(runtime.engine) as session:
            held = hold_everything(session, pseudonymizer(database_url))
        # Staff look after the outcome was recorded, as they would.
        assert isinstance(runtime.clock, SimulatedClock)
        runtime.clock.set(held.settled_at)
        yield Exporting(runtime, client, held, database_url)


def roskilde(exporting: Exporting) -> str:
    return make_key(exporting.runtime.engine, role=Role.COORDINATOR, municipality="Roskilde")


class TestExport:
    def test_holds_everything_about_the_person(self, exporting: Exporting) -> None:
        response = exporting.export(roskilde(exporting))
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["format"] == "recruitbot.citizen-export/1"
        contact = data["contact"]
        assert (contact["name"], contact["phone"]) == (NAME, PHONE)
        assert contact["municipality"] == "Roskilde"
        assert [m["partner"] for m in data["memberships"]] == ["FOA Roskilde"]
        assert [c["address"] for c in data["channels"]] == [CHAT]
        assert [i["status"] for i in data["invitations"]] == ["done"]
        (conversation,) = data["conversations"]
        assert conversation["close_reason"] == "attended" and conversation["consent"] is False
        texts = [(m["direction"], m["text"]) for m in data["messages"]]
        assert texts[0][0] == "out" and texts[0][1].startswith("Hej Zebulonia!")
        assert ("in", "ja") in texts and ("in", "1") in texts
        assert any(NAME in notice["text"] for notice in data["staff_notices"])
        (booking,) = data["bookings"]
        assert booking["status"] == "attended" and booking["staff_member"] == "Mette"
        assert [f["status"] for f in data["follow_ups"]] == ["scheduled"]
        (record,) = data["monitoring_records"]
        assert record["referrals_municipal"] == ["motion"] and record["further_course"] is True

    def test_never_holds_the_cpr_number(self, exporting: Exporting) -> None:
        body = exporting.export(roskilde(exporting)).text
        dashed = f"{CPR[:6]}-{CPR[6:]}"
        assert CPR not in body and dashed not in body
        with Session(exporting.runtime.engine) as session:
            token = session.get_one(Contact, exporting.held.contact.id).cpr_encrypted
        assert token and token not in body, "not even the encrypted copy leaves"
        cpr = json.loads(body)["contact"]["cpr"]
        assert cpr == "stored as a keyed hash for matching, and an encrypted copy is held"

    def test_the_access_log_says_who_looked_and_when(self, exporting: Exporting) -> None:
        reader = make_key(exporting.runtime.engine, role=Role.COORDINATOR)
        assert exporting.client.get("/api/v1/bookings", headers=bearer(reader)).status_code == 200
        log = exporting.export(roskilde(exporting)).json()["access_log"]
        actions = [entry["action"] for entry in log]
        assert actions[-2:] == ["citizen.read", "citizen.export"]
        read, export = log[-2:]
        assert read["detail"] == "GET /api/v1/bookings"
        assert read["actor"]["kind"] == "api_key" and read["actor"]["municipality"] == "all"
        assert export["actor"]["role"] == "coordinator"
        assert export["actor"]["municipality"] == "Roskilde" and export["actor"]["name"] == "test"
        assert "rbk_" not in json.dumps(log), "never a key's secret"
        (outcome,) = [entry for entry in log if entry["action"] == "booking.outcome"]
        assert outcome["actor"]["kind"] == "cli", "an outcome is audited whoever records it"

    def test_lists_the_bookings_entries_too(self, exporting: Exporting) -> None:
        booking_id = exporting.held.booking.id
        with unit_of_work(exporting.runtime.engine) as session:
            session.add(
                AuditEvent(
                    at=exporting.runtime.clock.now(),
                    actor="api_key:999",
                    action="booking.move",
                    subject_type="booking",
                    subject_id=booking_id,
                )
            )
        log = exporting.export(roskilde(exporting)).json()["access_log"]
        moved = [entry for entry in log if entry["action"] == "booking.move"]
        assert moved and moved[0]["actor"] == {
            "kind": "api_key",
            "key_id": 999,
            "role": None,
            "name": None,
            "municipality": None,
        }

    def test_another_municipality_gets_404(self, exporting: Exporting) -> None:
        lejre = make_key(exporting.runtime.engine, role=Role.COORDINATOR, municipality="Lejre")
        assert exporting.export(lejre).status_code == 404
        national = make_key(exporting.runtime.engine, role=Role.COORDINATOR)
        assert exporting.export(national).status_code == 200

    @pytest.mark.parametrize("role", [Role.STAFF, Role.EVALUATOR])
    def test_only_coordinators(self, exporting: Exporting, role: Role) -> None:
        key = make_key(exporting.runtime.engine, role=role, municipality="Roskilde")
        assert exporting.export(key).status_code == 403

    def test_a_resident_elsewhere_belongs_to_the_campaigns_municipality(
        self, exporting: Exporting
    ) -> None:
        world = exporting.held.world
        with unit_of_work(exporting.runtime.engine) as session:
            lejre = session.get_one(Municipality, world.other_municipality.id)
            elsewhere = add_contact(session, world, phone="+4529870002", municipality=lejre)
            ref = elsewhere.public_id
        assert exporting.export(roskilde(exporting), ref).status_code == 404
        with unit_of_work(exporting.runtime.engine) as session:
            contact = session.scalars(select(Contact).where(col(Contact.public_id) == ref)).one()
            campaign = session.get_one(Campaign, world.campaign.id)
            start(
                session=session,
                dialogue=DIALOGUE,
                contact=contact,
                campaign=campaign,
                now=exporting.runtime.clock.now(),
            )
        assert exporting.export(roskilde(exporting), ref).status_code == 200


class TestCprHeld:
    def test_says_what_is_held(self) -> None:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        contact = Contact(public_id="c-1", phone="+4520000000", created_at=now, updated_at=now)
        assert cpr_held(contact) == "not held"
        contact.cpr_hash = "ab" * 32
        assert cpr_held(contact) == "stored only as a keyed hash, for matching"


class TestExportFromTheCommandLine:
    def test_writes_the_file_and_logs_the_command(
        self, exporting: Exporting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", exporting.url)
        get_settings.cache_clear()
        out = tmp_path / "export.json"
        try:
            result = CliRunner().invoke(
                cli, ["citizen", "export", "--phone", PHONE, "--out", str(out)]
            )
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["contact"]["name"] == NAME and OTHER_NAME not in out.read_text()
        assert data["access_log"][-1]["actor"] == {
            "kind": "cli",
            "key_id": None,
            "role": None,
            "name": None,
            "municipality": None,
        }
