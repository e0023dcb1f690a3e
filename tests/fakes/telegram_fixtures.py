"""Fixtures for the Telegram tests (channel and webhook): the fake Bot API, a runtime wired to it,
the app, updates. The conftests of tests/channels/telegram and tests/webhooks/telegram use them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from channels.console import ConsoleChannel
from channels.telegram import TelegramChannel, TelegramConfig
from core.clock import SimulatedClock
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from tests.factories import MONDAY
from tests.fakes.telegram_api import TOKEN, FakeTelegram, _telegram_server, telegram_api
from tests.fakes.telegram_updates import SECRET, Updates

__all__ = [
    "_telegram_server",
    "client",
    "clock",
    "console",
    "runtime",
    "telegram",
    "telegram_api",
    "updates",
]

START = MONDAY + timedelta(hours=2)  # Monday 10:00 in Copenhagen


def telegram_settings(database_url: str, base_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=base_url,
        telegram_secret_token=SecretStr(SECRET),
        telegram_bot_username="sundhed_bot",
    )


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def telegram(telegram_api: FakeTelegram) -> Iterator[TelegramChannel]:
    """The real adapter, pointed at the fake."""
    channel = TelegramChannel(TelegramConfig(token=TOKEN, api_base_url=telegram_api.base_url))
    yield channel
    channel.close()


@pytest.fixture
def console() -> ConsoleChannel:
    return ConsoleChannel()


@pytest.fixture
def runtime(
    database_url: str,
    telegram_api: FakeTelegram,
    clock: SimulatedClock,
    telegram: TelegramChannel,
    console: ConsoleChannel,
) -> Iterator[Runtime]:
    runtime = build_runtime(
        telegram_settings(database_url, telegram_api.base_url),
        clock=clock,
        channels={"console": console, "telegram": telegram},
        migrate=False,
    )
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


@pytest.fixture
def updates(telegram_api: FakeTelegram) -> Updates:
    return Updates(telegram_api)
