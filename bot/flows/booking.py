"""Offering free slots, choosing one, and cancelling or moving a booking."""

from __future__ import annotations

from datetime import datetime

from bot import parsing
from bot.flow import Flow
from bot.flows.common import (
    close_effect,
    closed_state,
    confused,
    has_booking,
    phrase,
    say,
    stay,
    yes_no,
)
from bot.render import render_place, render_slot, render_when
from bot.types import (
    BookSlot,
    CancelBooking,
    Context,
    ConversationState,
    Effect,
    MessageKind,
    NotifyStaff,
    Outbound,
    SlotOffer,
    Step,
    Transition,
)

PAGE = 3


def available(ctx: Context, now: datetime) -> tuple[SlotOffer, ...]:
    """Return the free slots still in the future, nearest first as the service loaded them."""
    return tuple(slot for slot in ctx.free_slots if slot.starts_at > now)


def choices(count: int, flow: Flow, state: ConversationState, ctx: Context) -> str:
    """Spell out the numbers one may answer: "1", "1 eller 2", "1, 2 eller 3"."""
    numbers = [str(n) for n in range(1, count + 1)]
    if len(numbers) <= 1:
        return "".join(numbers)
    conjunction = phrase(flow, "or", state, ctx)
    return f"{', '.join(numbers[:-1])} {conjunction} {numbers[-1]}"


def slot_values(slot: SlotOffer, state: ConversationState) -> dict[str, str]:
    """Fill {when} and {place} for one slot."""
    return {"when": render_when(slot.starts_at, state.lang), "place": render_place(slot)}


def _with_prefix(prefix: str, message: Outbound) -> Outbound:
    return Outbound(kind=message.kind, text=f"{prefix}\n{message.text}" if prefix else message.text)


def _no_slots(
    state: ConversationState, ctx: Context, flow: Flow, prefix: str, effects: tuple[Effect, ...]
) -> Transition:
    waiting = state.with_(
        step=Step.CHOOSING_SLOT,
        offered_slot_ids=(),
        offer_offset=0,
        misunderstood=0,
        awaiting_rebook=False,
    )
    message = _with_prefix(prefix, say(flow, "no_slots", MessageKind.INFO, waiting, ctx))
    return Transition(waiting, (message,), (*effects, NotifyStaff(reason="no_slots")))


def offer(
    state: ConversationState,
    now: datetime,
    ctx: Context,
    flow: Flow,
    *,
    offset: int = 0,
    prefix: str = "",
    effects: tuple[Effect, ...] = (),
) -> Transition:
    """Offer the next few free slots from `offset`, or say that there are none (more)."""
    slots = available(ctx, now)
    page = slots[offset : offset + PAGE]
    if not page and offset == 0:
        return _no_slots(state, ctx, flow, prefix, effects)
    if not page:
        # The end of the list: keep the last offer open and point to a person.
        kept = state.with_(misunderstood=0)
        message = _with_prefix(prefix, say(flow, "no_more_slots", MessageKind.INFO, kept, ctx))
        return Transition(kept, (message,), effects)
    offered = state.with_(
        step=Step.CHOOSING_SLOT,
        offered_slot_ids=tuple(slot.slot_id for slot in page),
        offer_offset=offset,
        misunderstood=0,
        awaiting_rebook=False,
    )
    lines = "\n".join(f"{n}) {render_slot(slot, state.lang)}" for n, slot in enumerate(page, 1))
    key = "slot_offer" if offset + PAGE < len(slots) else "slot_offer_last"
    message = say(
        flow,
        key,
        MessageKind.SLOT_OFFER,
        offered,
        ctx,
        slots=lines,
        choices=choices(len(page), flow, state, ctx),
    )
    return Transition(offered, (_with_prefix(prefix, message),), effects)


def _choose(
    state: ConversationState, number: int, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    slot_id = state.offered_slot_ids[number - 1]
    slot = next((s for s in available(ctx, now) if s.slot_id == slot_id), None)
    if slot is None:
        # Taken (or started) since we offered it; the service loaded what is free now.
        return offer(state, now, ctx, flow, prefix=phrase(flow, "slot_taken", state, ctx))
    booked = state.with_(
        step=Step.BOOKED,
        offered_slot_ids=(),
        offer_offset=0,
        rebooking=False,
        misunderstood=0,
    )
    message = say(
        flow, "confirmation", MessageKind.CONFIRMATION, booked, ctx, **slot_values(slot, booked)
    )
    return Transition(booked, (message,), (BookSlot(slot_id=slot_id),))


def cancel(state: ConversationState, ctx: Context, flow: Flow) -> Transition:
    """Cancel the citizen's booking at their request and close the conversation."""
    done = closed_state(state, "cancelled")
    message = say(flow, "cancelled", MessageKind.CANCELLATION, done, ctx)
    return Transition(done, (message,), (CancelBooking(), close_effect("cancelled")))


def _move(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    if not available(ctx, now):
        kept = state.with_(misunderstood=0)
        return Transition(kept, (say(flow, "no_slots_move", MessageKind.INFO, kept, ctx),))
    return offer(state.with_(rebooking=True), now, ctx, flow)


def _rebook_answer(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    answer = yes_no(text, flow)
    if answer is parsing.Answer.YES:
        return offer(state, now, ctx, flow)
    if answer is parsing.Answer.NO:
        done = closed_state(state, "no_show")
        message = say(flow, "rebook_declined", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (close_effect("no_show"),))
    return confused(state, ctx, flow, "clarify_rebook")


def on_choosing(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read a reply to a slot offer: a number, FLERE, or (when moving) AFLYS."""
    if state.awaiting_rebook:
        return _rebook_answer(state, text, now, ctx, flow)
    number = parsing.parse_choice(text, len(state.offered_slot_ids))
    if number is not None:
        return _choose(state, number, now, ctx, flow)
    if has_booking(state) and parsing.mentions(text, flow.keywords.cancel):
        return cancel(state, ctx, flow)
    if not state.offered_slot_ids:
        # Nothing was free when we last looked; maybe something is now.
        if available(ctx, now):
            return offer(state, now, ctx, flow)
        return confused(state, ctx, flow, "clarify_no_slots")
    if parsing.mentions(text, flow.keywords.more):
        return offer(state, now, ctx, flow, offset=state.offer_offset + PAGE)
    count = len(state.offered_slot_ids)
    return confused(state, ctx, flow, "clarify_slot", choices=choices(count, flow, state, ctx))


def on_booked(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read a reply while booked: FLYT, AFLYS, or thanks."""
    # Moving comes first: "kan ikke komme, kan vi flytte?" should not lose the booking.
    if parsing.mentions(text, flow.keywords.move):
        return _move(state, now, ctx, flow)
    if parsing.mentions(text, flow.keywords.cancel):
        return cancel(state, ctx, flow)
    if parsing.acknowledges(text, flow.keywords.thanks):
        return stay(state)
    return confused(state, ctx, flow, "clarify_booked")


def booking_status(state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Say what the citizen is booked for and how to cancel or move it."""
    if ctx.booking is None:
        return say(flow, "clarify_booked", MessageKind.INFO, state, ctx)
    extra = slot_values(ctx.booking, state)
    return say(flow, "booking_status", MessageKind.INFO, state, ctx, **extra)
