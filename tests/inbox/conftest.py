"""The office every inbox test runs in, and the fake of Twilio's API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio_api import twilio_api  # noqa: F401  (a fixture, used by name)
from tests.inbox.support import Office, build_office


@pytest.fixture
def office(database_url: str) -> Iterator[Office]:
    """Mette without a device, Jonas with a phone for SMS notices, one invited citizen."""
    yield from build_office(database_url)


@pytest.fixture
def unstaffed(database_url: str) -> Iterator[Office]:
    """Neither staff member has Telegram or a phone."""
    yield from build_office(database_url, jonas_phone="")
