"""Long polling for development, and the webhook commands, through the `recruitbot` CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from core.settings import get_settings
from recruitbot.cli import app
from store import link_codes
from store.db import make_engine, unit_of_work
from store.models import StaffMember
from tests.factories import make_world
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.telegram_updates import SECRET, Updates

CHAT = 5553003
runner = CliRunner()


@pytest.fixture
def env(
    database_url: str, telegram_api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Settings for the CLI: this test's database and the fake Bot API."""
    monkeypatch.setenv("RECRUITBOT_ENVIRONMENT", "test")
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("RECRUITBOT_TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("RECRUITBOT_TELEGRAM_API_BASE_URL", telegram_api.base_url)
    monkeypatch.setenv("RECRUITBOT_TELEGRAM_SECRET_TOKEN", SECRET)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def staff_with_code(database_url: str) -> tuple[int, str]:
    engine = make_engine(database_url)
    now = datetime.now(UTC)  # the CLI runs on the real clock
    with unit_of_work(engine) as session:
        world = make_world(session, now=now)
        assert world.staff.id is not None
        _, code = link_codes.issue(
            session=session,
            kind=link_codes.LinkKind.STAFF,
            target_id=world.staff.id,
            now=now,
            ttl=link_codes.STAFF_CODE_TTL,
        )
        staff_id = world.staff.id
    engine.dispose()
    return staff_id, code


class TestPoll:
    def test_once_handles_what_get_updates_returns(
        self, env: str, telegram_api: FakeTelegram, updates: Updates
    ) -> None:
        staff_id, code = staff_with_code(env)
        telegram_api.queue_update(updates.text(CHAT, f"/start {code}"))
        result = runner.invoke(app, ["telegram", "poll", "--once"])
        assert result.exit_code == 0, result.output
        assert "Handled 1 updates." in result.output
        engine = make_engine(env)
        with Session(engine) as session:
            staff = session.get_one(StaffMember, staff_id)
        engine.dispose()
        assert (staff.channel, staff.address) == ("telegram", str(CHAT))
        assert "getUpdates" in telegram_api.methods_called()
        assert telegram_api.sent(CHAT)[0]["text"].startswith("Hej Mette!")

    def test_an_update_fetched_twice_counts_once(
        self, env: str, telegram_api: FakeTelegram, updates: Updates
    ) -> None:
        telegram_api.queue_update(updates.text(CHAT, "Hej"))
        for _ in range(2):  # --once does not confirm the offset: the update comes again
            assert runner.invoke(app, ["telegram", "poll", "--once"]).exit_code == 0
        assert len(telegram_api.sent(CHAT)) == 1

    def test_refused_while_a_webhook_is_set(self, env: str, telegram_api: FakeTelegram) -> None:
        result = runner.invoke(app, ["telegram", "set-webhook", "https://kommune.example/hook"])
        assert result.exit_code == 0, result.output
        assert telegram_api.webhook is not None
        assert telegram_api.webhook["url"] == "https://kommune.example/hook"
        assert telegram_api.webhook["secret_token"] == SECRET
        result = runner.invoke(app, ["telegram", "poll", "--once"])
        assert result.exit_code == 1
        assert "delete-webhook" in result.output
        assert runner.invoke(app, ["telegram", "delete-webhook"]).exit_code == 0
        assert telegram_api.webhook is None


class TestStaffCode:
    def test_prints_a_code_and_a_link(self, env: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("RECRUITBOT_TELEGRAM_BOT_USERNAME", "@sundhed_bot")
        get_settings.cache_clear()
        staff_id, _ = staff_with_code(env)
        result = runner.invoke(app, ["telegram", "staff-code", str(staff_id)])
        assert result.exit_code == 0, result.output
        assert "Send the bot: /start " in result.output
        assert "https://t.me/sundhed_bot?start=" in result.output

    def test_without_a_token(self, env: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("RECRUITBOT_TELEGRAM_BOT_TOKEN")
        get_settings.cache_clear()
        result = runner.invoke(app, ["telegram", "poll", "--once"])
        assert result.exit_code == 2
        assert "RECRUITBOT_TELEGRAM_BOT_TOKEN" in result.output
