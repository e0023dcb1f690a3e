"""The fake of Twilio's API, for every test here."""

from tests.fakes.twilio_api import twilio_api  # noqa: F401  (a fixture, used by name)
