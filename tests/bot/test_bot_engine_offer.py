"""The dialogue engine at the times: offering them, page by page, and choosing one."""

from __future__ import annotations

from dataclasses import replace

from bot_engine_support import (  # tests/bot/bot_engine_support.py
    BOOKED,
    NOW,
    OFFERED,
    SLOTS,
    K,
    happen,
    kinds,
    make_ctx,
    make_slots,
    say,
)

from bot.types import BookSlot, ConversationState, EventKind, NotifyStaff, ScreenedIn, Step


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


class TestChoosing:
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

    def test_an_offered_slot_is_chosen_without_the_free_ones(self) -> None:
        transition = say(OFFERED, "2", make_ctx(free_slots=(), offered=SLOTS[:3]))
        assert transition.state.step is Step.BOOKED
        assert transition.effects == (BookSlot(102),)
        assert "torsdag d. 27. november kl. 10.00" in transition.outbound[0].text

    def test_an_offered_slot_named_with_its_weekday_is_chosen_without_the_free_ones(self) -> None:
        transition = say(OFFERED, "2 (torsdag)", make_ctx(free_slots=(), offered=SLOTS[:3]))
        assert transition.effects == (BookSlot(102),)

    def test_an_offered_slot_taken_since_is_apologised_for(self) -> None:
        # Gone from the offer's times and from the free ones: a fresh offer of what is free.
        ctx = make_ctx(free_slots=SLOTS[1:], offered=(SLOTS[1], SLOTS[2]))
        transition = say(OFFERED, "1", ctx)
        assert transition.effects == ()
        assert transition.state.offered_slot_ids == (102, 103, 104)
        assert transition.outbound[0].text.startswith("Beklager, den tid er lige blevet taget")

    def test_an_offered_slot_started_since_is_not_booked(self) -> None:
        started = replace(SLOTS[0], starts_at=NOW)
        transition = say(OFFERED, "1", make_ctx(free_slots=SLOTS[1:], offered=(started,)))
        assert transition.effects == ()
        assert transition.outbound[0].text.startswith("Beklager, den tid er lige blevet taget")
