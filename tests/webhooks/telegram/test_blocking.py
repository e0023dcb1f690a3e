"""A citizen who blocks the bot is opted out of everything, as by STOP; a staff member is unlinked.

A chat that is gone for another reason (a deleted account) stops Telegram only.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from delivery.sender import send_batch
from recruitbot.runtime import Runtime
from store import outbox
from store.db import unit_of_work
from store.models import Message, OptOut, Reminder, StaffMember
from store.types import DueStatus, MessageStatus, Trigger
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import Updates, post
from tests.webhooks.telegram import scenario
from tests.webhooks.telegram.test_citizen import linked_citizen
from webhooks.telegram.chat import CITIZEN_STILL_OPTED_OUT

CHAT = scenario.CITIZEN_CHAT


def queue(runtime: Runtime, contact_id: int, channel: str, text: str) -> int:
    with unit_of_work(runtime.engine) as session:
        address = str(CHAT) if channel == "telegram" else scenario.PHONE
        return outbox.queue(
            session=session,
            channel=channel,
            address=address,
            kind="info",
            trigger=Trigger.REPLY,
            text=text,
            now=runtime.clock.now(),
            contact_id=contact_id,
        )


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
    def test_opted_out_of_everything_at_once(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        waiting = queue(runtime, contact_id, "telegram", "venter")
        waiting_sms = queue(runtime, contact_id, "console", "venter pr. sms")
        post(client, updates.membership(CHAT, status="kicked"))
        with Session(runtime.engine) as session:
            opt_out = session.scalars(select(OptOut)).one()
            nudge = session.scalars(select(Reminder)).one()  # the invitation's reminder
        assert (opt_out.contact_id, opt_out.channel, opt_out.source) == (
            contact_id,
            None,
            "blocked",
        )
        assert status(runtime, waiting) == status(runtime, waiting_sms) == MessageStatus.CANCELLED
        assert nudge.status == DueStatus.CANCELLED
        later = queue(runtime, contact_id, "telegram", "senere")
        by_sms = queue(runtime, contact_id, "console", "pr. sms")
        deliver(runtime)
        assert status(runtime, later) == status(runtime, by_sms) == MessageStatus.QUEUED  # held
        assert "senere" not in [m["text"] for m in telegram_api.sent(CHAT)]

    def test_a_send_to_the_blocked_bot_opts_out_of_everything(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        telegram_api.block(CHAT)  # blocked, and Telegram's update about it never came
        refused = queue(runtime, contact_id, "telegram", "til telegram")
        same_batch = queue(runtime, contact_id, "console", "pr. sms i samme omgang")
        deliver(runtime)
        assert status(runtime, refused) == MessageStatus.FAILED
        assert status(runtime, same_batch) == MessageStatus.CANCELLED  # never handed over
        with Session(runtime.engine) as session:
            opt_out = session.scalars(select(OptOut)).one()
        assert (opt_out.channel, opt_out.source, opt_out.revoked_at) == (None, "blocked", None)

    def test_starting_the_bot_again_does_not_lift_it_start_does(
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
        post(client, updates.text(CHAT, "/start"))  # what Telegram sends on a restart
        deliver(runtime)
        assert status(runtime, held) == MessageStatus.QUEUED
        assert telegram_api.sent(CHAT)[-1]["text"] == CITIZEN_STILL_OPTED_OUT
        with Session(runtime.engine) as session:
            assert session.scalars(select(OptOut)).one().revoked_at is None
        post(client, updates.text(CHAT, "START"))
        deliver(runtime)
        with Session(runtime.engine) as session:
            assert session.scalars(select(OptOut)).one().revoked_at is not None
        assert status(runtime, held) == MessageStatus.SENT
        assert any(m["text"].startswith("Du er tilmeldt igen") for m in telegram_api.sent(CHAT))

    def test_the_same_block_twice_is_one_opt_out(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        linked_citizen(client, runtime, updates)
        post(client, updates.membership(CHAT, status="kicked"))
        post(client, updates.membership(CHAT, status="kicked"))
        with Session(runtime.engine) as session:
            assert len(session.scalars(select(OptOut)).all()) == 1


class TestTelegramGone:
    def test_a_deleted_account_stops_telegram_and_sms_goes_on(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        telegram_api.deactivate(CHAT)
        refused = queue(runtime, contact_id, "telegram", "til telegram")
        deliver(runtime)
        with Session(runtime.engine) as session:
            opt_out = session.scalars(select(OptOut)).one()
        assert (opt_out.channel, opt_out.source) == ("telegram", "provider")
        assert status(runtime, refused) == MessageStatus.FAILED
        later = queue(runtime, contact_id, "telegram", "senere")
        by_sms = queue(runtime, contact_id, "console", "pr. sms")
        deliver(runtime)
        assert status(runtime, later) == MessageStatus.QUEUED  # held back, not sent
        assert status(runtime, by_sms) == MessageStatus.SENT


class TestStaffBlocksTheBot:
    def test_unlinked_and_nothing_more_queued_to_the_chat(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        assert made.staff.id is not None
        scenario.link_staff_directly(runtime, made.staff.id)
        with unit_of_work(runtime.engine) as session:
            notice_id = outbox.queue(
                session=session,
                channel="telegram",
                address=str(scenario.STAFF_CHAT),
                kind="staff_booking",
                trigger=Trigger.REPLY,
                text="Ny booking",
                now=runtime.clock.now(),
                staff_member_id=made.staff.id,
            )
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
