"""The Telegram fixtures (tests/fakes/telegram_fixtures.py), used by name."""

from tests.fakes.telegram_fixtures import (  # noqa: F401  (fixtures, used by name)
    _telegram_server,
    client,
    clock,
    console,
    runtime,
    telegram,
    telegram_api,
    updates,
)
