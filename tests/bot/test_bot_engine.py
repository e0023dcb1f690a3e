"""The dialogue engine, step by step: (state, inbound) → transition."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.engine import step
from bot.types import (
    BookSlot,
    CancelBooking,
    CloseConversation,
    Context,
    ConversationState,
    Declined,
    Effect,
    Event,
    EventKind,
    MessageKind,
    NotifyStaff,
    OptIn,
    OptOut,
    ScheduleNudge,
    ScreenedIn,
    ScreenedOut,
    Screening,
    SlotOffer,
    Step,
    Text,
    Transition,
)

NOW = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)  # a Tuesday
K = MessageKind


def make_slots(count: int, first_id: int = 101) -> tuple[SlotOffer, ...]:
    """Free slots one day apart at 10.00 Danish time, starting tomorrow."""
    return tuple(
        SlotOffer(
            slot_id=first_id + i,
            starts_at=datetime(2025, 11, 26, 9, 0, tzinfo=UTC) + timedelta(days=i),
            duration_min=45,
            location_name="Sundhedscenter Roskilde",
            address="Køgevej 1",
        )
        for i in range(count)
    )


SLOTS = make_slots(7)


def make_ctx(**changes: object) -> Context:
    base: dict[str, object] = {
        "sender": "Roskilde Kommune",
        "first_name": "Anna",
        "target_municipality": "Roskilde Kommune",
        "municipality": "Roskilde Kommune",
        "free_slots": SLOTS,
        "booking": SLOTS[0],
        "phone_number": "46 31 30 00",
    }
    return Context(**(base | changes))  # type: ignore[arg-type]


CTX = make_ctx()
OFFERED = ConversationState(step=Step.CHOOSING_SLOT, offered_slot_ids=(101, 102, 103))
BOOKED = ConversationState(step=Step.BOOKED)


def say(state: ConversationState, text: str, ctx: Context = CTX) -> Transition:
    return step(state, Text(text), NOW, ctx)


def happen(state: ConversationState, kind: EventKind, ctx: Context = CTX) -> Transition:
    return step(state, Event(kind), NOW, ctx)


def kinds(transition: Transition) -> list[MessageKind]:
    return [message.kind for message in transition.outbound]


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
        "invited unclear",
        ConversationState(),
        "hvad koster det",
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


class TestSlotOffer:
    def test_offer_lists_three_rendered_slots(self) -> None:
        text = say(ConversationState(step=Step.CONSENT), "nej").outbound[0].text
        assert "\n1) onsdag d. 26. november kl. 10.00, Sundhedscenter Roskilde\n" in text
        assert "\n3) fredag d. 28. november kl. 10.00, Sundhedscenter Roskilde\n" in text
        assert "Skriv 1, 2 eller 3" in text and "FLERE" in text

    def test_more_pages_on(self) -> None:
        transition = say(OFFERED, "flere")
        assert transition.state.offered_slot_ids == (104, 105, 106)
        assert transition.state.offer_offset == 3

    def test_last_page_offers_a_call_instead_of_more(self) -> None:
        state = OFFERED.with_(offered_slot_ids=(104, 105, 106), offer_offset=3)
        transition = say(state, "more")
        assert transition.state.offered_slot_ids == (107,)
        assert "FLERE" not in transition.outbound[0].text
        assert "RING" in transition.outbound[0].text

    def test_end_of_list_keeps_the_last_offer(self) -> None:
        state = OFFERED.with_(offered_slot_ids=(107,), offer_offset=6)
        transition = say(state, "flere")
        assert kinds(transition) == [K.INFO]
        assert transition.state.offered_slot_ids == (107,)
        assert "ikke flere ledige tider" in transition.outbound[0].text

    def test_no_free_slots(self) -> None:
        transition = say(ConversationState(step=Step.CONSENT), "nej", make_ctx(free_slots=()))
        assert transition.state.step is Step.CHOOSING_SLOT
        assert transition.effects == (ScreenedIn(), NotifyStaff("no_slots"))
        assert "ingen ledige tider" in transition.outbound[0].text

    def test_past_slots_are_not_offered(self) -> None:
        past = make_slots(1, first_id=1)[0]
        ctx = make_ctx(free_slots=(past.__class__(**(past.__dict__ | {"starts_at": NOW})), *SLOTS))
        transition = say(ConversationState(step=Step.CONSENT), "nej", ctx)
        assert transition.state.offered_slot_ids == (101, 102, 103)

    def test_confirmation_renders_the_booking(self) -> None:
        text = say(OFFERED, "2").outbound[0].text
        assert text == (
            "Tak! Du er booket til en sundhedssamtale torsdag d. 27. november kl. 10.00, "
            "Sundhedscenter Roskilde, Køgevej 1. "
            "Skriv AFLYS for at aflyse eller FLYT for at flytte tiden."
        )

    def test_a_chosen_slot_gone_meanwhile_is_apologised_for(self) -> None:
        transition = say(OFFERED, "1", make_ctx(free_slots=SLOTS[1:]))
        assert transition.effects == ()
        assert transition.state.offered_slot_ids == (102, 103, 104)
        assert transition.outbound[0].text.startswith("Beklager, den tid er lige blevet taget")

    def test_slot_taken_event_offers_the_next_three(self) -> None:
        transition = happen(BOOKED, EventKind.SLOT_TAKEN, make_ctx(free_slots=SLOTS[3:]))
        assert transition.state.step is Step.CHOOSING_SLOT
        assert transition.state.offered_slot_ids == (104, 105, 106)
        assert kinds(transition) == [K.SLOT_OFFER]

    def test_english_offer(self) -> None:
        state = ConversationState(step=Step.CONSENT, lang="en")
        text = say(state, "no").outbound[0].text
        assert "1) Wednesday 26 November at 10:00, Sundhedscenter Roskilde\n" in text
        assert "Reply 1, 2 or 3" in text


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
        assert text.startswith("Vil du afmelde dig, så skriv STOP.\nVi forstod desværre ikke")
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
