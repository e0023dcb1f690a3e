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
from conversation.service import start
from core.settings import get_settings
from recruitbot.cli import app as cli
from store.db import make_engine, unit_of_work
from store.models import InboxItem, Message, StaffMember
from tests.booking.support import invite
from tests.factories import DIALOGUE, add_contact, make_world

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

    def test_the_coordinators_entry_is_marked(self, asked: str) -> None:
        out = " ".join(run("staff", "notices", "Mette", "--coordinator").split())
        assert "(coordinator: told of escalated callbacks)" in out
        engine = make_engine(asked)
        with Session(engine) as session:
            mette = session.scalars(select(StaffMember).where(col(StaffMember.name) == "Mette"))
            assert mette.one().coordinator is True
        engine.dispose()
        out = " ".join(run("staff", "notices", "Mette", "--not-coordinator").split())
        assert "coordinator" not in out


# What a citizen can write: Rich markup (an unbalanced "[/]" made Rich raise), ESC sequences
# that clear the screen or set the title, a C1 CSI, a bidi override, a line break.
HOSTILE = "Ring [/] mig [red]op[/red] \x1b[2J\x1b]0;pwn\x07 \x9b31m \u202eabc\nfalsk linje"
HOSTILE_NAME = "[/]Eve\x1b[31m Hansen"
RAW = ("\x1b", "\x9b", "\u202e", "\x07")


@pytest.fixture
def hostile(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A citizen with markup and escapes in their name asked for a call in the same spirit."""
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        world = make_world(session, now=now)
        world.campaign.status = "running"
        contact = add_contact(session, world, phone=PHONE, now=now, name=HOSTILE_NAME)
        start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=now)
        receive_text(
            session=session,
            dialogue=DIALOGUE,
            channel="console",
            address=PHONE,
            text=HOSTILE,
            provider_id="cli-hostile",
            now=now,
        )
        receive_text(
            session=session,
            dialogue=DIALOGUE,
            channel="console",
            address=PHONE,
            text="ring mig op",
            provider_id="cli-hostile-2",
            now=now,
        )
    engine.dispose()
    yield database_url
    get_settings.cache_clear()


class TestHostileText:
    def test_the_list_shows_it_inert(self, hostile: str) -> None:
        out = run("inbox")  # an unbalanced [/] crashed the table before
        assert "item(s)." in out
        assert not any(char in out for char in RAW), repr(out)
        (item,) = json.loads(run("inbox", "--json"))
        assert item["first_name"] == "[/]Eve\x1b[31m"  # the data itself is kept as written
        assert not any(char in run("inbox", "--json") for char in ("\x9b", "\u202e"))

    def test_show_prints_markup_as_typed_and_escapes_as_escapes(self, hostile: str) -> None:
        (item,) = json.loads(run("inbox", "--json"))
        out = run("inbox", "show", str(item["conversation_id"]))
        assert not any(char in out for char in RAW), repr(out)
        shown = "".join(out.splitlines())  # Rich wraps at 80 columns, at the spaces it keeps
        assert "Ring [/] mig [red]op[/red] \\x1b[2J\\x1b]0;pwn\\x07 \\x9b31m \\u202eabc" in shown
        assert "\\u202eabc\\nfalsk linje" in shown  # one message stays one line
