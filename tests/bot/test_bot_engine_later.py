"""The engine after booking: cancel and move, commands, replies not understood, closed."""

from __future__ import annotations

from datetime import date

import pytest
from bot_engine_support import (  # tests/bot/bot_engine_support.py
    BOOKED,
    NOW,
    OFFERED,
    K,
    happen,
    kinds,
    make_ctx,
    say,
)

from bot.engine import step
from bot.types import (
    BookSlot,
    CancelBooking,
    CloseConversation,
    ConversationState,
    Effect,
    Event,
    EventKind,
    NotifyStaff,
    OptIn,
    OptOut,
    ScreenedIn,
    Screening,
    Step,
    Text,
    Transition,
)


class TestBooked:
    def test_move_offers_times_and_marks_rebooking(self) -> None:
        transition = say(BOOKED, "flyt")
        assert transition.state.rebooking is True
        assert transition.state.offered_slot_ids == (101, 102, 103)

    def test_move_then_choose_books_the_new_slot(self) -> None:
        moving = say(BOOKED, "change").state
        transition = say(moving, "3")
        assert transition.effects == (BookSlot(103),)
        assert transition.state.rebooking is False

    def test_cancel_while_moving_cancels_the_booking(self) -> None:
        moving = say(BOOKED, "ændre").state
        assert say(moving, "aflys").effects == (CancelBooking(), CloseConversation("cancelled"))

    def test_move_without_free_slots_keeps_the_booking(self) -> None:
        transition = say(BOOKED, "flyt", make_ctx(free_slots=()))
        assert transition.state.step is Step.BOOKED
        assert "gælder stadig" in transition.outbound[0].text

    def test_booking_reminder(self) -> None:
        transition = happen(BOOKED, EventKind.BOOKING_REMINDER)
        assert kinds(transition) == [K.REMINDER]
        text = transition.outbound[0].text
        assert "onsdag d. 26. november kl. 10.00" in text
        assert "AFLYS" in text and "FLYT" in text

    def test_first_no_show_offers_a_new_time(self) -> None:
        transition = happen(BOOKED, EventKind.NO_SHOW)
        assert kinds(transition) == [K.REBOOK_OFFER]
        assert transition.state.no_shows == 1
        offer = say(transition.state, "ja")
        assert offer.state.step is Step.CHOOSING_SLOT
        assert kinds(offer) == [K.SLOT_OFFER]

    def test_no_show_rebook_declined_closes(self) -> None:
        asked = happen(BOOKED, EventKind.NO_SHOW).state
        transition = say(asked, "nej tak")
        assert transition.effects == (CloseConversation("no_show"),)

    def test_second_no_show_closes(self) -> None:
        transition = happen(BOOKED.with_(no_shows=1), EventKind.NO_SHOW)
        assert transition.state.step is Step.CLOSED
        assert transition.effects == (CloseConversation("no_show"),)

    def test_staff_cancellation_apologises_and_offers(self) -> None:
        transition = happen(BOOKED, EventKind.BOOKING_CANCELLED_BY_STAFF)
        assert transition.state.step is Step.CHOOSING_SLOT
        assert transition.outbound[0].text.startswith("Beklager, vi har måttet aflyse")

    @pytest.mark.parametrize(
        "state",
        [BOOKED, ConversationState(step=Step.CLOSED, close_reason="attended")],
        ids=["booked", "closed-attended"],
    )
    def test_follow_up(self, state: ConversationState) -> None:
        transition = happen(state, EventKind.FOLLOW_UP)
        assert kinds(transition) == [K.FOLLOW_UP]
        assert "RING" in transition.outbound[0].text
        assert transition.state.awaiting_follow_up_reply is True

    @pytest.mark.parametrize(
        "state",
        [BOOKED, ConversationState(step=Step.CLOSED, close_reason="attended")],
        ids=["booked", "closed-attended"],
    )
    def test_a_reply_to_the_follow_up_goes_to_staff_once(self, state: ConversationState) -> None:
        asked = happen(state, EventKind.FOLLOW_UP).state
        reply = say(asked, "Det går fint, jeg er begyndt at gå ture")
        assert reply.effects == (NotifyStaff("follow_up_reply"),)
        assert kinds(reply) == [K.INFO]
        assert reply.state.step is state.step
        assert say(reply.state, "Det går fint").effects == ()

    def test_callback_after_the_follow_up(self) -> None:
        asked = happen(BOOKED, EventKind.FOLLOW_UP).state
        assert say(asked, "RING").effects == (NotifyStaff("callback"),)


class TestCommands:
    @pytest.mark.parametrize(
        "text",
        [
            "STOP",
            "stop.",
            "Afmeld",
            "STOPALL",
            "unsubscribe",
            "stop venligst",
            "afmeld mig",
            "Stop med at skrive til mig",
            "Nej tak, stop",
        ],
    )
    def test_opt_out_words(self, text: str) -> None:
        transition = say(ConversationState(), text)
        assert OptOut() in transition.effects
        assert kinds(transition) == [K.OPT_OUT]

    @pytest.mark.parametrize(
        "text",
        [
            "stoppested",
            "Er jeg afmeldt?",
            "jeg kan ikke stoppe med at ryge, kan I hjælpe?",
            "Jeg vil gerne have hjælp til at stoppe med at ryge, men jeg ved ikke om stop virker",
        ],
    )
    def test_not_opt_outs(self, text: str) -> None:
        assert OptOut() not in say(ConversationState(), text).effects

    @pytest.mark.parametrize("reason", ["declined", "screened_out", "attended", "cancelled"])
    def test_stop_after_the_end_opts_out_and_keeps_the_reason(self, reason: str) -> None:
        transition = say(ConversationState(step=Step.CLOSED, close_reason=reason), "STOP")
        assert transition.effects == (OptOut(),)
        assert kinds(transition) == [K.OPT_OUT]
        assert transition.state.close_reason == "opted_out"
        assert say(transition.state, "hej").outbound == ()

    def test_a_near_miss_of_stop_is_asked_about(self) -> None:
        transition = say(ConversationState(step=Step.HEALTH), "stpo")
        assert OptOut() not in transition.effects
        text = transition.outbound[0].text
        assert text.startswith("Mente du STOP? Skriv STOP, så får du ikke flere beskeder.\nVi")
        assert "1 Fremragende" in text

    def test_a_near_miss_asked_twice_offers_a_person(self) -> None:
        first = say(ConversationState(), "afmled")
        assert kinds(say(first.state, "afmled")) == [K.CALLBACK]

    def test_opt_out_confirms_exactly_once(self) -> None:
        first = say(ConversationState(), "STOP")
        again = say(first.state, "STOP")
        assert again.outbound == ()
        assert again.effects == (OptOut(),)

    def test_help_keeps_the_state(self) -> None:
        state = ConversationState(step=Step.HEALTH, misunderstood=1)
        transition = say(state, "help")
        assert transition.state == state
        assert "46 31 30 00" in transition.outbound[0].text
        assert "STOP" in transition.outbound[0].text

    def test_help_without_a_phone_number(self) -> None:
        transition = say(ConversationState(), "hjælp", make_ctx(phone_number=""))
        assert "RING" in transition.outbound[0].text

    def test_english_reasks_in_english(self) -> None:
        transition = say(ConversationState(step=Step.AGE), "English")
        assert transition.state.lang == "en"
        assert transition.outbound[0].text.startswith("Are you between 40 and 60")

    def test_dansk_switches_back(self) -> None:
        transition = say(ConversationState(step=Step.HEALTH, lang="en"), "dansk")
        assert transition.state.lang == "da"
        assert transition.outbound[0].text.startswith("Hvordan synes du")

    def test_language_switch_while_offering_reoffers(self) -> None:
        transition = say(OFFERED, "english please")
        assert kinds(transition) == [K.SLOT_OFFER]
        assert transition.state.offered_slot_ids == OFFERED.offered_slot_ids

    def test_callback_promises_two_working_days(self) -> None:
        text = say(ConversationState(), "call me").outbound[0].text
        assert "two working days" not in text  # the conversation is Danish
        assert "to hverdage" in text


class TestNotUnderstood:
    def test_clarify_then_offer_a_person_then_silence(self) -> None:
        state = ConversationState(step=Step.HEALTH)
        first = say(state, "hmm")
        assert kinds(first) == [K.CLARIFICATION]
        assert first.state.misunderstood == 1
        assert "1 Fremragende" in first.outbound[0].text
        second = say(first.state, "hmm")
        assert kinds(second) == [K.CALLBACK]
        assert second.effects == (NotifyStaff("not_understood"),)
        assert second.state.misunderstood == 2
        third = say(second.state, "hmm")
        assert third.outbound == () and third.effects == ()

    def test_booked_clarification_tells_how_to_cancel(self) -> None:
        assert "AFLYS" in say(BOOKED, "hvad så nu").outbound[0].text


class TestClosed:
    def test_one_short_answer(self) -> None:
        state = ConversationState(step=Step.CLOSED, close_reason="declined")
        first = say(state, "Hvornår er det?")
        assert kinds(first) == [K.INFO]
        assert first.outbound[0].text == (
            "Tak for din besked. Samtalen er afsluttet. Skriv HJÆLP for at få kontakt til os."
        )
        assert say(first.state, "Hallo?").outbound == ()

    def test_thanks_gets_no_answer(self) -> None:
        state = ConversationState(step=Step.CLOSED, close_reason="declined")
        assert say(state, "Tak!").outbound == ()

    def test_after_opt_out_only_start_and_help_answer(self) -> None:
        state = ConversationState(step=Step.CLOSED, close_reason="opted_out")
        assert say(state, "hej").outbound == ()
        assert say(state, "ring til mig").outbound == ()
        assert kinds(say(state, "HJÆLP")) == [K.HELP]
        started = say(state, "START")
        assert kinds(started) == [K.OPT_IN]
        assert started.effects == (OptIn(),)

    @pytest.mark.parametrize("kind", list(EventKind))
    def test_scheduled_events_are_silent(self, kind: EventKind) -> None:
        state = ConversationState(step=Step.CLOSED, close_reason="cancelled")
        assert happen(state, kind) == Transition(state)


def test_birth_date_is_not_needed() -> None:
    """The age question does not depend on a known birth date."""
    ctx = make_ctx(birth_date=date(1970, 1, 1))
    assert say(ConversationState(step=Step.AGE), "ja", ctx).state.step is Step.HEALTH


class TestConversation:
    def test_from_invitation_to_booking(self) -> None:
        ctx = make_ctx(municipality=None)
        state = ConversationState()
        script: list[tuple[Text | Event, Step]] = [
            (Event(EventKind.INVITE), Step.INVITED),
            (Text("Ja tak 🙂"), Step.CONSENT),
            (Text("ja"), Step.AGE),
            (Text("1968"), Step.MUNICIPALITY),
            (Text("Roskilde"), Step.HEALTH),
            (Text("Godt"), Step.CHRONIC),
            (Text("1 og 4"), Step.CHOOSING_SLOT),
            (Text("flere"), Step.CHOOSING_SLOT),
            (Text("2"), Step.BOOKED),
        ]
        effects: list[Effect] = []
        for inbound, expected in script:
            transition = step(state, inbound, NOW, ctx)
            assert len(transition.outbound) == 1
            assert transition.state.step is expected
            effects.extend(transition.effects)
            state = transition.state
        assert state.screening == Screening(
            age_confirmed=True,
            birth_year=1968,
            municipality="Roskilde",
            self_rated_health="godt",
            chronic_diseases=("musculoskeletal", "heart"),
        )
        assert effects[1:] == [ScreenedIn(), BookSlot(105)]

    def test_state_written_before_the_new_fields_still_reads(self) -> None:
        raw = '{"step": "booked", "lang": "en", "screening": {}}'
        state = ConversationState.from_json(raw)
        assert state.awaiting_rebook is False
        assert state.awaiting_follow_up_reply is False
        assert say(state, "cancel").effects == (CancelBooking(), CloseConversation("cancelled"))
