"""An import never changes a person another municipality holds, nor moves a number unconfirmed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings, get_settings
from outreach.contacts import ImportReport, PartnerOwner, import_members
from outreach.contacts.guard import HELD_ELSEWHERE, PHONE_CHANGE
from recruitbot.app import create_app
from recruitbot.cli import app as cli
from recruitbot.runtime import build_runtime
from store.models import Contact, Membership, Municipality, Partner
from tests.api.support import bearer, make_key
from tests.factories import MONDAY
from tests.outreach.test_member_import import IDS, NOW, Raw

AASE = {"name": "Åse Holm", "phone": "20123456", "cpr": "0101701234", "municipality": "350"}


def _import(
    session: Session,
    *rows: Raw,
    partner: str,
    scope: int | None,
    confirm: bool = False,
    owner: PartnerOwner = PartnerOwner(),
) -> ImportReport:
    return import_members(
        session=session,
        rows=list(enumerate(rows, start=2)),
        partner_name=partner,
        pseudonymizer=IDS,
        now=NOW,
        scope_municipality_id=scope,
        owner=owner,
        confirm_phone_changes=confirm,
    )


@pytest.fixture
def places(session: Session) -> tuple[int, int]:
    """Roskilde and Lejre; Lejre's own list holds Åse."""
    roskilde = Municipality(code="265", name="Roskilde")
    lejre = Municipality(code="350", name="Lejre")
    session.add_all([roskilde, lejre])
    session.flush()
    assert roskilde.id is not None and lejre.id is not None
    report = _import(session, AASE, partner="Lejre Idræt", scope=lejre.id)
    assert report.imported == 1
    session.commit()
    return roskilde.id, lejre.id


def _aase(session: Session) -> Contact:
    session.expire_all()
    return session.exec(select(Contact)).one()


def _snapshot(contact: Contact) -> dict[str, Any]:
    return contact.model_dump()


def _partners_of(session: Session, contact: Contact) -> list[str]:
    return list(
        session.exec(
            select(Partner.name)
            .join(Membership, col(Membership.partner_id) == col(Partner.id))
            .where(col(Membership.contact_id) == contact.id)
            .order_by(col(Partner.name))
        ).all()
    )


class TestAnotherMunicipalitysPerson:
    def test_is_not_renamed_or_moved(self, session: Session, places: tuple[int, int]) -> None:
        roskilde, _ = places
        before = _snapshot(_aase(session))
        report = _import(
            session,
            {"name": "Åse Roskilde", "phone": "20 12 34 56", "municipality": "265"},
            {"name": "Someone", "phone": "30123456", "cpr": "0101701234"},
            partner="FOA Roskilde",
            scope=roskilde,
            confirm=True,
        )
        assert [(r.line, r.reason) for r in report.rejected] == [
            (2, HELD_ELSEWHERE),
            (3, HELD_ELSEWHERE),
        ]
        aase = _aase(session)
        assert _snapshot(aase) == before, "nothing of the person changed"
        assert _partners_of(session, aase) == ["Lejre Idræt"], "nor joined a list"
        partner = session.exec(select(Partner).where(Partner.name == "FOA Roskilde")).one()
        assert partner.municipality_id == roskilde, "a new partner is the importer's"

    def test_the_same_data_may_join_the_list(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        roskilde, _ = places
        before = _snapshot(_aase(session))
        report = _import(session, AASE, partner="FOA Roskilde", scope=roskilde)
        assert (report.updated, report.rejected) == (1, [])
        aase = _aase(session)
        assert _snapshot(aase) == before
        assert _partners_of(session, aase) == ["FOA Roskilde", "Lejre Idræt"]

    def test_a_national_import_may_change_them(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        report = _import(
            session,
            {"phone": "20123456", "name": "Åse Holm-Berg"},
            partner="DSR",
            scope=None,
            owner=PartnerOwner(national=True),
        )
        assert report.updated == 1 and _aase(session).name == "Åse Holm-Berg"

    def test_the_reasons_name_nobody(self) -> None:
        for reason in (HELD_ELSEWHERE, PHONE_CHANGE):
            assert not re.search(r"\d|Åse|Holm", reason)


class TestAPhoneChangeByCpr:
    def test_is_held_back_until_confirmed(self, session: Session, places: tuple[int, int]) -> None:
        _, lejre = places
        moved = {**AASE, "phone": "30123456"}
        report = _import(session, moved, partner="Lejre Idræt", scope=lejre)
        assert [(r.line, r.reason) for r in report.to_confirm] == [(2, PHONE_CHANGE)]
        assert report.as_dict()["to_confirm"] == [{"line": 2, "reason": PHONE_CHANGE}]
        assert (report.updated, report.unchanged, report.rejected) == (0, 0, [])
        assert _aase(session).phone == "+4520123456", "the old number still gets the texts"
        report = _import(session, moved, partner="Lejre Idræt", scope=lejre, confirm=True)
        assert report.updated == 1 and report.to_confirm == []
        assert _aase(session).phone == "+4530123456"


CSV = "Navn;Mobil;CPR\r\nÅse Holm;30123456;010170-1234\r\n"


def _settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def stored(database_url: str) -> str:
    runtime = build_runtime(_settings(database_url), clock=SimulatedClock(MONDAY), migrate=False)
    with Session(runtime.engine) as session:
        report = import_members(
            session=session,
            rows=[(2, {"name": "Åse Holm", "phone": "20123456", "cpr": "0101701234"})],
            partner_name="FOA Roskilde",
            pseudonymizer=runtime.pseudonymizer,
            now=MONDAY,
            owner=PartnerOwner(municipality="Roskilde"),
        )
        assert report.imported == 1
        session.commit()
    runtime.engine.dispose()
    return database_url


class TestReportedEverywhere:
    def test_by_the_api(self, stored: str) -> None:
        runtime = build_runtime(_settings(stored), clock=SimulatedClock(MONDAY), migrate=False)
        client = TestClient(create_app(runtime), raise_server_exceptions=False)
        key = bearer(make_key(runtime.engine, role=Role.COORDINATOR))
        files = {"file": ("medlemmer.csv", CSV.encode(), "text/csv")}
        response = client.post(
            "/api/v1/contacts/import", files=files, data={"partner": "FOA Roskilde"}, headers=key
        )
        assert response.status_code == 200, response.text
        assert response.json()["to_confirm"] == [{"line": 2, "reason": PHONE_CHANGE}]
        files = {"file": ("medlemmer.csv", CSV.encode(), "text/csv")}
        data = {"partner": "FOA Roskilde", "confirm_phone_changes": "true"}
        response = client.post("/api/v1/contacts/import", files=files, data=data, headers=key)
        assert response.json()["updated"] == 1 and response.json()["to_confirm"] == []
        runtime.engine.dispose()

    def test_by_the_command_line(
        self, stored: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", stored)
        get_settings.cache_clear()
        members = tmp_path / "medlemmer.csv"
        members.write_text(CSV, encoding="utf-8")
        try:
            result = CliRunner().invoke(cli, ["import", str(members), "--partner", "FOA Roskilde"])
            assert result.exit_code == 0, result.output
            assert "To confirm (1)" in result.output and "line 2:" in result.output
            result = CliRunner().invoke(
                cli,
                ["import", str(members), "--partner", "FOA Roskilde", "--confirm-phone-changes"],
            )
            assert result.exit_code == 0, result.output
            assert "updated 1" in result.output and "To confirm" not in result.output
        finally:
            get_settings.cache_clear()
