"""Reading a wished day, time, week or place, and offering only the slots that fit (issue 17)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import step
from bot.fit import matches, merge, relaxed
from bot.reading import read_at_step
from bot.sms import fits
from bot.types import (
    BookSlot,
    Context,
    ConversationState,
    JoinWaitlist,
    Language,
    ReopenConversation,
    SlotOffer,
    SlotWish,
    Step,
    Text,
)
from bot.wish import parse_wish
from core.calendar import COPENHAGEN, local
from tests.bot.bot_engine_support import NOW, OFFERED, K, make_ctx, say
from tests.bot.test_bot_sms import NOW as SMS_NOW
from tests.bot.test_bot_sms import worst_context

TODAY = date(2025, 11, 25)  # NOW's Danish date, a Tuesday
SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


def slot(slot_id: int, day: int, hour: int, place: str = "Sundhedscenter Roskilde") -> SlotOffer:
    """A slot on a day of December 2025 (1 = Monday) at a Danish hour."""
    return SlotOffer(
        slot_id=slot_id,
        starts_at=datetime(2025, 12, day, hour, 0, tzinfo=COPENHAGEN),
        duration_min=45,
        location_name=place,
        address="Køgevej 1, 4000 Roskilde" if "Roskilde" in place else "Vejlevej 2, 7100 Vejle",
    )


# Mornings first; the afternoons and Vejle only come later, beyond the nearest few.
MORNINGS = tuple(slot(200 + d, d, 9) for d in (1, 2, 3, 4, 5, 8, 9))
AFTERNOONS = (slot(301, 10, 14), slot(302, 11, 15), slot(303, 12, 14, "Sundhedshus Vejle"))
CTX = make_ctx(
    free_slots=MORNINGS,
    wished_slots=AFTERNOONS,
    locations=("Sundhedscenter Roskilde", "Sundhedshus Vejle"),
)
OFFER = OFFERED.with_(offered_slot_ids=(201, 202, 203))


def offered(state: ConversationState, ctx: Context = CTX) -> list[SlotOffer]:
    pool = {s.slot_id: s for s in (*ctx.free_slots, *ctx.wished_slots)}
    return [pool[i] for i in state.offered_slot_ids]


class TestParseWish:
    def test_the_issues_examples(self) -> None:
        assert parse_wish("ja men ikke tirsdag", TODAY) == SlotWish(not_weekdays=(1,))
        assert parse_wish("om eftermiddagen", TODAY) == SlotWish(after="12:00")
        assert parse_wish("efter kl 16", TODAY) == SlotWish(after="16:00")
        assert parse_wish("morgen", TODAY) == SlotWish(before="10:00")
        assert parse_wish("i næste uge", TODAY) == SlotWish(weeks=("2025-W49",))
        assert parse_wish("uge 51", TODAY) == SlotWish(weeks=("2025-W51",))
        assert parse_wish("i Vejle", TODAY) == SlotWish(places=("vejle",))
        assert parse_wish("den 14.", TODAY) == SlotWish(dates=("2025-12-14",))
        assert parse_wish("14/12", TODAY) == SlotWish(dates=("2025-12-14",))

    def test_a_date_already_past_is_next_years(self) -> None:
        assert parse_wish("3/1", TODAY) == SlotWish(dates=("2026-01-03",))
        assert parse_wish("den 20.", TODAY) == SlotWish(dates=("2025-12-20",))

    def test_nothing_wished_is_none(self) -> None:
        for text in ("ja", "1", "flere", "har I tid?", "kan I ringe", "tak"):
            assert parse_wish(text, TODAY) is None, text

    def test_a_question_with_not_still_asks(self) -> None:
        assert parse_wish("har I ikke noget om eftermiddagen?", TODAY) == SlotWish(after="12:00")

    def test_merge_keeps_exclusions_and_replaces_what_is_named(self) -> None:
        first = SlotWish(not_weekdays=(1,), after="12:00")
        merged = merge(first, SlotWish(weekdays=(2,), before="10:00"))
        assert merged == SlotWish(weekdays=(2,), not_weekdays=(1,), before="10:00")
        assert merge(first, SlotWish(weekdays=(1,))) == SlotWish(weekdays=(1,), after="12:00")
        assert relaxed(first) == SlotWish(not_weekdays=(1,))


WEEKDAY_WORDS = [
    ("mandag", 0), ("tirsdag", 1), ("onsdag", 2), ("torsdag", 3), ("fredag", 4),
    ("Monday", 0), ("Tuesday", 1), ("Wednesday", 2), ("Thursday", 3), ("Friday", 4),
    ("tirsdage", 1), ("FREDAG", 4), ("onsdagen", 2),
]  # fmt: skip
FRAMES = ["{}", "{} tak", "har I noget {}?", "helst {}", "gerne på en {}", "{} please", "{}!"]


class TestWishProperties:
    @SETTINGS
    @given(st.text(max_size=300))
    def test_never_raises_and_is_well_formed(self, text: str) -> None:
        wish = parse_wish(text, TODAY)
        if wish is None:
            return
        assert wish != SlotWish()
        assert all(0 <= d <= 6 for d in (*wish.weekdays, *wish.not_weekdays))
        assert not set(wish.weekdays) & set(wish.not_weekdays)
        for day in wish.dates:
            date.fromisoformat(day)
        for moment in (wish.after, wish.before):
            assert moment is None or datetime.strptime(moment, "%H:%M")
        assert SlotWish.from_dict(wish.as_dict()) == wish

    @SETTINGS
    @given(st.sampled_from(WEEKDAY_WORDS), st.sampled_from(FRAMES))
    def test_a_weekday_word_always_yields_that_weekday(
        self, word: tuple[str, int], frame: str
    ) -> None:
        name, day = word
        wish = parse_wish(frame.format(name), TODAY)
        assert wish is not None and wish.weekdays == (day,)
        negated = parse_wish(f"ja men ikke {name}", TODAY)
        assert negated is not None and negated.not_weekdays == (day,)

    @SETTINGS
    @given(
        st.lists(
            st.sampled_from(
                ["tirsdag", "onsdag", "om eftermiddagen", "efter kl 14", "i næste uge", "ikke",
                 "den 10.", "i Vejle", "morgen", "men", "2", "1", "(", ")", "ja", "flere"]
            ),
            min_size=1,
            max_size=6,
        ).map(" ".join),
        st.lists(st.sampled_from([*MORNINGS, *AFTERNOONS]), max_size=8, unique=True),
    )  # fmt: skip
    def test_no_wrong_slot_is_ever_booked(self, text: str, pool: list[SlotOffer]) -> None:
        ctx = make_ctx(free_slots=tuple(pool[:5]), wished_slots=tuple(pool[5:]))
        state = OFFER.with_(offered_slot_ids=tuple(s.slot_id for s in pool[:3]))
        transition = step(state, Text(text), NOW, ctx)
        for effect in transition.effects:
            if isinstance(effect, BookSlot):
                assert effect.slot_id in state.offered_slot_ids
        after = transition.state
        wish_offer = any("passer til dit ønske" in m.text for m in transition.outbound)
        if wish_offer and after.offered_slot_ids != state.offered_slot_ids:
            assert all(matches(after.wish, s) for s in offered(after, ctx))


class TestOfferFollowsTheWish:
    def test_a_conditional_yes_is_applied_to_the_first_offer(self) -> None:
        invited = ConversationState(step=Step.INVITED)
        asked = say(invited, "ja men ikke tirsdag", CTX).state
        assert asked.step is Step.CONSENT and asked.wish == SlotWish(not_weekdays=(1,))
        offer = say(asked, "nej", CTX)
        assert offer.outbound[0].kind is K.SLOT_OFFER
        assert "passer til dit ønske" in offer.outbound[0].text
        days = [local(s.starts_at).weekday() for s in offered(offer.state)]
        assert days and 1 not in days

    def test_asking_for_the_afternoon_gives_afternoon_slots(self) -> None:
        transition = say(OFFER, "har I noget om eftermiddagen?", CTX)
        assert transition.state.offered_slot_ids == (301, 302, 303)
        assert all(local(s.starts_at).hour >= 12 for s in offered(transition.state))
        assert not any(isinstance(e, BookSlot) for e in transition.effects)
        # The municipality has two places: each line names it.
        assert "Sundhedshus Vejle" in transition.outbound[0].text

    def test_a_place_is_matched_against_the_locations(self) -> None:
        transition = say(OFFER, "helst i Vejle", CTX)
        assert transition.state.offered_slot_ids == (303,)

    def test_a_kind_of_place_is_matched_against_the_locations_kind(self) -> None:
        workplace = replace(
            slot(401, 11, 13, "Plejecenter Møllehaven"), kind="workplace", address="Møllevej 1"
        )
        centre = replace(slot(402, 11, 14), kind="health_centre")
        ctx = make_ctx(free_slots=(*MORNINGS, workplace, centre))
        for text in ("på arbejdspladsen", "helst på mit arbejde", "at work please"):
            assert say(OFFER, text, ctx).state.offered_slot_ids == (401,), text
        centres = say(OFFER.with_(wish=SlotWish(after="12:00")), "på sundhedscentret", ctx)
        assert centres.state.offered_slot_ids == (402,)  # the afternoon, not the workplace
        unnamed = replace(workplace, kind="")  # its name and address say nothing of work
        assert not matches(SlotWish(places=("arbejdspladsen",)), unnamed)
        assert matches(SlotWish(places=("arbejdspladsen",)), workplace)

    def test_nothing_fits_says_so_and_offers_the_nearest_others(self) -> None:
        transition = say(OFFER, "kan I om aftenen?", CTX)
        text = transition.outbound[0].text
        assert text.startswith("Ingen ledige tider passer desværre til dit ønske.")
        assert transition.state.offered_slot_ids == (201, 202, 203)
        assert not any(isinstance(e, BookSlot) for e in transition.effects)
        # The citizen's own wish is kept: the waitlist, offered beside, waits for it.
        assert transition.state.wish == SlotWish(after="17:00")
        assert "VENTELISTE" in text

    def test_nothing_fits_keeps_not_tuesday(self) -> None:
        state = OFFER.with_(wish=SlotWish(not_weekdays=(1,)))
        transition = say(state, "om aftenen", CTX)
        assert transition.state.wish == SlotWish(not_weekdays=(1,), after="17:00")
        assert 202 not in transition.state.offered_slot_ids  # 2 December is a Tuesday
        more = say(transition.state, "flere", CTX)  # the next page of the others
        assert more.state.offered_slot_ids == (205, 208, 301)  # 9 December is a Tuesday
        assert more.outbound[0].text.startswith("Ingen ledige tider passer")

    def test_waitlist_at_an_offer_of_others_joins_it_with_the_wish(self) -> None:
        others = say(OFFER, "om aftenen", CTX).state
        joined = say(others, "VENTELISTE", CTX)
        assert joined.state.step is Step.WAITLIST and joined.state.offered_slot_ids == ()
        assert JoinWaitlist(wish=SlotWish(after="17:00")) in joined.effects
        assert "passer til dit ønske" in joined.outbound[0].text
        for text in ("ja tak, sæt mig på ventelisten", "the waiting list please"):
            assert JoinWaitlist(wish=others.wish) in say(others, text, CTX).effects, text
        for text in ("nej, ikke venteliste", "1"):
            assert not any(isinstance(e, JoinWaitlist) for e in say(others, text, CTX).effects)

    @pytest.mark.parametrize("lang", ["da", "en"])
    @pytest.mark.parametrize("places", [1, 3])
    def test_others_with_the_waitlist_fit_two_sms(self, lang: Language, places: int) -> None:
        ctx = worst_context(places)
        state = OFFER.with_(lang=lang, offered_slot_ids=(100, 101, 102))
        for text in ("kl 21", "flere"):  # the first page of others, then the last
            transition = step(state, Text(text), SMS_NOW, ctx)
            (message,) = transition.outbound
            assert fits(message.text), (text, message.text)
            assert ("VENTELISTE" if lang == "da" else "WAITLIST") in message.text
            state = transition.state

    def test_waitlist_is_not_joined_while_times_that_fit_are_free(self) -> None:
        wished = say(OFFER, "om eftermiddagen", CTX).state
        answer = say(wished, "venteliste", CTX)
        assert not any(isinstance(e, JoinWaitlist) for e in answer.effects)

    def test_moving_a_booking_offers_no_waitlist(self) -> None:
        booked = ConversationState(step=Step.BOOKED)
        moved = say(booked, "kan vi flytte til om aftenen?", CTX)
        assert moved.state.rebooking and "VENTELISTE" not in moved.outbound[0].text
        assert not any(
            isinstance(e, JoinWaitlist) for e in say(moved.state, "venteliste", CTX).effects
        )

    def test_a_number_with_its_weekday_books_when_they_agree(self) -> None:
        booked = say(OFFER, "2 (tirsdag)", CTX)
        assert BookSlot(slot_id=202) in booked.effects
        other = say(OFFER, "2 (fredag)", CTX)
        assert not any(isinstance(e, BookSlot) for e in other.effects)
        assert all(local(s.starts_at).weekday() == 4 for s in offered(other.state))

    def test_more_pages_through_the_fitting_slots(self) -> None:
        first = say(OFFER, "om morgenen", CTX)
        assert first.state.offered_slot_ids == (201, 202, 203)
        nxt = say(first.state, "flere", CTX)
        assert nxt.state.offered_slot_ids == (204, 205, 208)
        assert nxt.state.wish == SlotWish(before="10:00")

    def test_booking_forgets_the_wish(self) -> None:
        wished = say(OFFER, "om eftermiddagen", CTX).state
        booked = say(wished, "1", CTX)
        assert BookSlot(slot_id=301) in booked.effects and booked.state.wish is None

    def test_a_move_with_a_wish_offers_what_fits_and_names_places(self) -> None:
        booked = ConversationState(step=Step.BOOKED)
        moved = say(booked, "kan vi flytte til om eftermiddagen?", CTX)
        assert moved.state.rebooking and moved.state.offered_slot_ids == (301, 302, 303)
        plain = say(booked, "FLYT", CTX)
        assert plain.state.offered_slot_ids == (201, 202, 203)
        assert "Sundhedscenter Roskilde" in plain.outbound[0].text

    def test_the_wish_survives_the_store(self) -> None:
        state = OFFER.with_(wish=SlotWish(weekdays=(2,), dates=("2025-12-14",), places=("a",)))
        assert ConversationState.from_json(state.to_json()) == state


class TestRebookAfterCancelling:
    CANCELLED = ConversationState(step=Step.CLOSED, close_reason="cancelled")

    def test_a_new_time_is_offered_while_the_case_is_recent(self) -> None:
        ctx = make_ctx(free_slots=MORNINGS, closed_at=NOW - timedelta(days=3))
        for text in ("kan jeg få en ny tid alligevel?", "ny tid", "alligevel"):
            transition = say(self.CANCELLED, text, ctx)
            assert ReopenConversation() in transition.effects, text
            assert transition.state.step is Step.CHOOSING_SLOT
            assert transition.outbound[0].kind is K.SLOT_OFFER

    def test_the_wish_in_the_request_is_kept(self) -> None:
        ctx = make_ctx(free_slots=MORNINGS, wished_slots=AFTERNOONS, closed_at=NOW)
        transition = say(self.CANCELLED, "ny tid om eftermiddagen", ctx)
        assert transition.state.offered_slot_ids == (301, 302, 303)

    def test_an_old_case_or_another_ending_only_gets_the_closing_note(self) -> None:
        old = make_ctx(free_slots=MORNINGS, closed_at=NOW - timedelta(days=31))
        assert say(self.CANCELLED, "ny tid", old).outbound[0].kind is K.INFO
        recent = make_ctx(free_slots=MORNINGS, closed_at=NOW)
        declined = self.CANCELLED.with_(close_reason="declined")
        assert ReopenConversation() not in say(declined, "ny tid", recent).effects
        assert ReopenConversation() not in say(self.CANCELLED, "nej tak", recent).effects


class TestParseReplyReadsAsTheEngine:
    def test_the_offer_step_prints_the_wish(self) -> None:
        reading = read_at_step("har I noget fredag?", Step.CHOOSING_SLOT, today=TODAY)
        assert reading.as_dict() == {"intent": "wish", "wish": {"weekdays": [4]}}

    def test_a_conditional_yes_keeps_its_condition(self) -> None:
        reading = read_at_step("ja men ikke tirsdag", Step.INVITED, today=TODAY)
        assert reading.as_dict() == {"intent": "yes", "wish": {"not_weekdays": [1]}}

    def test_option_numbers_are_never_a_date(self) -> None:
        assert read_at_step("1/3", Step.CHOOSING_SLOT, today=TODAY).intent == "unknown"

    def test_the_municipality_step(self) -> None:
        name = read_at_step("Jeg bor i Køge", Step.MUNICIPALITY, today=TODAY)
        assert name.as_dict() == {"intent": "municipality", "value": "Jeg bor i Køge"}
        assert read_at_step("ja", Step.MUNICIPALITY, today=TODAY).intent == "unknown"
        question = read_at_step("hvor foregår det?", Step.MUNICIPALITY, today=TODAY)
        assert question.as_dict() == {"intent": "question", "value": "where"}

    def test_the_engine_screens_as_parse_reply_reads(self) -> None:
        state = ConversationState(step=Step.MUNICIPALITY)
        ctx = make_ctx(municipality=None)
        assert say(state, "hvor foregår det?", ctx).state.step is Step.MUNICIPALITY
        assert say(state, "Roskilde", ctx).state.step is Step.HEALTH
        assert say(state, "Køge", ctx).state.step is Step.CLOSED


def test_now_is_a_tuesday() -> None:
    assert local(NOW).date() == TODAY and TODAY.weekday() == 1
    assert NOW.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "intent"),
    [("none of those work", "more"), ("None of them, sorry", "more"), ("none", "unknown")],
)
def test_none_is_never_noon(text: str, intent: str) -> None:
    """A reply of "none": "noon" takes only a plural, since with Danish endings it keyed as
    "none" and a citizen declining the times was offered lunchtime."""
    assert parse_wish(text, date(2027, 1, 4)) is None
    assert read_at_step(text, Step.CHOOSING_SLOT, today=date(2027, 1, 4)).intent == intent


def test_english_i_before_a_verb_names_no_place() -> None:
    """ "I want to quit smoking" is no wish for a place called "want" (Danish "i" is "in")."""
    assert parse_wish("I want to quit smoking", date(2027, 1, 4)) is None
    wish = parse_wish("i Vejle", date(2027, 1, 4))
    assert wish is not None and wish.places == ("vejle",)


@pytest.mark.parametrize(
    ("text", "after"), [("senere på dagen", "12:00"), ("around noon", "11:00")]
)
def test_later_in_the_day_and_noon_are_parts_of_the_day(text: str, after: str) -> None:
    wish = parse_wish(text, date(2027, 1, 4))
    assert wish is not None and wish.after == after


@pytest.mark.parametrize("text", ["kan vi rykke den", "jeg vil gerne udskyde min tid"])
def test_rykke_and_udskyde_move_a_booking(text: str) -> None:
    assert read_at_step(text, Step.BOOKED, today=date(2027, 1, 4)).intent == "reschedule"
