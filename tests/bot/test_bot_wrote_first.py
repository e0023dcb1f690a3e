"""The citizen wrote before any invitation: their first text is read as its answer."""

from __future__ import annotations

import pytest

from bot.types import ConversationState, Declined, ScheduleNudge, SlotWish, Step
from tests.bot.bot_engine_support import CTX, K, make_ctx, say

FIRST = make_ctx(wrote_first=True, booking=None)
NEW = ConversationState()


class TestWroteFirst:
    @pytest.mark.parametrize("text", ["ja", "Ja tak!", "kan jeg også komme?", "Må jeg være med?"])
    def test_a_yes_or_a_question_is_welcomed_and_asked_for_consent(self, text: str) -> None:
        transition = say(NEW, text, FIRST)
        assert transition.state.step is Step.CONSENT
        welcome, consent = transition.outbound
        assert welcome.kind is K.INVITATION  # the invitation they never got: counted as one
        assert welcome.text.startswith("Hej Anna! Tak for din besked. Du er meget velkommen")
        assert "Roskilde Kommune tilbyder dig et gratis sundhedstjek" in welcome.text
        assert "STOP" in welcome.text
        assert consent.kind is K.QUESTION

    def test_a_wish_in_the_question_is_kept_for_the_offer(self) -> None:
        transition = say(NEW, "Kan jeg komme på en tirsdag?", FIRST)
        assert transition.state.wish == SlotWish(weekdays=(1,))

    def test_in_english(self) -> None:
        transition = say(ConversationState(lang="en"), "can I come too?", FIRST)
        assert transition.outbound[0].text.startswith("Hi Anna! Thank you for your message.")

    def test_no_declines(self) -> None:
        transition = say(NEW, "nej tak", FIRST)
        assert transition.state.step is Step.CLOSED
        assert any(isinstance(effect, Declined) for effect in transition.effects)

    def test_anything_else_gets_the_invitation(self) -> None:
        transition = say(NEW, "hej", FIRST)
        assert transition.state.step is Step.INVITED
        (message,) = transition.outbound
        assert message.kind is K.INVITATION
        assert "Svar JA for at få tider" in message.text
        assert any(isinstance(effect, ScheduleNudge) for effect in transition.effects)

    def test_a_second_reply_is_an_ordinary_answer(self) -> None:
        transition = say(NEW, "hej", CTX)
        assert transition.outbound[0].kind is K.CLARIFICATION
