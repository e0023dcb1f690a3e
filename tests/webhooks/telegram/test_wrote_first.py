"""A citizen linked on Telegram but never invited writes first: the same rules as by SMS."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from recruitbot.runtime import Runtime
from store.db import unit_of_work
from store.models import Conversation, InboxItem, Invitation
from store.types import DueStatus
from tests.factories import add_contact
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import Updates, post
from tests.webhooks.telegram import scenario

CHAT = scenario.CITIZEN_CHAT


def linked_not_invited(
    client: TestClient, runtime: Runtime, updates: Updates, *, birth_date: date
) -> int:
    """A list member who linked the chat with a code but has no conversation yet."""
    made = scenario.world(runtime.engine, runtime.clock.now())
    with unit_of_work(runtime.engine) as session:
        contact = add_contact(
            session, made, phone=scenario.PHONE, birth_date=birth_date, now=runtime.clock.now()
        )
        assert contact.id is not None
        contact_id = contact.id
    post(client, updates.text(CHAT, scenario.citizen_code(runtime, contact_id)))
    return contact_id


def texts(fake: FakeTelegram) -> list[str]:
    return [m["text"] for m in fake.sent(CHAT)]


class TestWroteFirstOnTelegram:
    def test_a_member_in_the_target_is_taken_in_here(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        linked_not_invited(client, runtime, updates, birth_date=date(1976, 5, 1))
        post(client, updates.text(CHAT, "Kan jeg også komme?"))
        linked, welcome, consent = texts(telegram_api)
        assert linked.startswith("Tak! Nu kan du skrive med os her")
        assert welcome.startswith("Hej Anne! Tak for din besked. Du er meget velkommen")
        assert consent.startswith("Godt! Må vi stille dig")
        with Session(runtime.engine) as session:
            assert session.scalars(select(Conversation)).one().replied_at is not None
            assert session.scalars(select(Invitation)).one().status == DueStatus.DONE

    def test_outside_the_target_is_answered_here_and_shown_to_staff(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        contact_id = linked_not_invited(client, runtime, updates, birth_date=date(1990, 1, 1))
        post(client, updates.text(CHAT, "Kan jeg også komme?"))
        answer = texts(telegram_api)[-1]
        assert answer.startswith("Tak for din besked. Det er Roskilde Kommune")
        with Session(runtime.engine) as session:
            assert session.scalars(select(Conversation)).all() == []
            item = session.scalars(select(InboxItem)).one()
            assert (item.kind, item.contact_id, item.address) == ("wrote_first", contact_id, None)
