"""A citizen invited by SMS gives the bot the code from the SMS and goes on in the same dialogue."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from recruitbot.runtime import Runtime
from store import outbox
from store.models import Booking, ContactChannel, Conversation, Message, OptOut
from store.types import MessageStatus, Trigger
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import Updates, post
from tests.webhooks.telegram import scenario

CHAT = scenario.CITIZEN_CHAT


def linked_citizen(client: TestClient, runtime: Runtime, updates: Updates) -> int:
    made = scenario.world(runtime.engine, runtime.clock.now())
    contact_id = scenario.invite(runtime, made)
    code = scenario.citizen_code(runtime, contact_id)
    post(client, updates.text(CHAT, code))
    return contact_id


def texts(fake: FakeTelegram) -> list[str]:
    return [m["text"] for m in fake.sent(CHAT)]


class TestLinking:
    def test_the_code_from_the_sms_links_the_chat(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        with Session(runtime.engine) as session:
            link = session.scalars(select(ContactChannel)).one()
        assert (link.contact_id, link.channel, link.address) == (contact_id, "telegram", str(CHAT))
        [welcome] = texts(telegram_api)
        invitation = scenario.outbox(runtime, kind="invitation")[0]
        assert welcome.startswith("Tak! Nu kan du skrive med os her")
        assert invitation.text in welcome  # what we last wrote, so they can answer it here

    def test_start_with_the_code_from_a_t_me_link(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        contact_id = scenario.invite(runtime, made)
        code = scenario.citizen_code(runtime, contact_id)
        post(client, updates.text(CHAT, f"/start {code}"))
        with Session(runtime.engine) as session:
            assert session.scalars(select(ContactChannel)).one().contact_id == contact_id

    def test_a_stranger_is_asked_for_the_code(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        post(client, updates.text(CHAT, "Hej, hvem er I?"))
        post(client, updates.text(CHAT, "/start"))
        assert all("koden" in text for text in texts(telegram_api))
        assert len(texts(telegram_api)) == 2


class TestSameDialogueOnTelegram:
    def test_answers_come_back_on_telegram_up_to_a_booking(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        before_sms = len(scenario.outbox(runtime, channel="console", contact_id=contact_id))
        for text in ("Ja tak", "nej", "1"):
            post(client, updates.text(CHAT, text))
        assert len(telegram_api.sent(CHAT)) == 4  # welcome, question, times, confirmation
        assert "kl." in texts(telegram_api)[-1]
        # Nothing more went by SMS; the staff notice went to staff as before.
        assert len(scenario.outbox(runtime, channel="console", contact_id=contact_id)) == before_sms
        assert scenario.outbox(runtime, kind="staff_booking")[0].channel == "console"
        with Session(runtime.engine) as session:
            booking = session.scalars(select(Booking)).one()
            inbound = session.scalars(select(Message).where(col(Message.direction) == "in")).all()
            conversation = session.get_one(Conversation, booking.conversation_id)
        assert booking.contact_id == contact_id
        assert {m.channel for m in inbound} == {"telegram"}
        assert all(m.contact_id == contact_id for m in inbound)
        assert conversation.replied_at is not None

    def test_an_update_sends_its_own_answers_and_nobody_else_s(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        """The answer goes out at once; another citizen's queued message waits for its sender."""
        linked_citizen(client, runtime, updates)
        with Session(runtime.engine) as session:
            other_id = outbox.queue(
                session=session,
                channel="console",
                address="+4520999999",
                kind="reply",
                trigger=Trigger.REPLY,
                text="Til en anden borger",
                now=runtime.clock.now(),
            )
            session.commit()
        post(client, updates.text(CHAT, "Ja tak"))
        assert len(telegram_api.sent(CHAT)) == 2  # welcome, and the answer to "Ja tak"
        with Session(runtime.engine) as session:
            assert session.get_one(Message, other_id).status == MessageStatus.QUEUED

    def test_stop_on_telegram_opts_out_everywhere(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        contact_id = linked_citizen(client, runtime, updates)
        post(client, updates.text(CHAT, "/stop"))
        with Session(runtime.engine) as session:
            opt_out = session.scalars(select(OptOut)).one()
            conversation = session.scalars(select(Conversation)).one()
        assert (opt_out.contact_id, opt_out.channel) == (contact_id, None)
        assert conversation.status == "closed"
        assert scenario.outbox(runtime, kind="opt_out")[0].channel == "telegram"
        assert len(telegram_api.sent(CHAT)) == 2  # welcome, and the opt-out confirmed here

    def test_start_again_is_a_greeting_not_an_opt_in(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        linked_citizen(client, runtime, updates)
        post(client, updates.text(CHAT, "/start"))
        assert texts(telegram_api)[-1].startswith("Velkommen tilbage")
        with Session(runtime.engine) as session:
            assert (
                session.scalars(select(Message).where(col(Message.direction) == "in")).all() == []
            )
