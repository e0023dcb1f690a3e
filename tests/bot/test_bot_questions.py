"""Questions about the campaign are answered from its own facts, then asked again (issue 15)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from bot_engine_support import SLOTS, K, kinds, make_ctx, say  # tests/bot/bot_engine_support.py

from bot.flow import DEFAULT_FLOW
from bot.flows.common import answer
from bot.questions import question_topic
from bot.sms import fits
from bot.types import ConversationState, Language, Place, Step

PLACES = (Place("Sundhedscenter Roskilde", "Køgevej 1"), Place("Biblioteket", "Algade 2"))


class TestTopic:
    @pytest.mark.parametrize(
        ("text", "topic"),
        [
            ("hvad koster det?", "price"),
            ("Er det gratis?", "price"),
            ("how much does it cost?", "price"),
            ("hvor lang tid tager det?", "duration"),
            ("how long does it take?", "duration"),
            ("hvor foregår det?", "where"),
            ("Hvor ligger det?", "where"),
            ("hvor skal jeg møde op?", "where"),
            ("where is it?", "where"),
            ("hvem er afsender?", "sender"),
            ("Hvem står bag?", "sender"),
            ("hvordan har I fået mit nummer?", "number"),
            ("where did you get my number?", "number"),
            ("hvem ser mine svar?", "data"),
            ("hvad skal I bruge det til?", "data"),
            ("why do you need to know?", "data"),
        ],
    )
    def test_topic(self, text: str, topic: str) -> None:
        assert question_topic(text) == topic

    @pytest.mark.parametrize("text", ["ja tak", "gratis parkering", "", "hvad?"])
    def test_no_topic(self, text: str) -> None:
        assert question_topic(text) is None


def answered(topic: str, lang: Language = "da", step: Step = Step.INVITED, **ctx: object) -> str:
    state = ConversationState(step=step, lang=lang)
    return answer(topic, state, make_ctx(**ctx), DEFAULT_FLOW).text


class TestAnswerFromFacts:
    def test_where_one_place_with_its_address(self) -> None:
        text = answered("where", places=PLACES[:1])
        assert text == "Samtalen foregår på Sundhedscenter Roskilde, Køgevej 1."

    def test_where_several_places(self) -> None:
        text = answered("where", places=PLACES)
        assert text.startswith("Samtalerne foregår på Sundhedscenter Roskilde eller Biblioteket.")
        english = answered("where", "en", places=PLACES)
        assert english.startswith("The talks take place at Sundhedscenter Roskilde or Biblioteket.")

    def test_where_booked_names_the_booking_s_place(self) -> None:
        text = answered("where", step=Step.BOOKED, places=PLACES, booking=SLOTS[0])
        assert text == "Samtalen foregår på Sundhedscenter Roskilde, Køgevej 1."

    def test_where_without_places_is_the_general_answer(self) -> None:
        assert answered("where", places=()) == DEFAULT_FLOW.text("answer_where", "da", {})

    def test_where_too_long_for_two_sms_is_the_general_answer(self) -> None:
        many = tuple(Place(f"Sundhedscenter nummer {n} i kommunen", "Vej 1") for n in range(12))
        text = answered("where", places=many)
        assert fits(text)
        assert text == DEFAULT_FLOW.text("answer_where", "da", {})

    def test_how_long_the_free_times_take(self) -> None:
        short = replace(SLOTS[1], duration_min=30)
        assert "tager 45 minutter" in answered("duration", free_slots=SLOTS)
        assert "tager 30-45 minutter" in answered("duration", free_slots=(short, *SLOTS))

    def test_how_long_the_booking_takes(self) -> None:
        booked = replace(SLOTS[0], duration_min=60)
        text = answered("duration", step=Step.BOOKED, booking=booked, free_slots=SLOTS)
        assert "tager 60 minutter" in text

    def test_how_long_without_times_is_the_general_answer(self) -> None:
        text = answered("duration", free_slots=(), booking=None)
        assert text == DEFAULT_FLOW.text("answer_duration", "da", {})

    def test_where_the_number_came_from_names_the_partner(self) -> None:
        assert "listen hos FOA" in answered("number", partner="FOA")
        assert "list of FOA" in answered("number", "en", partner="FOA")
        general = DEFAULT_FLOW.text("answer_number", "da", {})
        assert answered("number", partner=None) == general
        assert answered("number", partner="  ") == general


class TestTheEngineAnswers:
    def test_a_question_is_answered_then_asked_again_and_is_no_misunderstanding(self) -> None:
        transition = say(ConversationState(), "hvad koster det?")
        assert kinds(transition) == [K.INFO, K.CLARIFICATION]
        assert transition.outbound[0].text == "Sundhedstjekket er gratis for dig."
        assert transition.state.misunderstood == 0

    def test_a_question_at_the_booked_step(self) -> None:
        ctx = make_ctx(places=PLACES)
        transition = say(ConversationState(step=Step.BOOKED), "hvor er det henne?", ctx)
        assert transition.outbound[0].text.endswith("Køgevej 1.")
