"""What will be sent when: due rows placed in their campaign's window, and why some wait."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime

import time_machine
from sqlmodel import Session
from typer.testing import CliRunner

from conversation.schedule import PAUSED, Hold, Planned, next_send, plan
from core.settings import get_settings
from recruitbot.cli import app as cli
from recruitbot.cli.schedule import explain_nothing_sent
from store.db import make_engine, unit_of_work
from store.models import CampaignBlackout, CampaignWave, Invitation
from store.types import CampaignStatus, DueStatus
from tests.factories import MONDAY, WINDOW, World, add_contact, local, make_world


def invited(session: Session, world: World, due: datetime | None, n: int = 1) -> None:
    """Invitations to `n` new members: scheduled at `due`, or pending (not released) if None."""
    for _ in range(n):
        number = next(_numbers)
        contact = add_contact(session, world, phone=f"+4520{number:06d}")
        status = DueStatus.PENDING if due is None else DueStatus.SCHEDULED
        session.add(
            Invitation(
                campaign_id=world.campaign.id or 0,
                contact_id=contact.id or 0,
                due_at=due,
                status=status,
                position=number,
            )
        )
    session.flush()


_numbers = itertools.count(1)


def running(session: Session) -> World:
    world = make_world(session)
    world.campaign.status = CampaignStatus.RUNNING
    world.campaign.daily_limit = 2
    session.flush()
    return world


def planned_on(session: Session, days: int = 7) -> list[Planned]:
    return plan(session=session, window=WINDOW, now=MONDAY, days=days)


class TestPlacedInTheWindow:
    def test_before_the_window_opens_it_goes_at_nine(self, session: Session) -> None:
        world = running(session)
        invited(session, world, MONDAY, n=3)  # due 08:00
        [item] = planned_on(session)
        assert (item.at, item.count, item.kind) == (local(MONDAY.date(), 9), 3, "invitation")
        assert str(item.held) == "outside sending hours (09–18)" and not item.estimate

    def test_a_weekend_waits_for_monday(self, session: Session) -> None:
        world = running(session)
        invited(session, world, local(date(2026, 11, 28), 10))
        [item] = planned_on(session)
        assert item.at == local(date(2026, 11, 30), 9) and str(item.held) == "weekend"

    def test_a_blackout_waits_for_the_day_after(self, session: Session) -> None:
        world = running(session)
        session.add(
            CampaignBlackout(
                campaign_id=world.campaign.id or 0,
                first_day=date(2026, 11, 24),
                last_day=date(2026, 11, 24),
            )
        )
        invited(session, world, local(date(2026, 11, 24), 10))
        [item] = planned_on(session)
        assert item.at == local(date(2026, 11, 25), 9) and str(item.held) == "campaign blackout"

    def test_a_holiday_is_named(self, session: Session) -> None:
        world = running(session)
        invited(session, world, local(date(2026, 12, 25), 10))
        [item] = planned_on(session, days=40)
        assert item.at == local(date(2026, 12, 28), 9)
        assert str(item.held) == "holiday (Juledag)"

    def test_inside_the_window_it_goes_when_due(self, session: Session) -> None:
        world = running(session)
        invited(session, world, local(MONDAY.date(), 11))
        [item] = planned_on(session)
        assert item.at == local(MONDAY.date(), 11) and item.held is None

    def test_beyond_the_period_is_left_out(self, session: Session) -> None:
        world = running(session)
        invited(session, world, local(date(2026, 12, 10), 10))
        assert planned_on(session, days=7) == []
        assert len(planned_on(session, days=17)) == 1


class TestPacing:
    def test_pending_invitations_are_estimated_at_the_daily_limit(self, session: Session) -> None:
        world = running(session)
        invited(session, world, None, n=5)
        waves = planned_on(session)
        assert [(w.day, w.count) for w in waves] == [
            (date(2026, 11, 23), 2),
            (date(2026, 11, 24), 2),
            (date(2026, 11, 25), 1),
        ]
        assert all(w.estimate for w in waves)
        assert [str(w.held) for w in waves] == [
            "outside sending hours (09–18)",  # released when the window opens
            "daily limit: at most 2 invitations a working day",
            "daily limit: at most 2 invitations a working day",
        ]

    def test_after_todays_wave_the_rest_starts_tomorrow(self, session: Session) -> None:
        world = running(session)
        invited(session, world, None, n=1)
        session.add(
            CampaignWave(
                campaign_id=world.campaign.id or 0,
                day=MONDAY.date(),
                number=1,
                released=2,
                free_slots=10,
                in_flight=0,
                booking_rate=0.1,
                rate_observed=False,
                decided_at=MONDAY,
            )
        )
        session.flush()
        [wave] = planned_on(session)
        assert wave.day == date(2026, 11, 24)
        assert str(wave.held) == "daily limit: at most 2 invitations a working day"

    def test_a_paused_campaign_holds_its_invitations(self, session: Session) -> None:
        world = running(session)
        world.campaign.status = CampaignStatus.PAUSED
        invited(session, world, None, n=4)
        [held] = planned_on(session)
        assert (held.at, held.count, held.held) == (None, 4, Hold(PAUSED))
        assert next_send([held]) is None


class TestSaying:
    def test_nothing_sent_before_nine_says_when_the_window_opens(self, session: Session) -> None:
        world = running(session)
        invited(session, world, MONDAY)
        said = explain_nothing_sent(planned=planned_on(session), window=WINDOW, now=MONDAY)
        assert said.startswith("the send window is closed (09:00–18:00 on working days)")
        assert "next send: invitation at Mon 23 Nov 09:00" in said

    def test_the_cli_lists_the_plan_as_json(self, database_url: str) -> None:
        runtime_url = database_url
        engine = make_engine(runtime_url)
        with unit_of_work(engine) as session:
            world = running(session)
            invited(session, world, local(MONDAY.date(), 11), n=2)
            campaign_id = world.campaign.id
        engine.dispose()
        get_settings.cache_clear()
        with time_machine.travel(MONDAY, tick=False):
            result = CliRunner().invoke(
                cli,
                ["schedule", "--json", "--days", "3", "--campaign", str(campaign_id)],
                env={"RECRUITBOT_DATABASE_URL": runtime_url},
            )
        get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        [item] = json.loads(result.output)
        assert item["kind"] == "invitation" and item["count"] == 2
        assert datetime.fromisoformat(item["at"]) == local(MONDAY.date(), 11)
        assert item["campaign"] == campaign_id and item["held"] is None


def test_worker_once_says_why_nothing_went_and_when_the_next_send_is(database_url: str) -> None:
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        world = running(session)
        invited(session, world, local(MONDAY.date(), 7))
    engine.dispose()
    get_settings.cache_clear()
    with time_machine.travel(local(MONDAY.date(), 7, 5), tick=False):
        result = CliRunner().invoke(
            cli, ["worker", "--once"], env={"RECRUITBOT_DATABASE_URL": database_url}
        )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "sent 0." in said
    assert "Nothing sent: the send window is closed (09:00–18:00 on working days)" in said
    assert "next send: invitation at Mon 23 Nov 09:00 (outside sending hours (09–18))" in said
