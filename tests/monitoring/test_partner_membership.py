"""A campaign of several partners: each citizen is counted under the partner they came through.

FOA Roskilde (the campaign's first partner) has 6 members of its own, 3F Roskilde 7, Krifa
Roskilde 3; 2 people are on both 3F's and FOA's lists, so are FOA's (store.partners). Everyone
is launched, invited by the ticker, replies, books, attends and is referred; then the reports
are read per partner from the CLI and the API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from booking.outcomes import Outcome, record_outcome
from channels.console import ConsoleChannel
from conversation.intake import receive_text
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings, get_settings
from monitoring.filters import ReportFilter
from monitoring.funnel import compute_funnel
from monitoring.suppression import HIDDEN
from outreach.campaigns import launch
from recruitbot.app import create_app
from recruitbot.cli import app
from recruitbot.runtime import Runtime, build_runtime
from store.models import (
    Booking,
    CampaignPartner,
    Invitation,
    Membership,
    MonitoringRecord,
    Partner,
    Slot,
)
from tests.api.support import bearer, make_key
from tests.factories import MONDAY, add_contact, make_world

runner = CliRunner()
ONLY_FOA, ONLY_3F, BOTH, KRIFA_MEMBERS = 6, 7, 2, 3
EVERYONE = ONLY_FOA + ONLY_3F + BOTH + KRIFA_MEMBERS
FOA, TRE_F, KRIFA = "FOA Roskilde", "3F Roskilde", "Krifa Roskilde"
COUNTS = {FOA: ONLY_FOA + BOTH, TRE_F: ONLY_3F, KRIFA: KRIFA_MEMBERS}


@dataclass
class Campaign:
    runtime: Runtime
    campaign_id: int
    partner_ids: dict[str, int]
    phones: dict[str, list[str]]  # the phones credited to each partner


def _say(runtime: Runtime, session: Session, phone: str, text: str) -> None:
    receive_text(
        session=session,
        dialogue=runtime.dialogue,
        channel="console",
        address=phone,
        text=text,
        provider_id=f"{phone}-{text}-{runtime.clock.now().isoformat()}",
        now=runtime.clock.now(),
    )


def _run_until_everyone_is_invited(runtime: Runtime, clock: SimulatedClock, people: int) -> None:
    """Tick in simulated time until every invitation has been sent."""
    for _ in range(200):
        runtime.ticker.tick()
        with Session(runtime.engine) as session:
            sent = session.scalar(
                select(func.count()).where(col(Invitation.conversation_id).is_not(None))
            )
        if sent == people:
            return
        clock.set(clock.now() + timedelta(minutes=15))
    raise AssertionError("the invitations were not all sent")


@pytest.fixture
def campaign(database_url: str) -> Iterator[Campaign]:
    """Launch, invite, reply, book, attend, refer: the whole funnel for 15 people."""
    clock = SimulatedClock(MONDAY)
    runtime = build_runtime(
        Settings(database_url=database_url),
        clock=clock,
        channels={"console": ConsoleChannel()},
        migrate=False,
    )
    phones: dict[str, list[str]] = {FOA: [], TRE_F: [], KRIFA: []}
    with Session(runtime.engine) as session:
        world = make_world(session, slot_days=14)
        world.campaign.paced = False
        krifa = Partner(name=KRIFA, municipality_id=world.municipality.id)
        session.add(krifa)
        session.flush()
        partners = {FOA: world.partner, TRE_F: world.other_partner, KRIFA: krifa}
        campaign_id = world.campaign.id or 0
        for partner in partners.values():
            session.add(CampaignPartner(campaign_id=campaign_id, partner_id=partner.id or 0))
        lists = [TRE_F] * ONLY_3F + [FOA] * ONLY_FOA + [KRIFA] * KRIFA_MEMBERS
        for n, name in enumerate(lists + [TRE_F] * BOTH):
            phone = f"+4520{n:06d}"
            contact = add_contact(
                session, world, phone=phone, partner=partners[name], name=f"P{n} Hansen"
            )
            if n >= len(lists):  # on 3F's list first, then on FOA's too: still FOA's
                joined = MONDAY + timedelta(minutes=1)
                foa_id = world.partner.id or 0
                also = Membership(contact_id=contact.id or 0, partner_id=foa_id, created_at=joined)
                session.add(also)
                name = FOA
            phones[name].append(phone)
        session.flush()
        launch(session=session, campaign=world.campaign, now=MONDAY, window=runtime.window)
        session.commit()
        ids = {name: partner.id or 0 for name, partner in partners.items()}
    _run_until_everyone_is_invited(runtime, clock, EVERYONE)
    with Session(runtime.engine) as session:
        for phone in [phone for group in phones.values() for phone in group]:
            for text in ("ja", "nej", "1"):  # yes; no health questions; the first time offered
                _say(runtime, session, phone, text)
        session.commit()
        last = session.scalar(
            select(func.max(Slot.starts_at)).join(Booking, col(Booking.slot_id) == col(Slot.id))
        )
        assert last is not None
        after: datetime = last + timedelta(hours=2)
        outcome = Outcome(attended=True, referrals_municipal=("motion",))
        for booking_id in session.scalars(select(col(Booking.id))):
            record_outcome(
                session=session,
                dialogue=runtime.dialogue,
                booking_id=booking_id or 0,
                outcome=outcome,
                now=after,
            )
        session.commit()
    try:
        yield Campaign(runtime, campaign_id, ids, phones)
    finally:
        runtime.engine.dispose()


class TestEveryStepPerPartner:
    def test_invitations_records_and_funnel_per_partner_add_up(self, campaign: Campaign) -> None:
        expected = {campaign.partner_ids[name]: n for name, n in COUNTS.items()}
        with Session(campaign.runtime.engine) as session:
            for column in (Invitation.partner_id, MonitoringRecord.partner_id):
                rows = session.execute(select(col(column), func.count()).group_by(col(column)))
                assert dict(rows.all()) == expected, column
            whole = compute_funnel(session=session, campaign_id=campaign.campaign_id).as_dict()
            parts = {
                name: compute_funnel(
                    session=session, report_filter=ReportFilter(partner_id=partner_id)
                ).as_dict()
                for name, partner_id in campaign.partner_ids.items()
            }
        assert whole["invited"] == whole["booked"] == whole["referred"] == EVERYONE
        for name, count in COUNTS.items():
            assert parts[name]["invited"] == parts[name]["attended"] == count, name
        assert {step: sum(part[step] for part in parts.values()) for step in whole} == whole


class TestReportsByPartner:
    def test_cli_and_api_show_each_partner_s_members_small_ones_hidden(
        self, campaign: Campaign, database_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
        get_settings.cache_clear()
        client = TestClient(create_app(campaign.runtime), raise_server_exceptions=False)
        headers = bearer(make_key(campaign.runtime.engine, role=Role.EVALUATOR))
        try:
            for partner, shown in ((FOA, "8"), (TRE_F, "7"), (KRIFA, HIDDEN)):
                _funnel_shows(partner, shown)
                _tables_show(partner, shown)
                response = client.get(
                    "/api/v1/reports/funnel", params={"partner": partner}, headers=headers
                )
                assert response.status_code == 200
                assert response.json()["counts"]["invited"] == shown
        finally:
            get_settings.cache_clear()


def _funnel_shows(partner: str, shown: str) -> None:
    result = runner.invoke(app, ["report", "funnel", "--partner", partner])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["scope"]["partner"] == partner
    for step in ("invited", "replied", "screened_in", "booked", "attended", "referred"):
        assert body["counts"][step] == shown, (partner, step)


def _tables_show(partner: str, shown: str) -> None:
    result = runner.invoke(app, ["report", "tables", "--partner", partner])
    assert result.exit_code == 0, result.output
    (roskilde,) = json.loads(result.stdout)["municipalities"]
    assert roskilde["outcomes"]["health_checks"] == shown, partner
    assert roskilde["outcomes"]["referred_municipal"] == shown, partner
    assert (HIDDEN in json.dumps(roskilde)) == (shown == HIDDEN), partner
