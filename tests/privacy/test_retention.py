"""The retention job on a simulated clock: who is erased, who stays, and only once a day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from core.clock import SimulatedClock
from core.settings import Settings, get_settings
from privacy.retention import RetentionJob
from recruitbot.cli import app as cli
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work
from store.models import (
    AuditEvent,
    Booking,
    Contact,
    Conversation,
    FollowUp,
    InboxItem,
    Invitation,
    Message,
    OptOut,
    Suppression,
)
from tests.booking.support import say
from tests.factories import MONDAY, World, add_contact, make_world

T0 = MONDAY  # Monday 23 November 2026, 08:00 in Copenhagen
YEAR_ON = T0 + timedelta(days=366)
STRANGER = "+4529870009"


@dataclass
class Store:
    runtime: Runtime
    clock: SimulatedClock
    world: World
    url: str

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def phones(self) -> set[str]:
        with Session(self.engine) as session:
            return set(session.scalars(select(col(Contact.phone))))

    def add(self, phone: str, *, at: datetime = T0) -> Contact:
        with unit_of_work(self.engine) as session:
            return add_contact(session, self.world, phone=phone, now=at)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    clock = SimulatedClock(T0)
    runtime = build_runtime(Settings(database_url=database_url), clock=clock, migrate=False)
    with unit_of_work(runtime.engine) as session:
        world = make_world(session, now=T0)
    try:
        yield Store(runtime, clock, world, database_url)
    finally:
        runtime.engine.dispose()


def conversation(session: Session, world: World, contact: Contact, at: datetime) -> Conversation:
    assert world.campaign.id is not None and contact.id is not None
    row = Conversation(
        contact_id=contact.id,
        campaign_id=world.campaign.id,
        channel="console",
        state="{}",
        status="closed",
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def people(store: Store) -> dict[str, str]:
    """A year ago, six people; what happened since differs."""
    idle = store.add("+4529870001")
    pending = store.add("+4529870002")
    overdue = store.add("+4529870003")
    opted_out = store.add("+4529870004")
    recent = store.add("+4529870005")
    store.add("+4529870006", at=T0 + timedelta(days=300))  # joined a list later
    with unit_of_work(store.engine) as session:
        campaign_id = store.world.campaign.id or 0
        session.add(
            Invitation(campaign_id=campaign_id, contact_id=pending.id or 0, status="pending")
        )
        talk = conversation(session, store.world, overdue, T0)
        booking = Booking(
            slot_id=1,
            contact_id=overdue.id or 0,
            conversation_id=talk.id or 0,
            status="attended",
            created_at=T0,
        )
        session.add(booking)
        session.flush()
        session.add(FollowUp(booking_id=booking.id or 0, conversation_id=talk.id or 0, due_at=T0))
        session.add(
            OptOut(
                contact_id=opted_out.id, address=opted_out.phone, source="keyword", created_at=T0
            )
        )
        session.add(
            Message(
                contact_id=recent.id,
                direction="in",
                channel="console",
                address=recent.phone,
                kind="reply",
                trigger="reply",
                text="Tak",
                status="received",
                created_at=T0 + timedelta(days=200),
            )
        )
        say(session, STRANGER, "Hvem er I?", now=T0)  # a number on no list writes
    return {
        "idle": idle.phone,
        "pending": pending.phone,
        "overdue": overdue.phone,
        "opted_out": opted_out.phone,
        "recent": recent.phone,
        "later": "+4529870006",
    }


class TestTheDailyRun:
    def test_erases_only_those_past_the_period_with_nothing_ahead(self, store: Store) -> None:
        who = people(store)
        store.clock.set(T0 + timedelta(days=364))
        store.runtime.ticker.tick()
        assert len(store.phones()) == 6, "nobody is a year past yet"
        store.clock.set(YEAR_ON)
        store.runtime.ticker.tick()
        kept = {who[name] for name in ("pending", "overdue", "recent", "later")}
        assert store.phones() == kept
        with Session(store.engine) as session:
            keys = session.scalars(select(col(Suppression.phone_hash))).all()
            strangers = session.scalars(
                select(Message).where(col(Message.address) == STRANGER)
            ).all()
        pseudonyms = store.runtime.pseudonymizer
        assert keys == [pseudonyms.suppression_key(who["opted_out"])], "only the STOP stays"
        assert strangers == [], "messages from a number on no list are swept too"

    def test_an_inbox_item_from_a_number_on_no_list_is_swept(self, store: Store) -> None:
        people(store)
        with unit_of_work(store.engine) as session:
            session.add(
                InboxItem(
                    municipality_id=store.world.municipality.id or 0,
                    kind="wrote_first",
                    text="Hvem er I?",
                    address=STRANGER,
                    created_at=T0,
                )
            )
        store.clock.set(YEAR_ON)
        store.runtime.ticker.tick()
        with Session(store.engine) as session:
            assert session.scalars(select(InboxItem)).all() == []

    def test_runs_once_a_day(self, store: Store) -> None:
        store.clock.set(YEAR_ON)
        store.runtime.ticker.tick()
        store.add("+4529870007")  # past the period, but today's run is done
        store.clock.advance(timedelta(hours=3))
        store.runtime.ticker.tick()
        assert store.phones() == {"+4529870007"}
        store.clock.advance(timedelta(days=1))
        store.runtime.ticker.tick()
        assert store.phones() == set()
        with Session(store.engine) as session:
            runs = session.scalar(
                select(func.count()).where(col(AuditEvent.action) == "retention.run")
            )
        assert runs == 2

    def test_another_process_does_not_run_it_again(self, store: Store) -> None:
        store.clock.set(YEAR_ON)
        store.runtime.ticker.tick()
        store.add("+4529870007")
        other = RetentionJob(days=365, pseudonymizer=store.runtime.pseudonymizer)
        other(engine=store.engine, now=store.clock.now())
        assert store.phones() == {"+4529870007"}

    def test_a_failing_job_leaves_the_rest_of_the_tick(self, store: Store) -> None:
        def broken(*, engine: Engine, now: datetime) -> None:
            raise RuntimeError("disk full")

        store.runtime.ticker.daily_jobs = (broken,)
        store.runtime.ticker.tick()  # no exception


class TestTheCommand:
    @pytest.fixture(autouse=True)
    def _settings(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", store.url)
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def invoke(self, *args: str) -> str:
        # The command reads the system clock; it is a year on.
        with time_machine.travel(YEAR_ON, tick=False):
            result = CliRunner().invoke(cli, ["retention", "run", *args])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    def test_dry_run_counts_and_erases_nothing(self, store: Store) -> None:
        people(store)
        said = self.invoke("--dry-run")
        assert "Would erase 2 citizens with nothing since 2026-11-24 (365-day retention)" in said
        assert "1 of them had opted out" in said
        assert len(store.phones()) == 6

    def test_run_erases(self, store: Store) -> None:
        people(store)
        said = self.invoke()
        assert "Erased 2 citizens" in said
        assert "Also deleted, older than that: 2 messages" in said  # the stranger's, our reply
        assert len(store.phones()) == 4


class TestTheSetting:
    def test_defaults_to_a_year(self) -> None:
        assert Settings().retention_days == 365

    def test_refuses_less_than_the_reinvitation_guard(self) -> None:
        with pytest.raises(ValidationError, match="retention_days"):
            Settings(retention_days=30)
