"""`recruitbot inbox` on the test's database: the list as JSON, handled, a takeover, notices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import Session, col
from typer.testing import CliRunner

from conversation.intake import receive_text
from core.settings import get_settings
from recruitbot.cli import app as cli
from store.db import make_engine, unit_of_work
from store.models import InboxItem, Message, StaffMember
from tests.booking.support import invite
from tests.factories import DIALOGUE, make_world

runner = CliRunner()
PHONE = "+4520000001"


@pytest.fixture
def asked(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A citizen who asked for a call (the CLI runs on the real clock)."""
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        world = make_world(session, now=now)
        session.add(StaffMember(municipality_id=world.other_municipality.id or 0, name="Lise"))
        invite(session, world, PHONE, now=now)
        receive_text(
            session=session,
            dialogue=DIALOGUE,
            channel="console",
            address=PHONE,
            text="Ring mig op",
            provider_id="cli-1",
            now=now,
        )
    engine.dispose()
    yield database_url
    get_settings.cache_clear()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


class TestInboxCommand:
    def test_json_lists_the_items_with_the_fields_promised(self, asked: str) -> None:
        (item,) = json.loads(run("inbox", "--json"))
        assert {"id", "kind", "status", "created_at", "campaign", "text"} <= set(item)
        assert item["kind"] == "callback" and item["text"] == "Ring mig op"
        assert item["campaign"] == "Test" and item["status"] == "open"
        assert json.loads(run("inbox", "--json", "--staff", "Lise")) == []
        assert json.loads(run("inbox", "--json", "--municipality", "Lejre")) == []
        assert len(json.loads(run("inbox", "--json", "--staff", "Mette"))) == 1
        assert "1 open item(s)." in run("inbox")  # a table (rich wraps it at 80 columns)

    def test_handle_takeover_reply_and_hand_back(self, asked: str) -> None:
        (item,) = json.loads(run("inbox", "--json"))
        conversation = str(item["conversation_id"])
        run("inbox", "takeover", conversation, "--staff", "Mette")
        assert "Queued" in run(
            "inbox", "reply", conversation, "Hej, jeg ringer i dag", "--staff", "Mette"
        )
        assert "Hej, jeg ringer i dag" in run("inbox", "show", conversation)
        run("inbox", "hand-back", conversation, "--staff", "Mette")
        run("inbox", "handle", str(item["id"]), "--note", "Ringet op")
        assert "handled already" in run("inbox", "handle", str(item["id"]), "--note", "x", code=1)
        engine = make_engine(asked)
        with Session(engine) as session:
            done = session.get_one(InboxItem, item["id"])
            assert done.status == "handled" and done.handled_by == "cli"
            sent = session.scalars(select(Message).where(col(Message.kind) == "person_reply")).one()
            assert sent.staff_member_id is not None
        engine.dispose()

    def test_staff_notices_are_chosen_per_person(self, asked: str) -> None:
        out = run("staff", "notices", "Mette", "--phone", "20 12 34 56")
        assert "now going to sms" in " ".join(out.split())
        out = run("staff", "notices", "Mette", "--by", "inbox")
        assert "now going to none" in " ".join(out.split())
        assert "not a phone number" in run("staff", "notices", "Mette", "--phone", "12", code=1)
