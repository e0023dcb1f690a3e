"""`recruitbot parse-reply --step` reads every reply exactly as the engine acts on it (issue 15).

For every reply of the corpus and every step, the engine is run in that step's ordinary state
(see `bot.reading`) and what it did is turned back into a reading: a booking is a `choice`, a
move to the consent question a `yes`, a clarification `unknown`, an answer from the campaign's
facts a `question`, and so on. That must be the reading `read_at_step` gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import step
from bot.flow import DEFAULT_FLOW
from bot.flows import commands
from bot.flows.common import answer
from bot.questions import TOPICS
from bot.reading import read_at_step
from bot.types import (
    CHRONIC_DISEASES,
    HEALTH_SCALE,
    BookSlot,
    CancelBooking,
    Context,
    ConversationState,
    Declined,
    JoinWaitlist,
    Language,
    LeaveWaitlist,
    MessageKind,
    NotifyStaff,
    OptIn,
    OptOut,
    Place,
    ReopenConversation,
    ScreenedIn,
    SlotOffer,
    Step,
    Text,
    Transition,
)
from recruitbot.cli.evaluate import CORPUS_DAY

CORPUS = Path(__file__).parent / "corpus" / "replies.jsonl"
NOW = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # noon in Copenhagen on the corpus's day
K = MessageKind
PLACES = (
    ("Sundhedscenter Roskilde", "Køgevej 1"),
    ("Biblioteket i Vejle", "Willy Sørensens Plads 1"),
)
# Two weeks of times on weekdays, mornings and afternoons, at two places.
SLOTS = tuple(
    SlotOffer(
        slot_id=100 + i,
        starts_at=datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
        + timedelta(days=i // 2, hours=5 * (i % 2)),
        duration_min=45,
        location_name=PLACES[i % 2][0],
        address=PLACES[i % 2][1],
    )
    for i in range(20)
    if (datetime(2026, 12, 7) + timedelta(days=i // 2)).weekday() < 5
)


def context(line: dict[str, Any], step_: Step) -> Context:
    waiting = step_ in (Step.WAITLIST, Step.WAITLIST_ASKED)
    return Context(
        sender="Roskilde Kommune",
        first_name="Anna",
        target_municipality=line.get("municipality") or "Roskilde Kommune",
        free_slots=() if waiting else SLOTS,
        locations=tuple(name for name, _ in PLACES),
        places=tuple(Place(name, address) for name, address in PLACES),
        partner="FOA",
        booking=SLOTS[0],
        closed_at=NOW - timedelta(days=2),
        phone_number="46 31 30 00",
    )


def state(line: dict[str, Any], step_: Step) -> ConversationState:
    lang = cast(Language, line.get("lang", "da"))
    base = ConversationState(step=step_, lang=lang)
    if step_ is Step.CHOOSING_SLOT:
        offered = tuple(slot.slot_id for slot in SLOTS[: line.get("options") or 3])
        return base.with_(offered_slot_ids=offered)
    if step_ is Step.CLOSED:
        return base.with_(close_reason="cancelled")
    if step_ is Step.AGE:
        return base.with_(consent=True)
    return base


@dataclass
class Done:
    """What the engine did, as the readings it fits and the value it acted on."""

    intents: frozenset[str]
    value: object = None
    check: dict[str, object] = field(default_factory=dict)


def _generic(before: ConversationState, t: Transition, ctx: Context) -> Done | None:
    sent = [message.kind for message in t.outbound]
    if OptOut() in t.effects:
        return Done(frozenset({"stop"}))
    if OptIn() in t.effects:
        return Done(frozenset({"start"}))
    if sent == [K.HELP]:
        return Done(frozenset({"help"}))
    if t.state.lang != before.lang:
        return Done(frozenset({"language"}), t.state.lang)
    reasked = commands.reask(before, NOW, ctx, DEFAULT_FLOW).outbound
    unchanged = not t.effects and t.state.misunderstood == before.misunderstood
    if t.outbound and t.outbound == reasked and unchanged:
        return Done(frozenset({"language"}), before.lang)
    if NotifyStaff("callback") in t.effects:
        return Done(frozenset({"callback"}))
    if len(t.outbound) == 2 and sent[1] is K.CLARIFICATION:
        for topic in TOPICS:
            if t.outbound[0] == answer(topic, before, ctx, DEFAULT_FLOW):
                return Done(frozenset({"question"}), topic)
    if sent == [K.CLARIFICATION] and t.state.misunderstood == 1:
        return Done(frozenset({"unknown"}))
    return None


def _screening(before: ConversationState, t: Transition) -> Done | None:
    after, moved = t.state.screening, t.state.step is not before.step
    match before.step:
        case Step.INVITED if t.state.step is Step.CONSENT:
            return Done(frozenset({"yes"}))
        case Step.INVITED if Declined() in t.effects:
            return Done(frozenset({"no"}))
        case Step.CONSENT if t.state.step is Step.AGE:
            return Done(frozenset({"yes"}))
        case Step.CONSENT if ScreenedIn() in t.effects:
            return Done(frozenset({"no", "skip"}))
        case Step.AGE if after.birth_year is not None:
            return Done(frozenset({"birth_year"}), after.birth_year)
        case Step.AGE if after.age_confirmed is not None:
            return Done(frozenset({"age", "yes", "no"}), check={"confirmed": after.age_confirmed})
        case Step.AGE | Step.MUNICIPALITY | Step.HEALTH if moved:
            if before.step is Step.MUNICIPALITY and after.municipality is not None:
                return Done(frozenset({"municipality"}), after.municipality)
            if before.step is Step.HEALTH and after.self_rated_health is not None:
                return Done(frozenset({"choice"}), HEALTH_SCALE.index(after.self_rated_health) + 1)
            return Done(frozenset({"skip"}))
        case Step.CHRONIC if ScreenedIn() in t.effects:
            if after.chronic_diseases is None:
                return Done(frozenset({"skip"}))
            chosen = [CHRONIC_DISEASES.index(d) + 1 for d in after.chronic_diseases]
            return Done(frozenset({"choices"}), chosen)
    return None


def _booking(before: ConversationState, t: Transition) -> Done | None:
    booked = [effect for effect in t.effects if isinstance(effect, BookSlot)]
    silent = not t.outbound and not t.effects
    match before.step:
        case Step.CHOOSING_SLOT if booked:
            number = before.offered_slot_ids.index(booked[0].slot_id) + 1
            return Done(frozenset({"choice", "wish"}), number)
        case Step.CHOOSING_SLOT if t.state.wish != before.wish or (
            # A wish nothing fits: the nearest others are offered from the start again.
            [m.kind for m in t.outbound] == [K.SLOT_OFFER] and t.state.offer_offset == 0
        ):
            return Done(frozenset({"wish"}))
        case Step.CHOOSING_SLOT if t.state.offer_offset > before.offer_offset or (
            [m.kind for m in t.outbound] == [K.INFO] and t.state.misunderstood == 0
        ):
            return Done(frozenset({"more"}))
        case Step.BOOKED if CancelBooking() in t.effects:
            return Done(frozenset({"cancel"}))
        case Step.BOOKED if t.state.rebooking:
            return Done(frozenset({"reschedule"}))
        case Step.BOOKED | Step.WAITLIST if silent:
            return Done(frozenset({"yes", "thanks"}))
        case Step.CLOSED if ReopenConversation() in t.effects:
            return Done(frozenset({"reschedule"}))
        case Step.CLOSED if silent:
            return Done(frozenset({"thanks"}))
        case Step.CLOSED if t.state.misunderstood == 1 and t.outbound:
            return Done(frozenset({"unknown"}))
        case Step.WAITLIST_ASKED if _joins(t):
            return Done(frozenset({"yes", "wish"}))
        case Step.WAITLIST_ASKED if t.state.step is Step.CHOOSING_SLOT:
            return Done(frozenset({"no"}))
        case Step.WAITLIST if LeaveWaitlist() in t.effects:
            return Done(frozenset({"no", "cancel"}))
        case Step.WAITLIST if _joins(t):
            # A wish written while waiting goes with the place (booking.waitlist).
            return Done(frozenset({"wish"}))
    return None


def _joins(t: Transition) -> bool:
    return any(isinstance(effect, JoinWaitlist) for effect in t.effects)


def done(before: ConversationState, t: Transition, ctx: Context) -> Done:
    """Turn what the engine did back into the reading it acted on."""
    found = _generic(before, t, ctx) or _screening(before, t) or _booking(before, t)
    assert found is not None, f"no reading fits {t}"
    return found


def _lines() -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in CORPUS.read_text(encoding="utf-8").splitlines() if raw]


def _band(reading: dict[str, object]) -> bool:
    value = reading.get("value")
    if reading["intent"] == "age" and isinstance(value, int):
        return 40 <= value <= 60
    return reading["intent"] == "yes"


def mismatch(line: dict[str, Any], step_: Step) -> str | None:
    """Compare parse-reply's reading of one line at one step with what the engine did."""
    ctx, before = context(line, step_), state(line, step_)
    options = line.get("options") if step_ is Step.CHOOSING_SLOT else None
    reading = read_at_step(
        line["text"],
        step_,
        today=CORPUS_DAY,
        options=options,
        lang=before.lang,
        target_municipality=ctx.target_municipality,
    ).as_dict()
    acted = done(before, step(before, Text(line["text"]), NOW, ctx), ctx)
    fits = reading["intent"] in acted.intents
    if fits and acted.value is not None and reading["intent"] != "wish":
        fits = reading.get("value") == acted.value
    if fits and "confirmed" in acted.check:
        fits = _band(reading) == acted.check["confirmed"]
    return None if fits else f"{line['text']!r}: read {reading}, engine {acted}"


@pytest.mark.parametrize("step_", list(Step), ids=[s.value for s in Step])
def test_parse_reply_reads_every_corpus_line_as_the_engine_acts(step_: Step) -> None:
    wrong = [found for line in _lines() if (found := mismatch(line, step_)) is not None]
    assert wrong == []


_WORDS = sorted(
    {word for line in _lines() for word in line["text"].split()}
    | {word for words in DEFAULT_FLOW.keywords.__dict__.values() for word in words}
)
replies = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from([*_WORDS, ".", ",", "!", "?", "\n", "ikke", "2", "1970"]), max_size=8
    ).map(" ".join),
)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(Step)), replies, st.sampled_from(["da", "en"]))
def test_parse_reply_reads_any_reply_as_the_engine_acts(step_: Step, text: str, lang: str) -> None:
    assert mismatch({"text": text, "lang": lang}, step_) is None
