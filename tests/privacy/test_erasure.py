"""Erasure on request: every row about the person, for good; the aggregates and a STOP remain."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from core.principal import Role
from core.settings import get_settings
from monitoring import evaluation_tables
from outreach import targeting
from outreach.contacts import import_members, read_member_file
from privacy.erasing import ERASE, erase_citizen
from recruitbot.cli import app as cli
from recruitbot.runtime import Runtime
from store.db import unit_of_work
from store.models import (
    AuditEvent,
    Booking,
    Campaign,
    Contact,
    InboxItem,
    Message,
    MonitoringRecord,
    Municipality,
    OptOut,
    Suppression,
)
from tests.api.support import bearer, make_key
from tests.booking.support import NOW, book
from tests.factories import make_world
from tests.privacy.support import (
    CHAT,
    NAME,
    NATIONAL,
    OTHER_NAME,
    PHONE,
    Held,
    app_on,
    found_in_files,
    found_in_tables,
    hold_everything,
    pseudonymizer,
    sqlite_files,
)

NEEDLES = [NAME, "Zebulonia", "Quaxtrup", PHONE, NATIONAL, CHAT]


@dataclass
class Erasable:
    runtime: Runtime
    client: TestClient
    held: Held
    ref: str
    url: str

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def needles(self) -> list[str]:
        return [*NEEDLES, self.ref]

    def erase(self, key: str) -> dict[str, object]:
        response = self.client.delete(f"/api/v1/citizens/{self.ref}", headers=bearer(key))
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body


@contextmanager
def erasable_on(database_url: str) -> Iterator[Erasable]:
    with app_on(database_url) as (runtime, client):
        with unit_of_work(runtime.engine) as session:
            held = hold_everything(session, pseudonymizer(database_url))
        yield Erasable(runtime, client, held, held.contact.public_id, database_url)


@pytest.fixture
def erasable(database_url: str) -> Iterator[Erasable]:
    with erasable_on(database_url) as erasable:
        yield erasable


@pytest.fixture
def on_sqlite(sqlite_template: Path, tmp_path: Path) -> Iterator[Erasable]:
    """The same, on a SQLite file only: its bytes and its -wal file are looked at directly."""
    path = tmp_path / "erasure.db"
    shutil.copyfile(sqlite_template, path)
    with erasable_on(f"sqlite:///{path}") as erasable:
        yield erasable


def coordinator(engine: Engine, municipality: str | None = "Roskilde") -> str:
    return make_key(engine, role=Role.COORDINATOR, municipality=municipality)


class TestEraseOnRequest:
    def test_deletes_every_row_about_the_person(self, erasable: Erasable) -> None:
        assert found_in_tables(erasable.engine, erasable.needles())  # the control: it is there
        body = erasable.erase(coordinator(erasable.engine))
        deleted = body["deleted"]
        assert isinstance(deleted, dict)
        assert body["erased"] is True and body["suppressed"] is True
        assert deleted["contacts"] == 1 and deleted["bookings"] == 1
        assert deleted["follow_ups"] == 1 and deleted["link_codes"] == 1
        assert deleted["provider_callbacks"] == 2 and deleted["contact_channels"] == 1
        assert deleted["staff_notices"] >= 1 and deleted["messages"] >= 6
        assert deleted["monitoring_records_delinked"] == 1
        assert found_in_tables(erasable.engine, erasable.needles()) == []
        assert found_in_tables(erasable.engine, [OTHER_NAME]), "another citizen was erased too"

    def test_leaves_nothing_in_the_sqlite_file_or_its_log(self, on_sqlite: Erasable) -> None:
        # Without secure_delete the deleted cells stay readable in the file, and without the
        # checkpoint their old pages stay in the -wal file: both were seen to fail this test.
        files = sqlite_files(on_sqlite.url)
        assert found_in_files(files, [NAME]), "the control: the name is in the file before"
        on_sqlite.erase(coordinator(on_sqlite.engine))
        assert found_in_files(sqlite_files(on_sqlite.url), on_sqlite.needles()) == []

    def test_keeps_the_evaluation_tables_as_they_were(self, erasable: Erasable) -> None:
        campaign_id = erasable.held.world.campaign.id
        with Session(erasable.engine) as session:
            before = evaluation_tables(session=session, campaign_id=campaign_id)
        erasable.erase(coordinator(erasable.engine))
        with Session(erasable.engine) as session:
            after = evaluation_tables(session=session, campaign_id=campaign_id)
            record = session.scalars(select(MonitoringRecord)).one()
        assert after == before
        assert record.booking_id is None and record.citizen_key.startswith("x-")

    def test_logs_the_erasure_without_personal_data(self, erasable: Erasable) -> None:
        erasable.erase(coordinator(erasable.engine))
        with Session(erasable.engine) as session:
            entries = session.scalars(select(AuditEvent)).all()
        erasure = [e for e in entries if e.action == ERASE]
        assert len(erasure) == 1 and erasure[0].subject_id is None
        assert erasure[0].detail.startswith("request: ") and "1 contacts" in erasure[0].detail
        assert not [e for e in entries if e.subject_type == "contact"], "the access log stays"
        shown = " ".join(f"{e.actor} {e.action} {e.detail}" for e in entries)
        assert not [n for n in erasable.needles() if n in shown]

    def test_another_municipality_cannot_see_or_erase_them(self, erasable: Erasable) -> None:
        for key in (coordinator(erasable.engine, "Lejre"),):
            response = erasable.client.delete(
                f"/api/v1/citizens/{erasable.ref}", headers=bearer(key)
            )
            assert response.status_code == 404, response.text
        for role in (Role.STAFF, Role.EVALUATOR):
            key = make_key(erasable.engine, role=role, municipality="Roskilde")
            response = erasable.client.delete(
                f"/api/v1/citizens/{erasable.ref}", headers=bearer(key)
            )
            assert response.status_code == 403, response.text
        assert found_in_tables(erasable.engine, [NAME])

    def test_an_unknown_pseudonym_is_404(self, erasable: Erasable) -> None:
        key = coordinator(erasable.engine, None)
        response = erasable.client.delete("/api/v1/citizens/c-nobody", headers=bearer(key))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestStopSurvivesErasure:
    def members(self, tmp_path: Path) -> Path:
        path = tmp_path / "medlemmer.csv"
        path.write_text(
            f"Navn;Mobil;Fødselsdato\r\n{NAME};{NATIONAL[:2]} {NATIONAL[2:4]} {NATIONAL[4:6]} "
            f"{NATIONAL[6:]};01-05-1976\r\n",
            encoding="utf-8",
        )
        return path

    def reimport(self, erasable: Erasable, tmp_path: Path) -> tuple[Contact, dict[str, int]]:
        with unit_of_work(erasable.engine) as session:
            import_members(
                session=session,
                rows=read_member_file(self.members(tmp_path)),
                partner_name="FOA Roskilde",
                pseudonymizer=erasable.runtime.pseudonymizer,
                now=NOW,
            )
            campaign = session.get_one(Campaign, erasable.held.world.campaign.id)
            buckets = targeting.count_buckets(
                session=session, campaign=campaign, send_date=NOW.date(), now=NOW
            )
            contact = session.scalars(select(Contact).where(col(Contact.phone) == PHONE)).one()
        return contact, buckets

    def test_a_reimported_list_does_not_invite_them_again(
        self, erasable: Erasable, tmp_path: Path
    ) -> None:
        erasable.erase(coordinator(erasable.engine))
        contact, buckets = self.reimport(erasable, tmp_path)
        assert buckets["opted_out"] == 1
        with Session(erasable.engine) as session:
            opt_out = session.scalars(
                select(OptOut).where(col(OptOut.contact_id) == contact.id)
            ).one()
            keys = session.scalars(select(col(Suppression.phone_hash))).all()
        assert opt_out.source == "suppression" and opt_out.channel is None
        assert keys == [erasable.runtime.pseudonymizer.suppression_key(PHONE)]
        assert PHONE not in keys[0] and len(keys[0]) == 64

    def test_without_the_erasure_they_are_invited(self, erasable: Erasable, tmp_path: Path) -> None:
        _, buckets = self.reimport(erasable, tmp_path)
        assert buckets["opted_out"] == 0


class TestEraseFromTheCommandLine:
    @pytest.fixture(autouse=True)
    def _settings(self, erasable: Erasable, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", erasable.url)
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def count(self, erasable: Erasable) -> int:
        with Session(erasable.engine) as session:
            return session.scalar(select(func.count()).select_from(Contact)) or 0

    def test_without_yes_it_shows_and_deletes_nothing(self, erasable: Erasable) -> None:
        result = CliRunner().invoke(cli, ["citizen", "erase", "--phone", NATIONAL])
        assert result.exit_code == 1, result.output
        assert "Would delete" in result.output and "1 contacts" in result.output
        assert "--yes" in result.output
        assert self.count(erasable) == 2

    def test_with_yes_it_erases(self, erasable: Erasable) -> None:
        result = CliRunner().invoke(cli, ["citizen", "erase", "--contact", erasable.ref, "--yes"])
        assert result.exit_code == 0, result.output
        assert f"Erased {erasable.ref}" in result.output
        assert self.count(erasable) == 1
        assert found_in_tables(erasable.engine, NEEDLES) == []

    def test_a_number_on_no_list_is_erased_too(self, erasable: Erasable) -> None:
        stranger = "+4529870000"
        from tests.booking.support import say

        with unit_of_work(erasable.engine) as session:
            say(session, stranger, "STOP")
            say(session, stranger, "Hvem er I?")
        result = CliRunner().invoke(cli, ["citizen", "erase", "--phone", stranger, "--yes"])
        assert result.exit_code == 0, result.output
        assert found_in_tables(erasable.engine, [stranger]) == []
        with Session(erasable.engine) as session:
            assert session.scalar(select(func.count()).select_from(Suppression)) == 1

    def test_a_number_that_wrote_first_leaves_no_inbox_item(self, erasable: Erasable) -> None:
        stranger = "+4529870000"
        with unit_of_work(erasable.engine) as session:
            municipality = session.scalars(select(Municipality)).first()
            assert municipality is not None and municipality.id is not None
            session.add(
                InboxItem(
                    municipality_id=municipality.id,
                    kind="wrote_first",
                    text="Kan jeg også komme?",
                    address=stranger,
                    created_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
                )
            )
        result = CliRunner().invoke(cli, ["citizen", "erase", "--phone", stranger, "--yes"])
        assert result.exit_code == 0, result.output
        assert found_in_tables(erasable.engine, [stranger]) == []

    def test_nothing_held_is_said_so(self, erasable: Erasable) -> None:
        result = CliRunner().invoke(cli, ["citizen", "erase", "--phone", "+4529870001", "--yes"])
        assert result.exit_code == 1
        assert "Nothing is held" in result.output

    def test_both_or_neither_is_an_error(self, erasable: Erasable) -> None:
        result = CliRunner().invoke(cli, ["citizen", "erase"])
        assert result.exit_code == 2
        assert "either --phone or --contact" in result.output


class TestBookingsAhead:
    def test_staff_are_told_without_a_name(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, PHONE)
        contact = session.get_one(Contact, booking.contact_id)
        ref = contact.public_id
        erase_citizen(
            session=session,
            contact=contact,
            phone=None,
            pseudonymizer=pseudonymizer("sqlite://"),
            actor="cli",
            now=NOW,
        )
        notices = session.scalars(
            select(Message).where(col(Message.staff_member_id).is_not(None))
        ).all()
        (notice,) = notices  # the booking notice named the person and went with them
        assert notice.text.startswith("Aflyst: 25.11.2026 kl. 09.00, Sundhedscenter Roskilde.")
        assert not [n for n in ("Anne", "Jensen", PHONE, NATIONAL, ref) if n in notice.text]
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
