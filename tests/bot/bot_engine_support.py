"""Shared states, contexts and helpers for the engine tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine import step
from bot.types import (
    Context,
    ConversationState,
    Event,
    EventKind,
    MessageKind,
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
