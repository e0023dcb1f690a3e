"""`recruitbot reply`: answer for an invited citizen on a store without an SMS provider."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from conversation.service import start
from core.settings import get_settings
from recruitbot.cli import app
from store.models import Message
from tests.factories import DIALOGUE, MONDAY, add_contact, make_world

PHONE = "+4520445566"
NOW = MONDAY + timedelta(hours=2)


@pytest.fixture(autouse=True)
def store(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invited(engine: Engine, *, channel: str, others: tuple[str, ...] = ()) -> None:
    """Invite PHONE (and `others`), their invitations still queued in the outbox."""
    with Session(engine) as session:
        world = make_world(session)
        world.campaign.channel = channel
        for phone in (PHONE, *others):
            contact = add_contact(session, world, phone=phone)
            start(
                session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign,
                now=NOW,
            )  # fmt: skip
        session.commit()


def sent_to(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(
            session.scalars(
                select(Message.address).where(
                    col(Message.direction) == "out", col(Message.status) == "sent"
                )
            )
        )


def inbound(engine: Engine) -> int:
    with Session(engine) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Message).where(col(Message.direction) == "in")
            )
            or 0
        )


def run(*args: str, typed: str = "") -> tuple[int, str]:
    with time_machine.travel(NOW, tick=False):
        result = CliRunner().invoke(app, ["reply", *args], input=typed)
    return result.exit_code, result.output


class TestReply:
    def test_each_line_is_received_and_answered_and_kept(self, engine: Engine) -> None:
        invited(engine, channel="console")
        code, output = run("--phone", "20 44 55 66", typed="ja\n\n")
        assert code == 0, output
        assert "Campaign:" in output and "bot  Godt!" in output
        assert inbound(engine) == 1

    def test_only_the_citizens_answers_go_the_rest_is_the_workers(self, engine: Engine) -> None:
        # As after an SMS webhook: other citizens' queued messages wait for the worker.
        invited(engine, channel="console", others=("+4520445567",))
        code, output = run("--phone", PHONE, typed="ja\n\n")
        assert code == 0, output
        assert sent_to(engine) == {PHONE}

    def test_a_conversation_on_a_real_channel_is_refused(self, engine: Engine) -> None:
        # A real citizen answers from their own phone: nothing is written in their name.
        invited(engine, channel="twilio")
        code, output = run("--phone", PHONE, typed="ja\n\n")
        assert code == 1
        assert "runs on twilio" in output and "never writes in their name" in output
        assert inbound(engine) == 0

    def test_no_open_conversation_says_so(self, engine: Engine) -> None:
        code, output = run("--phone", PHONE)
        assert code == 1 and "No open conversation with that number" in output

    def test_a_number_that_takes_no_sms_is_a_clear_error(self) -> None:
        code, output = run("--phone", "12")
        assert code == 2 and "not a phone number" in output
