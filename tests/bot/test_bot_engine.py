"""The dialogue engine, step by step: (state, inbound) → transition."""

from __future__ import annotations

import pytest
from bot_engine_support import (  # tests/bot/bot_engine_support.py
    BOOKED,
    CTX,
    NOW,
    OFFERED,
    K,
    happen,
    kinds,
    make_ctx,
    say,
)

from bot.types import (
    BookSlot,
    CancelBooking,
    CloseConversation,
    ConversationState,
    Declined,
    Effect,
    EventKind,
    MessageKind,
    NotifyStaff,
    OptIn,
    OptOut,
    ScheduleNudge,
    ScreenedIn,
    ScreenedOut,
    Screening,
    Step,
    TelegramInvite,
    Transition,
)

# (state, text) → (step, message kinds, effects)
REPLIES: list[tuple[str, ConversationState, str, Step, list[MessageKind], tuple[Effect, ...]]] = [
    ("invited yes", ConversationState(), "Ja tak 🙂", Step.CONSENT, [K.QUESTION], ()),
    ("invited JAAA", ConversationState(), "JAAA!!", Step.CONSENT, [K.QUESTION], ()),
    ("invited jeps", ConversationState(), "jeps", Step.CONSENT, [K.QUESTION], ()),
    ("invited ja tk", ConversationState(), "ja tk", Step.CONSENT, [K.QUESTION], ()),
    ("invited english yes", ConversationState(), "Yes please", Step.CONSENT, [K.QUESTION], ()),
    (
        "invited no",
        ConversationState(),
        "nej tak",
        Step.CLOSED,
        [K.GOODBYE],
        (Declined(), CloseConversation("declined")),
    ),
    (
        "invited no thanks",
        ConversationState(),
        "No thanks",
        Step.CLOSED,
        [K.GOODBYE],
        (Declined(), CloseConversation("declined")),
    ),
    (
        "invited question is answered, then asked again",
        ConversationState(),
        "hvad koster det",
        Step.INVITED,
        [K.INFO, K.CLARIFICATION],
        (),
    ),
    (
        "invited unclear",
        ConversationState(),
        "måske om lidt",
        Step.INVITED,
        [K.CLARIFICATION],
        (),
    ),
    ("consent yes", ConversationState(step=Step.CONSENT), "ja", Step.AGE, [K.QUESTION], ()),
    (
        "consent no",
        ConversationState(step=Step.CONSENT),
        "nej",
        Step.CHOOSING_SLOT,
        [K.SLOT_OFFER],
        (ScreenedIn(),),
    ),
    ("age yes", ConversationState(step=Step.AGE), "ja", Step.HEALTH, [K.QUESTION], ()),
    ("age year in band", ConversationState(step=Step.AGE), "1970", Step.HEALTH, [K.QUESTION], ()),
    (
        "age no",
        ConversationState(step=Step.AGE),
        "nej",
        Step.CLOSED,
        [K.SCREENED_OUT],
        (ScreenedOut("age"), CloseConversation("screened_out")),
    ),
    (
        "age year too young",
        ConversationState(step=Step.AGE),
        "født 1990",
        Step.CLOSED,
        [K.SCREENED_OUT],
        (ScreenedOut("age"), CloseConversation("screened_out")),
    ),
    ("age skipped", ConversationState(step=Step.AGE), "spring over", Step.HEALTH, [K.QUESTION], ()),
    ("health 3", ConversationState(step=Step.HEALTH), "3", Step.CHRONIC, [K.QUESTION], ()),
    (
        "health word",
        ConversationState(step=Step.HEALTH),
        "Mindre godt",
        Step.CHRONIC,
        [K.QUESTION],
        (),
    ),
    (
        "health unclear",
        ConversationState(step=Step.HEALTH),
        "ja",
        Step.HEALTH,
        [K.CLARIFICATION],
        (),
    ),
    (
        "chronic none",
        ConversationState(step=Step.CHRONIC),
        "ingen",
        Step.CHOOSING_SLOT,
        [K.SLOT_OFFER],
        (ScreenedIn(),),
    ),
    ("slot 2", OFFERED, "2", Step.BOOKED, [K.CONFIRMATION], (BookSlot(102),)),
    ("slot nr 3", OFFERED, "nr. 3", Step.BOOKED, [K.CONFIRMATION], (BookSlot(103),)),
    ("slot out of range", OFFERED, "4", Step.CHOOSING_SLOT, [K.CLARIFICATION], ()),
    ("slot more", OFFERED, "FLERE", Step.CHOOSING_SLOT, [K.SLOT_OFFER], ()),
    (
        "booked cancel",
        BOOKED,
        "aflys",
        Step.CLOSED,
        [K.CANCELLATION],
        (CancelBooking(), CloseConversation("cancelled")),
    ),
    ("booked move", BOOKED, "Kan vi flytte tiden?", Step.CHOOSING_SLOT, [K.SLOT_OFFER], ()),
    ("booked thanks", BOOKED, "Tak 👍", Step.BOOKED, [], ()),
    (
        "stop anywhere",
        ConversationState(step=Step.HEALTH),
        "STOP",
        Step.CLOSED,
        [K.OPT_OUT],
        (OptOut(), CloseConversation("opted_out")),
    ),
    (
        "stop in a short reply",
        ConversationState(),
        "Nej tak, stop",
        Step.CLOSED,
        [K.OPT_OUT],
        (OptOut(), CloseConversation("opted_out")),
    ),
    (
        "stop while booked cancels",
        BOOKED,
        "afmeld mig",
        Step.CLOSED,
        [K.OPT_OUT],
        (OptOut(), CancelBooking(), CloseConversation("opted_out")),
    ),
    ("help", ConversationState(step=Step.AGE), "HJÆLP", Step.AGE, [K.HELP], ()),
    (
        "callback",
        ConversationState(step=Step.AGE),
        "ring til mig",
        Step.AGE,
        [K.CALLBACK],
        (NotifyStaff("callback"),),
    ),
    ("start", ConversationState(), "START", Step.INVITED, [K.OPT_IN], (OptIn(),)),
]


class TestStep:
    @pytest.mark.parametrize(
        ("state", "text", "step_after", "message_kinds", "effects"),
        [pytest.param(*case[1:], id=case[0]) for case in REPLIES],
    )
    def test_reply(
        self,
        state: ConversationState,
        text: str,
        step_after: Step,
        message_kinds: list[MessageKind],
        effects: tuple[Effect, ...],
    ) -> None:
        transition = say(state, text)
        assert transition.state.step is step_after
        assert kinds(transition) == message_kinds
        assert transition.effects == effects

    def test_a_valid_answer_resets_misunderstood(self) -> None:
        transition = say(ConversationState(step=Step.HEALTH, misunderstood=1), "2")
        assert transition.state.misunderstood == 0

    def test_every_outbound_is_filled_in(self) -> None:
        for _, state, text, *_ in REPLIES:
            for message in say(state, text).outbound:
                assert message.text
                assert "{" not in message.text and "}" not in message.text


class TestInvitation:
    def test_invite_sends_the_invitation_and_plans_a_nudge(self) -> None:
        transition = happen(ConversationState(), EventKind.INVITE)
        assert kinds(transition) == [K.INVITATION]
        assert transition.effects == (ScheduleNudge(NOW + CTX.nudge_after),)
        text = transition.outbound[0].text
        assert text.startswith("Hej Anna!")
        assert "Roskilde Kommune" in text
        assert "STOP" in text and "JA" in text and "NEJ" in text
        assert "http" not in text

    def test_invitation_without_a_name_reads_naturally(self) -> None:
        transition = happen(ConversationState(), EventKind.INVITE, make_ctx(first_name=None))
        assert transition.outbound[0].text.startswith("Hej! Roskilde Kommune")

    def test_invitation_in_english(self) -> None:
        transition = happen(ConversationState(lang="en"), EventKind.INVITE)
        assert transition.outbound[0].text.startswith("Hi Anna! Roskilde Kommune offers you")

    def test_reminder_once_without_a_new_nudge(self) -> None:
        transition = happen(ConversationState(), EventKind.INVITATION_REMINDER)
        assert kinds(transition) == [K.INVITATION_REMINDER]
        assert transition.effects == ()

    @pytest.mark.parametrize("current", [Step.CONSENT, Step.BOOKED, Step.CLOSED])
    def test_reminder_after_an_answer_is_dropped(self, current: Step) -> None:
        state = ConversationState(step=current)
        assert happen(state, EventKind.INVITATION_REMINDER) == Transition(state)
        assert happen(state, EventKind.INVITE) == Transition(state)

    def test_the_campaign_template_is_the_invitation(self) -> None:
        template = "Hej {first_name}, {sender} byder på et sundhedstjek ({age_min}-{age_max} år)."
        ctx = make_ctx(invitation_template=template)
        transition = happen(ConversationState(), EventKind.INVITE, ctx)
        assert transition.outbound[0].text == (
            "Hej Anna, Roskilde Kommune byder på et sundhedstjek (40-60 år)."
        )
        assert kinds(transition) == [K.INVITATION]
        assert transition.effects == (ScheduleNudge(NOW + CTX.nudge_after),)

    def test_the_template_is_sent_whatever_the_language(self) -> None:
        ctx = make_ctx(invitation_template="Hej {first_name}! Svar JA eller NEJ.")
        text = happen(ConversationState(lang="en"), EventKind.INVITE, ctx).outbound[0].text
        assert text == "Hej Anna! Svar JA eller NEJ."

    def test_asking_for_english_repeats_the_flows_invitation_in_english(self) -> None:
        ctx = make_ctx(invitation_template="Hej {first_name}! Svar JA eller NEJ.")
        text = say(ConversationState(), "english", ctx).outbound[0].text
        assert text.startswith("Hi Anna! Roskilde Kommune offers you")

    @pytest.mark.parametrize(
        "template",
        [
            "Hej {navn}!",
            "Hej {first_name",
            "Hej {0}",
            "Hej {}",
            "Hej {first_name.upper}",
            "Hej {first_name[0]}",
            "Tider: {slots}",
            "   ",
            "",
            "🙂",
        ],
    )
    def test_a_template_that_cannot_be_filled_in_falls_back(self, template: str) -> None:
        ctx = make_ctx(invitation_template=template)
        text = happen(ConversationState(), EventKind.INVITE, ctx).outbound[0].text
        assert text == happen(ConversationState(), EventKind.INVITE).outbound[0].text

    def test_the_template_gives_the_telegram_code(self) -> None:
        telegram = TelegramInvite(bot="@sundhed_bot", code="K7M3Q9TX", link="https://t.me/x")
        template = "Hej {first_name}! Skriv til {telegram_bot} med koden {telegram_code}."
        ctx = make_ctx(invitation_template=template, telegram=telegram)
        text = happen(ConversationState(), EventKind.INVITE, ctx).outbound[0].text
        assert text == "Hej Anna! Skriv til @sundhed_bot med koden K7M3Q9TX."

    def test_a_telegram_template_without_a_code_falls_back(self) -> None:
        ctx = make_ctx(invitation_template="Hej {first_name}! Koden er {telegram_code}.")
        text = happen(ConversationState(), EventKind.INVITE, ctx).outbound[0].text
        assert text == happen(ConversationState(), EventKind.INVITE).outbound[0].text

    def test_a_template_is_folded_into_the_sms_alphabet(self) -> None:
        ctx = make_ctx(invitation_template="“Hej” {first_name} – svar JA 🙂")
        text = happen(ConversationState(), EventKind.INVITE, ctx).outbound[0].text
        assert text == '"Hej" Anna - svar JA'

    def test_yes_asks_for_consent(self) -> None:
        text = say(ConversationState(), "ja").outbound[0].text
        assert "SPRING OVER" in text and "STOP" in text and "sundhedspersonale" in text


class TestScreening:
    def test_consent_no_skips_the_questions(self) -> None:
        transition = say(ConversationState(step=Step.CONSENT), "nej")
        assert transition.state.consent is False
        assert transition.state.offered_slot_ids == (101, 102, 103)

    def test_consent_yes_asks_the_age_band(self) -> None:
        transition = say(ConversationState(step=Step.CONSENT), "ja gerne")
        assert transition.state.consent is True
        assert transition.outbound[0].text.startswith("Er du mellem 40 og 60 år?")

    def test_municipality_is_asked_when_unknown(self) -> None:
        transition = say(ConversationState(step=Step.AGE), "ja", make_ctx(municipality=None))
        assert transition.state.step is Step.MUNICIPALITY
        assert transition.outbound[0].text == "Hvilken kommune bor du i?"

    def test_municipality_is_skipped_when_known(self) -> None:
        transition = say(ConversationState(step=Step.AGE), "ja", make_ctx(municipality="Roskilde"))
        assert transition.state.step is Step.HEALTH

    @pytest.mark.parametrize("answer", ["Roskilde", "roskilde kommune", "Jeg bor i Roskilde"])
    def test_target_municipality_passes(self, answer: str) -> None:
        transition = say(ConversationState(step=Step.MUNICIPALITY), answer)
        assert transition.state.step is Step.HEALTH
        assert transition.state.screening.municipality == answer

    def test_other_municipality_is_screened_out(self) -> None:
        transition = say(ConversationState(step=Step.MUNICIPALITY), "Køge")
        assert transition.effects == (
            ScreenedOut("municipality"),
            CloseConversation("screened_out"),
        )
        assert "Roskilde Kommune" in transition.outbound[0].text

    def test_birth_year_is_checked_at_now(self) -> None:
        # In 2025 someone born in 1964 is 60 or 61: the benefit of the doubt lets them in.
        assert say(ConversationState(step=Step.AGE), "1964").state.step is Step.HEALTH
        assert say(ConversationState(step=Step.AGE), "1963").state.step is Step.CLOSED
        assert say(ConversationState(step=Step.AGE), "1985").state.step is Step.HEALTH
        assert say(ConversationState(step=Step.AGE), "1986").state.step is Step.CLOSED

    def test_birth_year_is_recorded(self) -> None:
        screening = say(ConversationState(step=Step.AGE), "1970").state.screening
        assert screening == Screening(age_confirmed=True, birth_year=1970)

    def test_an_age_in_years_is_understood(self) -> None:
        assert say(ConversationState(step=Step.AGE), "jeg er 52").state.step is Step.HEALTH
        assert say(ConversationState(step=Step.AGE), "35 år").state.step is Step.CLOSED

    def test_screened_out_age_points_elsewhere(self) -> None:
        text = say(ConversationState(step=Step.AGE), "nej").outbound[0].text
        assert "40 og 60" in text and "læge" in text

    def test_health_answer_is_recorded(self) -> None:
        state = say(ConversationState(step=Step.HEALTH), "Vældig godt").state
        assert state.screening.self_rated_health == "vaeldig_godt"

    def test_chronic_answers_are_recorded(self) -> None:
        transition = say(ConversationState(step=Step.CHRONIC), "1,3 og blodtryk")
        assert transition.state.screening.chronic_diseases == (
            "musculoskeletal",
            "diabetes",
            "heart",
        )
        assert transition.effects == (ScreenedIn(),)

    def test_every_question_can_be_skipped(self) -> None:
        state = ConversationState(step=Step.AGE)
        for expected in (Step.MUNICIPALITY, Step.HEALTH, Step.CHRONIC, Step.CHOOSING_SLOT):
            state = say(state, "spring over", make_ctx(municipality=None)).state
            assert state.step is expected
        assert state.screening == Screening()
