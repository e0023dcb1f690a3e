"""Properties of the engine over any state, context and reply."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import parsing
from bot.engine import step
from bot.flow import DEFAULT_FLOW
from bot.sms import fits
from bot.types import (
    CancelBooking,
    CloseConversation,
    Context,
    ConversationState,
    Event,
    EventKind,
    Inbound,
    MessageKind,
    NotifyStaff,
    OptOut,
    Place,
    ReopenConversation,
    Screening,
    SlotOffer,
    SlotWish,
    Step,
    Text,
    Transition,
)

NOW = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
K = MessageKind
CLOSE_REASONS = [
    None,
    "declined",
    "screened_out",
    "cancelled",
    "no_show",
    "attended",
    "opted_out",
    "opted_in",
]
# Every single word that opts out, and every phrase of the flow's stop list.
STOP_WORDS = sorted(DEFAULT_FLOW.keywords.stop)
KEYWORDS = sorted({word for field in DEFAULT_FLOW.keywords.__dict__.values() for word in field})
SETTINGS = settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])

slots = st.builds(
    SlotOffer,
    slot_id=st.integers(1, 30),
    starts_at=st.integers(-3 * 24, 40 * 24).map(lambda hours: NOW + timedelta(hours=hours)),
    duration_min=st.sampled_from([30, 45]),
    location_name=st.sampled_from(
        ["Sundhedscenter Roskilde", "FOA, Roskilde", "", "Sundhedscenter Frederikssund"]
    ),
    address=st.sampled_from(["Køgevej 1", "", "Frederiksværksgade 2B, 3600 Frederikssund"]),
)
TEMPLATES = [
    None,
    "Hej {first_name}! {sender} inviterer dig til et sundhedstjek. Svar JA eller NEJ.",
    "Hej {navn}!",
    "{first_name.upper}",
    "Hej {",
]
contexts = st.builds(
    Context,
    sender=st.sampled_from(["Roskilde Kommune", "Syddjurs Kommune", "Frederikssund Kommune"]),
    first_name=st.sampled_from([None, "Anna", "Mohammed", "Marie-Louise", "Zoë", "李"]),
    municipality=st.sampled_from([None, "Roskilde Kommune"]),
    target_municipality=st.sampled_from(["", "Roskilde Kommune", "Lyngby-Taarbæk Kommune"]),
    free_slots=st.lists(slots, max_size=10).map(tuple),
    wished_slots=st.lists(slots, max_size=6).map(tuple),
    locations=st.sampled_from(
        [(), ("Sundhedscenter Roskilde",), ("Sundhedscenter Roskilde", "FOA, Roskilde")]
    ),
    places=st.sampled_from(
        [
            (),
            (Place("Sundhedscenter Roskilde", "Køgevej 1"),),
            (Place("Sundhedscenter Frederikssund", "Frederiksværksgade 2B, 3600 Frederikssund"),)
            * 4,
        ]
    ),
    partner=st.sampled_from([None, "FOA", "Fag og Arbejde (FOA), Roskilde-Lejre Afdeling" * 3]),
    closed_at=st.sampled_from([None, NOW - timedelta(days=2), NOW - timedelta(days=40)]),
    booking=st.none() | slots,
    phone_number=st.sampled_from(["", "46 31 30 00", "+45 47 35 10 00"]),
    invitation_template=st.sampled_from(TEMPLATES),
)
wishes = st.builds(
    SlotWish,
    weekdays=st.lists(st.integers(0, 6), max_size=2).map(tuple),
    not_weekdays=st.lists(st.integers(0, 6), max_size=2).map(tuple),
    after=st.sampled_from([None, "10:00", "12:00", "16:00"]),
    places=st.sampled_from([(), ("roskilde",), ("vejle",)]),
)
states = st.builds(
    ConversationState,
    step=st.sampled_from(Step),
    lang=st.sampled_from(["da", "en"]),
    misunderstood=st.integers(0, 3),
    consent=st.none() | st.booleans(),
    screening=st.just(Screening()),
    offered_slot_ids=st.lists(st.integers(1, 30), max_size=3).map(tuple),
    offer_offset=st.integers(0, 12),
    rebooking=st.booleans(),
    no_shows=st.integers(0, 2),
    close_reason=st.sampled_from(CLOSE_REASONS),
    awaiting_rebook=st.booleans(),
    awaiting_follow_up_reply=st.booleans(),
    wish=st.none() | wishes,
).map(
    # A follow-up is only ever sent while booked or after the conversation took place.
    lambda state: (
        state
        if state.step in (Step.BOOKED, Step.CLOSED)
        else state.with_(awaiting_follow_up_reply=False)
    )
)
replies = st.one_of(
    st.text(max_size=200),
    st.sampled_from(KEYWORDS),
    st.lists(
        st.sampled_from([*KEYWORDS, "1", "2", "1970", "nr", "ikke", "🙂", "!"]), max_size=8
    ).map(" ".join),
    st.lists(
        st.sampled_from(
            [
                "tirsdag",
                "om eftermiddagen",
                "efter kl 16",
                "i næste uge",
                "uge 51",
                "den 14.",
                "14/12",
                "i Vejle",
                "ikke",
                "men",
                "ja",
                "2",
                "alligevel",
                "ny tid",
                "morgen",
            ]
        ),
        max_size=6,
    ).map(" ".join),
)
inbounds: st.SearchStrategy[Inbound] = st.one_of(
    replies.map(Text), st.sampled_from(EventKind).map(Event)
)
gibberish = st.text(alphabet="xqzw ", min_size=1, max_size=20).filter(str.strip)


def run(state: ConversationState, inbound: Inbound, ctx: Context) -> Transition:
    return step(state, inbound, NOW, ctx)


class TestStepProperties:
    @SETTINGS
    @given(states, inbounds, contexts)
    def test_never_raises_and_says_little(
        self, state: ConversationState, inbound: Inbound, ctx: Context
    ) -> None:
        transition = run(state, inbound, ctx)
        assert len(transition.outbound) <= 2
        assert len(transition.effects) <= 4
        for message in transition.outbound:
            assert message.text.strip()
            assert "{" not in message.text
        assert ConversationState.from_json(transition.state.to_json()) == transition.state
        # The store's JSON is what the standard library's `asdict` makes of the state.
        plain = json.dumps(asdict(transition.state), ensure_ascii=False, sort_keys=True)
        assert transition.state.to_json() == plain

    @SETTINGS
    @given(states, inbounds, contexts)
    def test_every_message_fits_two_gsm_sms(
        self, state: ConversationState, inbound: Inbound, ctx: Context
    ) -> None:
        for message in run(state, inbound, ctx).outbound:
            assert fits(message.text), message.text

    @SETTINGS
    @given(
        states,
        st.sampled_from(STOP_WORDS).map(str.upper) | st.sampled_from(STOP_WORDS),
        st.sampled_from(
            [
                "{}",
                "{}!",
                "Nej tak, {}",
                "{} venligst",
                "Hej. {}",
                "{} 🙂",
                # A negation in another clause says nothing about the stop (issue 15).
                "Nej jeg vil ikke. {}",
                "{}. Har ikke tid til det",
                "{}, jeg ryger ikke",
                "Ikke interesseret!\n{}",
            ]
        ),
        contexts,
    )
    def test_a_stop_word_opts_out_in_any_state(
        self, state: ConversationState, word: str, frame: str, ctx: Context
    ) -> None:
        transition = run(state, Text(frame.format(word)), ctx)
        assert OptOut() in transition.effects
        assert transition.state.step is Step.CLOSED
        assert transition.state.close_reason == "opted_out"
        already = state.step is Step.CLOSED and state.close_reason == "opted_out"
        assert [m.kind for m in transition.outbound] == ([] if already else [K.OPT_OUT])
        # A conversation that was still open is closed; a closed one keeps its reason.
        closing = CloseConversation("opted_out") in transition.effects
        assert closing == (state.step is not Step.CLOSED)
        if CancelBooking() in transition.effects:
            assert state.step in (Step.BOOKED, Step.CHOOSING_SLOT)

    @SETTINGS
    @given(states, st.sampled_from(["stoppested", "Er jeg afmeldt?", "stpo", "afmled"]), contexts)
    def test_a_word_that_only_looks_like_stop_never_opts_out(
        self, state: ConversationState, text: str, ctx: Context
    ) -> None:
        assert not parsing.is_opt_out(text, DEFAULT_FLOW.keywords.stop)
        assert OptOut() not in run(state, Text(text), ctx).effects

    @SETTINGS
    @given(states, inbounds, contexts)
    def test_closed_answers_only_briefly(
        self, state: ConversationState, inbound: Inbound, ctx: Context
    ) -> None:
        state = state.with_(step=Step.CLOSED)
        transition = run(state, inbound, ctx)
        sent = {message.kind for message in transition.outbound}
        if ReopenConversation() in transition.effects:
            # Only a citizen who cancelled lately, asking for a new time, gets times again.
            assert state.close_reason == "cancelled" and isinstance(inbound, Text)
            assert ctx.closed_at is not None and NOW - ctx.closed_at <= timedelta(days=30)
            assert transition.state.step is Step.CHOOSING_SLOT
            assert sent <= {K.SLOT_OFFER, K.INFO}
            return
        if state.close_reason == "opted_out":
            assert sent <= {K.OPT_IN, K.HELP}
        elif isinstance(inbound, Event):
            allowed = {K.FOLLOW_UP} if state.close_reason == "attended" else set()
            assert sent <= allowed
        else:
            assert sent <= {K.INFO, K.HELP, K.OPT_OUT, K.OPT_IN, K.CALLBACK}
        assert transition.state.step is Step.CLOSED

    @SETTINGS
    @given(states, inbounds, contexts)
    def test_closing_says_why(
        self, state: ConversationState, inbound: Inbound, ctx: Context
    ) -> None:
        transition = run(state, inbound, ctx)
        if state.step is not Step.CLOSED and transition.state.step is Step.CLOSED:
            assert transition.state.close_reason
            assert transition.effects[-1] == CloseConversation(transition.state.close_reason)

    @SETTINGS
    @given(states, gibberish, contexts)
    def test_repeated_nonsense_never_loops(
        self, state: ConversationState, text: str, ctx: Context
    ) -> None:
        sent = 0
        notified = 0
        for _ in range(6):
            transition = run(state, Text(text), ctx)
            sent += len(transition.outbound)
            notified += transition.effects.count(NotifyStaff("not_understood"))
            state = transition.state
        assert sent <= 3
        assert notified <= 1

    @SETTINGS
    @given(states, contexts)
    def test_an_echoing_auto_reply_dies_out(self, state: ConversationState, ctx: Context) -> None:
        transition = run(state, Event(EventKind.INVITE), ctx)
        state = transition.state
        echoes = list(transition.outbound) or []
        sent = 0
        for _ in range(10):
            if not echoes:
                break
            transition = run(state, Text(echoes.pop().text), ctx)
            state = transition.state
            echoes.extend(transition.outbound)
            sent += len(transition.outbound)
        assert sent <= 4
