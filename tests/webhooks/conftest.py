"""The fake of Twilio's API and a running service on the test's database, for every test here."""

from collections.abc import Iterator

import pytest

from tests.fakes.twilio_api import (
    TwilioApiFake,
    twilio_api,  # noqa: F401  (a fixture, used by name)
)
from tests.webhooks.twilio_service import Service, running_service


@pytest.fixture
def service(database_url: str, twilio_api: TwilioApiFake) -> Iterator[Service]:  # noqa: F811
    """The app with Twilio configured, on this test's database."""
    with running_service(database_url, twilio_api) as running:
        yield running
