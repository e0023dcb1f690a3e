"""`recruitbot staff|locations|slots|offers|outcome` on the test's database, on the real clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from booking.bookings import book
from conversation.service import start
from core.calendar import COPENHAGEN
from core.settings import get_settings
from recruitbot.cli import app as cli
from store.db import unit_of_work
from store.models import AuditEvent, Booking, FollowUp, MonitoringRecord, Slot
from tests.factories import DIALOGUE, WINDOW, add_contact, make_world

runner = CliRunner()


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the CLI at the test's database."""
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())  # rich wraps at 80 columns


def held_yesterday(engine: Engine) -> int:
    """A citizen's booking of a slot that has taken place (the CLI runs on the real clock)."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        world = make_world(session, now=now - timedelta(days=14), slot_days=12)
        world.campaign.status = "running"
        contact = add_contact(session, world, phone="+4520000001", now=now - timedelta(days=14))
        conversation = start(
            session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=now
        )
        slot_id = session.scalar(
            select(func.max(Slot.id)).where(col(Slot.starts_at) < now - timedelta(hours=1))
        )
        assert slot_id is not None and contact.id is not None and conversation.id is not None
        booking = book(
            session=session,
            slot_id=slot_id,
            contact_id=contact.id,
            conversation_id=conversation.id,
            now=now - timedelta(days=10),
            window=WINDOW,
        )
        assert booking.id is not None
        return booking.id


class TestStaffLocationsSlots:
    def test_from_staff_to_recurring_slots(self, cli_database: str, engine: Engine) -> None:
        assert "Staff member 1 added" in run(
            "staff", "add", "--name", "Mette Hansen", "--municipality", "Roskilde"
        )
        assert "Mette Hansen" in run("staff", "list", "--municipality", "265")
        assert "Location 1 added" in run(
            "locations",
            "add",
            "--name",
            "Sundhedscenter Roskilde",
            "--address",
            "Køgevej 1, 4000 Roskilde",
            "--municipality",
            "Roskilde",
            "--kind",
            "health_centre",
        )
        refused = run(
            "locations",
            "add",
            "--name",
            "Sundhedscenter Roskilde",
            "--address",
            "X",
            "--municipality",
            "Roskilde",
            code=1,
        )
        assert "already has a location" in refused
        assert "health_centre" in run("locations", "list")
        until = (datetime.now(COPENHAGEN) + timedelta(days=60)).date().isoformat()
        opened = run(
            "slots",
            "recurring",
            "--weekday",
            "tue",
            "--from",
            "09:00",
            "--to",
            "15:00",
            "--location",
            "Sundhedscenter Roskilde",
            "--staff",
            "Mette Hansen",
            "--minutes",
            "45",
            "--until",
            until,
        )
        assert "slots opened at Sundhedscenter Roskilde with Mette Hansen" in opened
        with Session(engine) as session:
            slots = session.scalars(select(Slot)).all()
            assert slots and len(slots) % 8 == 0
            assert all(s.starts_at.astimezone(COPENHAGEN).weekday() == 1 for s in slots)
        again = run(
            "slots",
            "recurring",
            "--weekday",
            "tue",
            "--from",
            "09:00",
            "--to",
            "15:00",
            "--location",
            "1",
            "--staff",
            "1",
            "--until",
            until,
            code=1,
        )
        assert "nothing was opened" in again
        day = next(WINDOW.working_days(datetime.now(COPENHAGEN).date() + timedelta(days=2)))
        while day.weekday() == 1:
            day = next(WINDOW.working_days(day + timedelta(days=1)))
        added = run("slots", "add", "--at", f"{day} 16:00", "--location", "1", "--staff", "1")
        assert "16:00–16:45" in added
        listed = run("slots", "list", "--free", "--staff", "Mette Hansen")
        assert "16:00–16:45" in listed and "free" in listed
        key = run("staff", "key", "Mette Hansen").split()[-1]
        assert key.startswith("rbk_")
        assert "yes" in run("staff", "list")


class TestOffersAndOutcome:
    def test_offers(self, cli_database: str) -> None:
        listed = run("offers", "list", "--municipality", "Roskilde")
        assert "rygestop" in listed and "traening_bevaegeapparat" in listed
        added = run(
            "offers",
            "add",
            "--municipality",
            "Roskilde",
            "--code",
            "svoemmehold",
            "--name",
            "Svømmehold",
        )
        assert "svoemmehold" in added
        assert "Svømmehold" in run("offers", "list", "--municipality", "Roskilde")
        run(
            "offers",
            "add",
            "--municipality",
            "Roskilde",
            "--code",
            "svoemmehold",
            "--name",
            "Igen",
            code=1,
        )

    def test_outcome_with_referrals_and_a_follow_up(
        self, cli_database: str, engine: Engine
    ) -> None:
        booking_id = held_yesterday(engine)
        unknown = run("outcome", str(booking_id), "--attended", "--referral", "yoga", code=1)
        assert "unknown municipal offers: yoga" in unknown
        done = run(
            "outcome",
            str(booking_id),
            "--attended",
            "--referral",
            "rygestop",
            "--referral",
            "motion",
            "--non-municipal",
            "Patientforening",
            "--waiting-days",
            "14",
            "--gp-advice",
            "--further-course",
        )
        assert f"Outcome recorded for booking {booking_id}" in done and "Follow-up" in done
        with Session(engine) as session:
            record = session.scalars(select(MonitoringRecord)).one()
            assert record.referrals_municipal == "rygestop,motion" and record.gp_advice
            assert session.scalars(select(FollowUp)).one().booking_id == booking_id
            assert session.get_one(Booking, booking_id).status == "attended"
            audited = session.scalars(
                select(AuditEvent).where(col(AuditEvent.action) == "booking.outcome")
            ).one()
            assert (audited.actor, audited.subject_id) == ("cli", booking_id)
        again = run("outcome", str(booking_id), "--no-show", code=1)
        assert "recorded already" in again

    def test_a_no_show(self, cli_database: str, engine: Engine) -> None:
        booking_id = held_yesterday(engine)
        assert "No-show recorded" in run("outcome", str(booking_id), "--no-show")
        with Session(engine) as session:
            assert session.get_one(Booking, booking_id).status == "no_show"
