"""`recruitbot chat` is a sandbox: a trial that books, waits and cancels leaves the store as it was.

Every table's rows and content are compared before and after, on SQLite and PostgreSQL; the
trial runs through the real command with scripted input.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner, Result

from conversation.service import Dialogue, start
from core.calendar import SendWindow
from core.settings import get_settings
from recruitbot.cli import app
from recruitbot.cli.chat import parse_duration
from store.models import Campaign, OptOut, StaffMember
from tests.factories import MONDAY, World, add_contact, make_world
from tests.store.snapshot import snapshot

runner = CliRunner()
TRIAL = "+4520998877"
# Monday 23 November 2026 at 09:05 in Copenhagen: the send window is open.
AT = "2026-11-23 09:05"
BOOK_WAIT_CANCEL = "ja\nja\nja\ngodt\ningen\n1\n/vent 2d\naflys\n\n"


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def world(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> World:
    """Roskilde's campaign with slots, and a real citizen whose invitation waits in the outbox."""
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    with Session(engine, expire_on_commit=False) as session:
        built = make_world(session)
        anne = add_contact(session, built, phone="+4520112233")
        start(
            session=session,
            dialogue=Dialogue(window=SendWindow()),
            contact=anne,
            campaign=built.campaign,
            now=MONDAY,
        )
        session.commit()
    return built


def chat(*args: str, input: str) -> tuple[Result, str]:
    result = runner.invoke(app, ["chat", "--phone", TRIAL, *args], input=input)
    return result, " ".join(result.output.split())  # rich wraps lines at the terminal's width


def test_a_trial_that_books_waits_and_cancels_leaves_every_table_as_it_was(
    world: World, database_url: str
) -> None:
    before = snapshot(database_url)
    result, output = chat("--campaign", str(world.campaign.id), "--at", AT, input=BOOK_WAIT_CANCEL)
    assert result.exit_code == 0, result.output
    assert "Mon 23.11.2026 09:05 bot Hej Prøveborger! Roskilde Kommune tilbyder dig" in output
    assert "Tak! Du er booket til en sundhedssamtale onsdag d. 25. november kl. 09.00" in output
    # The staff member's notice is shown, not sent.
    assert "would have been sent to staff (Mette, by console): Ny booking: 25.11.2026" in output
    # Two days later: the reminder the day before, at its time in Copenhagen.
    assert "Tue 24.11.2026 10:00 bot Påmindelse: Du har en sundhedssamtale onsdag" in output
    assert "The time is now Wed 25.11.2026 09:05." in output
    assert "Wed 25.11.2026 09:05 bot Din tid er aflyst." in output
    # The real citizen's invitation went out in the copy only, and is not shown.
    assert "Anne" not in output
    assert (
        "Messages to other people that came due in the copy, not shown and not sent: 1." in output
    )
    assert "The trial is over; the store is as it was." in output
    assert snapshot(database_url) == before


def test_the_trial_speaks_english_when_asked(world: World, database_url: str) -> None:
    before = snapshot(database_url)
    result, output = chat("--language", "en", "--at", AT, input="yes\n\n")
    assert result.exit_code == 0, result.output
    assert "bot Hi Prøveborger! Roskilde Kommune offers you a free health check" in output
    assert "bot Great! May we ask you 3-4 short questions" in output
    assert snapshot(database_url) == before


def test_outside_the_window_the_invitation_waits_for_the_next_opening(world: World) -> None:
    # Saturday evening: the invitation goes out on Monday at 09:00, as it would for real.
    result, output = chat("--at", "2026-11-21 20:00", input="\n")
    assert result.exit_code == 0, result.output
    assert "Mon 23.11.2026 09:00 bot Hej Prøveborger!" in output


def test_a_number_that_said_stop_is_not_invited(
    world: World, engine: Engine, database_url: str
) -> None:
    with Session(engine) as session:
        stopped = add_contact(session, world, phone=TRIAL, name="Bo Hansen")
        session.add(
            OptOut(contact_id=stopped.id, address=TRIAL, source="keyword", created_at=MONDAY)
        )
        session.commit()
    before = snapshot(database_url)
    result, output = chat("--at", AT, input="ja\n\n")
    assert result.exit_code == 1
    assert "This number has said STOP; a trial never invites it." in output
    assert "bot" not in output
    assert snapshot(database_url) == before


def test_a_number_in_a_conversation_is_not_invited_again(world: World) -> None:
    result, _ = chat("--at", AT, input="\n")
    assert result.exit_code == 0  # a fresh number is fine
    result = runner.invoke(app, ["chat", "--phone", "+4520112233", "--at", AT], input="\n")
    assert result.exit_code == 1
    assert "is in a conversation" in " ".join(result.output.split())


def test_an_unknown_campaign_is_a_clear_error(world: World) -> None:
    result, output = chat("--campaign", "999", input="\n")
    assert result.exit_code == 1
    assert "no campaign with id 999" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "4 January"], "2027-01-04 09:05"),
        (["--language", "de"], "da or en"),
    ],
)
def test_bad_options_are_clear_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["chat", "--phone", TRIAL, *args], input="\n")
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


class TestDurations:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2d", timedelta(days=2)),
            ("1d 3h", timedelta(days=1, hours=3)),
            ("3t", timedelta(hours=3)),
            ("90m", timedelta(minutes=90)),
            ("1D2T30M", timedelta(days=1, hours=2, minutes=30)),
        ],
    )
    def test_reads(self, text: str, expected: timedelta) -> None:
        assert parse_duration(text) == expected

    @pytest.mark.parametrize("text", ["", "2", "2x", "d", "0m", "400d", "2d foo"])
    def test_refuses(self, text: str) -> None:
        with pytest.raises(ValueError, match="duration"):
            parse_duration(text)

    @given(st.integers(0, 300), st.integers(0, 500), st.integers(0, 5000))
    def test_round_trip(self, days: int, hours: int, minutes: int) -> None:
        expected = timedelta(days=days, hours=hours, minutes=minutes)
        text = f"{days}d {hours}h {minutes}m"
        if timedelta(0) < expected <= timedelta(days=366):
            assert parse_duration(text) == expected
        else:
            with pytest.raises(ValueError, match="duration"):
                parse_duration(text)


def test_a_service_on_twilio_and_telegram_reaches_neither(
    world: World, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Providers at an address where nothing listens: a message handed to them would fail.
    monkeypatch.setenv("RECRUITBOT_CHANNEL", "twilio")
    monkeypatch.setenv("RECRUITBOT_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("RECRUITBOT_TWILIO_AUTH_TOKEN", "not-a-real-token")
    monkeypatch.setenv("RECRUITBOT_TWILIO_FROM", "+4520000000")
    monkeypatch.setenv("RECRUITBOT_TWILIO_API_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("RECRUITBOT_TELEGRAM_BOT_TOKEN", "123:not-a-real-token")
    monkeypatch.setenv("RECRUITBOT_TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    with Session(engine) as session:
        campaign = session.get_one(Campaign, world.campaign.id)
        campaign.channel = "twilio"
        staff = session.get_one(StaffMember, world.staff.id)
        staff.channel, staff.address = "telegram", "555"
        session.commit()
    before = snapshot(database_url)
    result, output = chat("--at", AT, input="ja\nnej\n1\n\n")
    assert result.exit_code == 0, result.output
    assert "bot Tak! Du er booket til en sundhedssamtale" in output
    assert "would have been sent to staff (Mette, by telegram): Ny booking" in output
    assert snapshot(database_url) == before
