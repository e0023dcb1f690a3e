"""Offering free slots, choosing one, and cancelling or moving a booking."""

from __future__ import annotations

from datetime import datetime

from bot import fit, parsing, reading
from bot.flow import Flow
from bot.flows.common import (
    close_effect,
    closed_state,
    confused,
    has_booking,
    phrase,
    read,
    say,
    stay,
)
from bot.interpret import Expect, Intent
from bot.render import render_place, render_slot, render_when, render_where
from bot.sms import fits
from bot.types import (
    BookSlot,
    CancelBooking,
    Context,
    ConversationState,
    Effect,
    JoinWaitlist,
    MessageKind,
    NotifyStaff,
    Outbound,
    SlotOffer,
    SlotWish,
    Step,
    Transition,
)
from core.calendar import local

PAGE = 3
# How an offer is written, fullest first; the first that fits in two SMS is sent: the full date
# with the location's name, the short date, the names cut (when the times are at several places),
# then the date alone. The confirmation always gives the full address.
# A municipality with more than one place always has the place named, if need be cut short.
_FULL: tuple[tuple[bool, int | None], ...] = ((False, None), (True, None))
_CUTS: tuple[tuple[bool, int | None], ...] = ((True, 24), (True, 16), (True, 10))
# Only if even ten letters of a name would break the two-SMS limit is the name left out.
_NO_NAME: tuple[bool, int | None] = (True, 0)
# "VENTELISTE" (or "ja, ventelisten tak") at an offer of other times than the wished ones.
_WAITLIST_WORDS = ("venteliste", "waitlist")
_WAITLIST_PHRASES = (parsing.tokens("waiting list"), parsing.tokens("wait list"))
_NOT = parsing.word_set(parsing.spaced("nej ikke no not"))
_WAITLIST_REPLY = 10  # words; "ja tak, sæt mig gerne på ventelisten" is a request, a story not


def several_places(page: tuple[SlotOffer, ...], ctx: Context) -> bool:
    """Say whether the citizen must be told where: the municipality has more than one place."""
    return len(set(ctx.locations) | {render_where(slot) for slot in page}) > 1


def _styles(page: tuple[SlotOffer, ...], ctx: Context) -> tuple[tuple[bool, int | None], ...]:
    if several_places(page, ctx):
        return (*_FULL, *_CUTS, _NO_NAME)
    return (*_FULL, _NO_NAME)


def available(ctx: Context, now: datetime) -> tuple[SlotOffer, ...]:
    """Return the free slots still in the future, nearest first as the service loaded them."""
    return tuple(slot for slot in ctx.free_slots if slot.starts_at > now)


def free_slot(ctx: Context, now: datetime, slot_id: int) -> SlotOffer | None:
    """Find a slot that is still free and in the future: among those offered, else all loaded.

    The offered ones come first, so choosing a time offered reads no others; a time gone since
    is looked for among the free ones, which the fresh offer after "taken" is made from anyway.
    """
    offered = _future(ctx.offered, now, slot_id)
    if offered is not None:
        return offered
    return _future((*ctx.free_slots, *ctx.wished_slots), now, slot_id)


def _future(pool: tuple[SlotOffer, ...], now: datetime, slot_id: int) -> SlotOffer | None:
    return next((s for s in pool if s.slot_id == slot_id and s.starts_at > now), None)


def candidates(wish: SlotWish | None, ctx: Context, now: datetime) -> tuple[SlotOffer, ...]:
    """Return the free future slots that fit the wish, nearest first (all of them without one)."""
    if wish is None:
        return available(ctx, now)
    pool = {slot.slot_id: slot for slot in (*ctx.free_slots, *ctx.wished_slots)}
    fitting = (s for s in pool.values() if s.starts_at > now and fit.matches(wish, s))
    return tuple(sorted(fitting, key=lambda slot: (slot.starts_at, slot.slot_id)))


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
    key = "no_slots"
    if not ctx.callback_promise:  # passed on, with the help phone when the campaign has one
        key = "no_slots_no_promise" if ctx.phone_number.strip() else "no_slots_no_promise_no_phone"
    message = _with_prefix(prefix, say(flow, key, MessageKind.INFO, waiting, ctx))
    return Transition(waiting, (message,), (*effects, NotifyStaff(reason="no_slots")))


def _offer_message(
    key: str,
    page: tuple[SlotOffer, ...],
    state: ConversationState,
    ctx: Context,
    flow: Flow,
    prefix: str,
) -> Outbound:
    """Write the offer of `page` in the fullest style that fits in two SMS."""
    message = Outbound(kind=MessageKind.SLOT_OFFER, text="")
    for short, limit in _styles(page, ctx):
        lines = "\n".join(
            f"{n}) {render_slot(slot, state.lang, short=short, limit=limit)}"
            for n, slot in enumerate(page, 1)
        )
        numbers = choices(len(page), flow, state, ctx)
        written = say(flow, key, MessageKind.SLOT_OFFER, state, ctx, slots=lines, choices=numbers)
        message = _with_prefix(prefix, written)
        if fits(message.text):
            break
    return message


def _to_offer(
    state: ConversationState, ctx: Context, now: datetime
) -> tuple[tuple[SlotOffer, ...], str]:
    """Return the slots to offer and the text to offer them with.

    Those that fit the wish; when none does, the nearest others (keeping only "not on
    Tuesday"), and, unless a booking is being moved, a place on the waitlist for a time that
    fits. The citizen's own wish is kept in the state, not the relaxed one: it is what the
    waitlist waits for, and every page of "FLERE" is worked out the same way.
    """
    slots = candidates(state.wish, ctx, now)
    if state.wish is None:
        return slots, "slot_offer"
    if slots:
        return slots, "wish_offer"
    others = candidates(fit.relaxed(state.wish), ctx, now)
    return others, "wish_other" if state.rebooking else "wish_other_waitlist"


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
    """Offer the next few free slots that fit the wish from `offset`, or say there are none.

    When nothing fits the citizen's wish, say so and offer the nearest others instead, with a
    place on the waitlist (`_to_offer`); a slot is booked only when the citizen then picks its
    number.
    """
    slots, key = _to_offer(state, ctx, now)
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
    key = key if offset + PAGE < len(slots) else f"{key}_last"
    return Transition(offered, (_offer_message(key, page, offered, ctx, flow, prefix),), effects)


def asks_for_waitlist(text: str) -> bool:
    """Say whether a reply asks for a place on the waitlist ("VENTELISTE", "ja, venteliste")."""
    words = parsing.tokens(text)
    if not words or len(words) > _WAITLIST_REPLY or any(word in _NOT for word in words):
        return False
    return any(word.startswith(_WAITLIST_WORDS) for word in words) or any(
        parsing.has_phrase(words, phrase) for phrase in _WAITLIST_PHRASES
    )


def join_waitlist(state: ConversationState, ctx: Context, flow: Flow) -> Transition:
    """Put the citizen on the waitlist for a time that fits their wish (any time without one)."""
    waiting = state.with_(
        step=Step.WAITLIST,
        offered_slot_ids=(),
        offer_offset=0,
        misunderstood=0,
        awaiting_rebook=False,
    )
    key = "waitlist_joined" if state.wish is None else "waitlist_joined_wish"
    message = say(flow, key, MessageKind.INFO, waiting, ctx)
    return Transition(waiting, (message,), (JoinWaitlist(wish=state.wish),))


def _wished(
    state: ConversationState, wish: SlotWish, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Answer a wish at an offer: book "2 (onsdag)" if 2 is a Wednesday, else offer what fits."""
    number = _named_choice(text, wish, len(state.offered_slot_ids))
    if number is not None:
        slot_id = state.offered_slot_ids[number - 1]
        slot = free_slot(ctx, now, slot_id)
        if slot is not None and fit.matches(wish, slot):
            return _choose(state, number, now, ctx, flow)
    return offer(state.with_(wish=fit.merge(state.wish, wish)), now, ctx, flow)


def _named_choice(text: str, wish: SlotWish, options: int) -> int | None:
    """The one option number in a reply that otherwise only names a weekday ("2 (onsdag)")."""
    if wish != SlotWish(weekdays=wish.weekdays) or not wish.weekdays:
        return None
    found = parsing.digits(parsing.tokens(text))
    return found[0] if len(found) == 1 and 1 <= found[0] <= options else None


def _choose(
    state: ConversationState, number: int, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    slot_id = state.offered_slot_ids[number - 1]
    slot = free_slot(ctx, now, slot_id)
    if slot is None:
        # Taken (or started) since we offered it; the service loaded what is free now.
        return offer(state, now, ctx, flow, prefix=phrase(flow, "slot_taken", state, ctx))
    booked = state.with_(
        step=Step.BOOKED,
        offered_slot_ids=(),
        offer_offset=0,
        rebooking=False,
        misunderstood=0,
        wish=None,
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


def _move(
    state: ConversationState, wish: SlotWish | None, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    if not available(ctx, now) and not candidates(wish, ctx, now):
        kept = state.with_(misunderstood=0)
        return Transition(kept, (say(flow, "no_slots_move", MessageKind.INFO, kept, ctx),))
    return offer(state.with_(rebooking=True, wish=wish), now, ctx, flow)


def _rebook_answer(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    answer = reading.with_condition(
        read(text, Expect.YES_NO, state, flow), text, local(now).date(), Step.INVITED
    )
    intent = answer.intent
    if intent is Intent.YES:
        return offer(state.with_(wish=answer.wish), now, ctx, flow)
    if intent is Intent.NO:
        done = closed_state(state, "no_show")
        message = say(flow, "rebook_declined", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (close_effect("no_show"),))
    return confused(state, text, ctx, flow, "clarify_rebook")


def on_choosing(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read a reply to a slot offer: a number, FLERE, or (when moving) AFLYS."""
    if state.awaiting_rebook:
        return _rebook_answer(state, text, now, ctx, flow)
    if not has_booking(state) and asks_for_waitlist(text) and not candidates(state.wish, ctx, now):
        # Nothing fits the wish (or nothing is free): wait for a time that does.
        return join_waitlist(state, ctx, flow)
    options = len(state.offered_slot_ids)
    answer = reading.wish_at_offer(
        read(text, Expect.CHOICE, state, flow, options=options),
        text,
        local(now).date(),
        options=options or PAGE,
        lang=state.lang,
    )
    if answer.intent is Intent.CHOICE and isinstance(answer.value, int):
        return _choose(state, answer.value, now, ctx, flow)
    if answer.intent is Intent.WISH and answer.wish is not None:
        return _wished(state, answer.wish, text, now, ctx, flow)
    if has_booking(state) and answer.intent is Intent.CANCEL:
        return cancel(state, ctx, flow)
    if not state.offered_slot_ids:
        # Nothing was free when we last looked; maybe something is now. Offer again only if
        # the offer would hold a time, else every unclear reply would repeat "no free times".
        if _to_offer(state, ctx, now)[0]:
            return offer(state, now, ctx, flow)
        key = "clarify_no_slots" if ctx.phone_number.strip() else "clarify_no_slots_no_phone"
        return confused(state, text, ctx, flow, key)
    # "Another time" while choosing one asks for other times, as FLERE does.
    if answer.intent in (Intent.MORE, Intent.RESCHEDULE):
        return offer(state, now, ctx, flow, offset=state.offer_offset + PAGE)
    numbers = choices(len(state.offered_slot_ids), flow, state, ctx)
    return confused(state, text, ctx, flow, "clarify_slot", choices=numbers)


def on_booked(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read a reply while booked: FLYT, AFLYS, or thanks."""
    # Moving comes first: "kan ikke komme, kan vi flytte?" should not lose the booking.
    answer = reading.with_condition(
        read(text, None, state, flow), text, local(now).date(), Step.BOOKED
    )
    intent = answer.intent
    if intent in (Intent.RESCHEDULE, Intent.MORE):
        return _move(state, answer.wish, now, ctx, flow)
    if intent is Intent.CANCEL:
        return cancel(state, ctx, flow)
    if intent is Intent.YES or parsing.acknowledges(text, flow.keywords.thanks):
        return stay(state)
    return confused(state, text, ctx, flow, "clarify_booked")


def booking_status(state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Say what the citizen is booked for and how to cancel or move it."""
    if ctx.booking is None:
        return say(flow, "clarify_booked", MessageKind.INFO, state, ctx)
    extra = slot_values(ctx.booking, state)
    return say(flow, "booking_status", MessageKind.INFO, state, ctx, **extra)
