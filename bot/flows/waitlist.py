"""The waitlist: offered when no time fits, a freed time offered in turn, a place that runs out.

A place waits for a time that fits the citizen's own wish (any time without one). The service
decides who is on the list and when a time is offered (booking.waitlist); this module only
words it. A time offered from the list is an ordinary offer, answered by number, so the first
to answer books it and a later answer meets a time already taken.
"""

from __future__ import annotations

from datetime import datetime

from bot import fit, parsing
from bot.flow import Flow
from bot.flows import booking
from bot.flows.common import close_effect, closed_state, confused, phrase, read, say, stay
from bot.interpret import Expect, Intent
from bot.types import (
    Context,
    ConversationState,
    JoinWaitlist,
    LeaveWaitlist,
    MessageKind,
    Outbound,
    Step,
    Transition,
)
from bot.wish import parse_wish
from core.calendar import local


def on_ask(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Offer a place on the waitlist, if the citizen is still without a time to choose."""
    if state.step is not Step.CHOOSING_SLOT or state.offered_slot_ids:
        return stay(state)
    asked = state.with_(step=Step.WAITLIST_ASKED, misunderstood=0)
    return Transition(asked, (say(flow, "waitlist_ask", MessageKind.QUESTION, asked, ctx),))


def on_asked(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read the answer to the waitlist question."""
    intent = read(text, Expect.YES_NO, state, flow).intent
    if intent is Intent.YES:
        return booking.join_waitlist(state, ctx, flow)
    if intent is Intent.NO:
        back = state.with_(step=Step.CHOOSING_SLOT, offered_slot_ids=(), misunderstood=0)
        return Transition(back, (say(flow, "waitlist_declined", MessageKind.INFO, back, ctx),))
    return confused(state, text, ctx, flow, "clarify_waitlist")


def on_waiting(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """A reply while on the list: leave it, change the wish, be offered what fits now, or be told.

    A new wish ("fredag går også") is added to the one the place waits for: times that fit it
    now are offered, else the place keeps it for the next freed time.
    """
    intent = read(text, Expect.YES_NO, state, flow).intent
    said = parse_wish(text, local(now).date())
    if intent is Intent.CANCEL or (intent is Intent.NO and said is None):
        done = closed_state(state, "waitlist_left")
        message = say(flow, "waitlist_left", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (LeaveWaitlist(), close_effect("waitlist_left")))
    if said is not None:
        wish = fit.merge(state.wish, said)
        if booking.candidates(wish, ctx, now):
            return booking.offer(state.with_(wish=wish), now, ctx, flow)
        noted = state.with_(wish=wish, misunderstood=0)
        message = say(flow, "waitlist_wish_noted", MessageKind.INFO, noted, ctx)
        return Transition(noted, (message,), (JoinWaitlist(wish=wish),))
    if booking.candidates(state.wish, ctx, now):
        return booking.offer(state, now, ctx, flow)
    if intent is Intent.YES or parsing.acknowledges(text, flow.keywords.thanks):
        return stay(state)
    return confused(state, text, ctx, flow, "waitlist_waiting")


def repeat(state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Say again what a waitlist step waits for (after a change of language)."""
    if state.step is Step.WAITLIST_ASKED:
        return say(flow, "waitlist_ask", MessageKind.QUESTION, state, ctx)
    return say(flow, "waitlist_waiting", MessageKind.INFO, state, ctx)


def on_offer(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """A time that fits the wish has come free: offer what fits now, nearest first.

    A day-old offer is made anew; a time that does not fit the wish is never offered from the
    list (booking.waitlist offers each freed time to the first whose wish it fits).
    """
    waiting = state.step is Step.WAITLIST or (
        state.step is Step.CHOOSING_SLOT and not state.rebooking and not state.awaiting_rebook
    )
    if not waiting or not booking.candidates(state.wish, ctx, now):
        return stay(state)
    prefix = phrase(flow, "waitlist_offer", state, ctx)
    return booking.offer(state, now, ctx, flow, prefix=prefix)


def on_taken(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """The time offered went to someone else: say so kindly, and keep the place on the list."""
    if state.step is not Step.CHOOSING_SLOT or state.rebooking:
        return stay(state)
    waiting = state.with_(step=Step.WAITLIST, offered_slot_ids=(), offer_offset=0, misunderstood=0)
    return Transition(waiting, (say(flow, "waitlist_taken", MessageKind.INFO, waiting, ctx),))


def on_expired(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """The place on the list ran out without a time: a last message, and the case closes."""
    if state.step not in (Step.WAITLIST, Step.CHOOSING_SLOT) or state.rebooking:
        return stay(state)
    done = closed_state(state, "waitlist_expired")
    message = say(flow, "waitlist_expired", MessageKind.GOODBYE, done, ctx)
    return Transition(done, (message,), (close_effect("waitlist_expired"),))
