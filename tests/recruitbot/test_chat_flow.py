"""`recruitbot chat` walks the whole dialogue, in Danish and in English, on a copy of a store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from core.settings import Settings
from recruitbot.chat import ChatSession, Recorder, trial_runtime
from recruitbot.runtime import Runtime
from store.models import Booking
from store.types import BookingStatus
from tests.factories import MONDAY, make_world

NOW = MONDAY + timedelta(hours=2)


@pytest.fixture
def runtime(engine: Engine, database_url: str) -> Iterator[tuple[Runtime, Recorder]]:
    """A trial on a copy of a store with Roskilde's campaign and ten days of slots."""
    with Session(engine) as session:
        make_world(session)
        session.commit()
    with trial_runtime(Settings(database_url=database_url), start_at=NOW) as built:
        yield built


class Citizen:
    """Plays the citizen; each turn returns what the bot answered."""

    def __init__(self, runtime: Runtime, recorder: Recorder, phone: str) -> None:
        self.session = ChatSession(runtime=runtime, recorder=recorder, phone=phone)

    def open(self) -> list[str]:
        _, shown = self.session.open()
        return [s.text for s in shown if s.who == "citizen"]

    def say(self, text: str) -> list[str]:
        return [s.text for s in self.session.say(text) if s.who == "citizen"]


def only(texts: list[str]) -> str:
    assert len(texts) == 1, texts
    return texts[0]


def bookings(engine: Engine) -> list[Booking]:
    with Session(engine) as session:
        return list(session.scalars(select(Booking)))


class TestChatFlow:
    def test_the_whole_flow_in_danish(self, runtime: tuple[Runtime, Recorder]) -> None:
        built, recorder = runtime
        citizen = Citizen(built, recorder, "+4520112233")
        invitation = only(citizen.open())
        assert invitation.startswith("Hej Prøveborger! Roskilde Kommune tilbyder dig")
        assert "STOP" in invitation
        consent = only(citizen.say("Ja tak 👍"))
        assert "SPRING OVER" in consent and "sundhedspersonale" in consent
        assert only(citizen.say("ja")).startswith("Er du mellem 40 og 60 år?")
        assert only(citizen.say("jo")).startswith("Hvordan synes du, at dit helbred er")
        assert only(citizen.say("vaeldig godt")).startswith("Har du en eller flere af disse")
        first = only(citizen.say("1 og 4"))
        assert first.startswith("Her er ledige tider til din sundhedssamtale:\n1) ")
        assert "Skriv 1, 2 eller 3" in first and "FLERE" in first
        second = only(citizen.say("flere"))
        assert second.startswith("Her er ledige tider") and second != first
        chosen = second.split("\n")[2].removeprefix("2) ").split(", Sundhedscenter")[0]
        confirmation = only(citizen.say("den anden"))
        assert confirmation.startswith(f"Tak! Du er booket til en sundhedssamtale {chosen}")
        assert "Sundhedscenter Roskilde, Køgevej 1, 4000 Roskilde" in confirmation
        assert [b.status for b in bookings(built.engine)] == [BookingStatus.BOOKED]
        assert only(citizen.say("aflys")).startswith("Din tid er aflyst.")
        assert [b.status for b in bookings(built.engine)] == [BookingStatus.CANCELLED]

    def test_the_whole_flow_in_english(self, runtime: tuple[Runtime, Recorder]) -> None:
        built, recorder = runtime
        citizen = Citizen(built, recorder, "+4520445566")
        assert only(citizen.open()).startswith("Hej Prøveborger!")
        assert only(citizen.say("ENGLISH")).startswith("Hi Prøveborger! Roskilde Kommune offers")
        consent = only(citizen.say("yes"))
        assert consent.startswith("Great! May we ask you") and "SKIP" in consent
        assert only(citizen.say("yes please")).startswith("Are you between 40 and 60")
        assert only(citizen.say("yes")).startswith("In general, how would you rate your health?")
        assert only(citizen.say("good")).startswith("Do you have one or more of these")
        first = only(citizen.say("none"))
        assert first.startswith("Here are free times for your health conversation:\n1) ")
        assert "Reply 1, 2 or 3" in first and "MORE" in first
        assert only(citizen.say("more")) != first
        confirmation = only(citizen.say("the second one"))
        assert confirmation.startswith("Thank you! You are booked for a health conversation on")
        assert only(citizen.say("cancel")).startswith("Your time has been cancelled.")
        assert [b.status for b in bookings(built.engine)] == [BookingStatus.CANCELLED]
