"""Questions are answered from the campaign's own facts, read from the store (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from conversation.intake import receive_text
from conversation.service import start
from store.models import Location, Message
from tests.factories import DIALOGUE, MONDAY, World, add_contact, make_world

NOW = MONDAY + timedelta(hours=2)
PHONE = "+4520000002"


def invited(session: Session) -> World:
    world = make_world(session)
    world.campaign.status = "running"
    contact = add_contact(session, world, phone=PHONE)
    start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=NOW)
    return world


def ask(session: Session, text: str) -> list[str]:
    """Write as the citizen; return the texts queued in reply."""
    before = session.scalar(select(func.max(Message.id))) or 0
    receive_text(
        session=session,
        dialogue=DIALOGUE,
        channel="console",
        address=PHONE,
        text=text,
        provider_id=f"q-{before}",
        now=NOW,
    )
    sent = select(Message).where(col(Message.id) > before, col(Message.direction) == "out")
    return [message.text for message in session.scalars(sent)]


class TestAnswersFromFacts:
    def test_where_the_number_came_from_names_the_partner(self, session: Session) -> None:
        invited(session)
        answer, asked_again = ask(session, "Hvor har I mit nummer fra?")
        assert "listen hos FOA Roskilde" in answer
        assert "STOP" in answer
        assert asked_again.startswith("Vi forstod desværre ikke")

    def test_where_names_the_one_place_with_its_address(self, session: Session) -> None:
        invited(session)
        answer, _ = ask(session, "hvor foregår det?")
        assert answer == "Samtalen foregår på Sundhedscenter Roskilde, Køgevej 1, 4000 Roskilde."

    def test_where_names_every_place_in_use_but_not_a_retired_one(self, session: Session) -> None:
        world = invited(session)
        session.add_all(
            [
                Location(
                    municipality_id=world.municipality.id or 0,
                    name="Biblioteket",
                    address="Dronning Margrethes Vej 14",
                ),
                Location(
                    municipality_id=world.municipality.id or 0,
                    name="Det gamle rådhus",
                    address="Stændertorvet 1",
                    retired_at=datetime(2026, 1, 1, tzinfo=UTC),
                ),
            ]
        )
        session.flush()
        answer, _ = ask(session, "hvor foregår det?")
        assert answer.startswith("Samtalerne foregår på Biblioteket eller Sundhedscenter Roskilde.")
        assert "rådhus" not in answer

    def test_how_long_is_the_length_of_the_free_times(self, session: Session) -> None:
        invited(session)
        answer, _ = ask(session, "hvor lang tid tager det?")
        assert answer == "Samtalen med en sundhedskonsulent tager 45 minutter."

    def test_a_price_question_keeps_the_general_answer(self, session: Session) -> None:
        invited(session)
        answer, _ = ask(session, "er det gratis?")
        assert answer == "Sundhedstjekket er gratis for dig."
