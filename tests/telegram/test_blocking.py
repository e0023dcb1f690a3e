"""A user who blocks the bot is opted out of Telegram, and of Telegram only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from outreach.sending import send_batch
from recruitbot.runtime import Runtime
from store import outbox
from store.db import unit_of_work
from store.models import Message, OptOut, StaffMember
from store.types import MessageStatus, Trigger
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram import scenario
from tests.telegram.test_citizen import linked_citizen
from tests.telegram.updates import Updates, post

CHAT = scenario.CITIZEN_CHAT


def queue(runtime: Runtime, contact_id: int, channel: str, text: str) -> int:
    with unit_of_work(runtime.engine) as session:
        address = str(CHAT) if channel == "telegram" else scenario.PHONE
        message = outbox.queue(
            session=session,
            channel=channel,
            address=address,
            kind="info",
            trigger=Trigger.REPLY,
            text=text,
            now=runtime.clock.now(),
            contact_id=contact_id,
        )
        session.flush()
        assert message.id is not None
        return message.id


def deliver(runtime: Runtime) -> None:
    send_batch(
        engine=runtime.engine,
        channels=runtime.channels,
        window=runtime.window,
        now=runtime.clock.now(),
        limit=50,
    )


def status(runtime: Runtime, message_id: int) -> str:
    with Session(runtime.engine) as session:
        return session.get_one(Message, message_id).status


class TestCitizenBlocksTheBot:
    def test_opted_out_of_telegram_and_still_reached_by_sms(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        waiting = queue(runtime, contact_id, "telegram", "venter")
        post(client, updates.membership(CHAT, status="kicked"))
        with Session(runtime.engine) as session:
            opt_out = session.scalars(select(OptOut)).one()
        assert (opt_out.contact_id, opt_out.channel, opt_out.source) == (
            contact_id,
            "telegram",
            "blocked",
        )
        assert status(runtime, waiting) == MessageStatus.CANCELLED
        later = queue(runtime, contact_id, "telegram", "senere")
        by_sms = queue(runtime, contact_id, "console", "pr. sms")
        deliver(runtime)
        assert status(runtime, later) == MessageStatus.QUEUED  # held back, not sent
        assert status(runtime, by_sms) == MessageStatus.SENT
        assert "senere" not in [m["text"] for m in telegram_api.sent(CHAT)]

    def test_starting_the_bot_again_lifts_it(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        post(client, updates.membership(CHAT, status="kicked"))
        held = queue(runtime, contact_id, "telegram", "holdt tilbage")
        post(client, updates.membership(CHAT, status="member"))
        deliver(runtime)
        assert status(runtime, held) == MessageStatus.SENT
        with Session(runtime.engine) as session:
            assert session.scalars(select(OptOut)).one().revoked_at is not None

    def test_the_same_block_twice_is_one_opt_out(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        linked_citizen(client, runtime, updates)
        post(client, updates.membership(CHAT, status="kicked"))
        post(client, updates.membership(CHAT, status="kicked"))
        with Session(runtime.engine) as session:
            assert len(session.scalars(select(OptOut)).all()) == 1


class TestStaffBlocksTheBot:
    def test_unlinked_and_nothing_more_queued_to_the_chat(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        assert made.staff.id is not None
        scenario.link_staff_directly(runtime, made.staff.id)
        with unit_of_work(runtime.engine) as session:
            notice = outbox.queue(
                session=session,
                channel="telegram",
                address=str(scenario.STAFF_CHAT),
                kind="staff_booking",
                trigger=Trigger.REPLY,
                text="Ny booking",
                now=runtime.clock.now(),
                staff_member_id=made.staff.id,
            )
            session.flush()
            notice_id = notice.id
        assert notice_id is not None
        post(client, updates.membership(scenario.STAFF_CHAT, status="kicked"))
        with Session(runtime.engine) as session:
            staff = session.get_one(StaffMember, made.staff.id)
        assert (staff.channel, staff.address) == ("console", "")
        assert status(runtime, notice_id) == MessageStatus.CANCELLED

    def test_a_chat_nobody_linked_changes_nothing(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        assert post(client, updates.membership(999, status="kicked")).status_code == 200
        with Session(runtime.engine) as session:
            assert session.scalars(select(OptOut)).all() == []
