"""Replies after the conversation has ended, and a new time after the citizen cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import parsing, reading
from bot.flow import Flow
from bot.flows import booking
from bot.flows.common import is_opted_out, say, stay
from bot.types import (
    Context,
    ConversationState,
    MessageKind,
    Outbound,
    ReopenConversation,
    Step,
    Transition,
)
from core.calendar import local

# How long after cancelling a citizen may ask for a new time by SMS ("ny tid", "alligevel"):
# a month, the time a municipality keeps an invitation open; after that the case is old and
# HJÆLP gives the number to call.
REBOOK_PERIOD = timedelta(days=30)
CANCELLED = "cancelled"


def closed_info(state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Say that the conversation has ended and how to reach a person."""
    return say(flow, "closed_info", MessageKind.INFO, state, ctx)


def may_rebook(state: ConversationState, now: datetime, ctx: Context) -> bool:
    """Say whether the citizen cancelled recently enough to get new times by asking."""
    recent = ctx.closed_at is not None and now - ctx.closed_at <= REBOOK_PERIOD
    return state.step is Step.CLOSED and state.close_reason == CANCELLED and recent


def on_reply(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Offer new times to a citizen who cancelled and asks again; else answer once, then quiet."""
    # After an opt-out only START and HELP get an answer (handled as commands).
    if is_opted_out(state) or parsing.acknowledges(text, flow.keywords.thanks):
        return stay(state)
    if may_rebook(state, now, ctx):
        asked = reading.read_rebook(text, local(now).date(), flow)
        if asked is not None:
            reopened = state.with_(
                step=Step.CHOOSING_SLOT, close_reason=None, misunderstood=0, wish=asked.wish
            )
            return booking.offer(reopened, now, ctx, flow, effects=(ReopenConversation(),))
    # `misunderstood` counts answers given since closing, so an auto-reply cannot loop.
    if state.misunderstood > 0:
        return stay(state)
    answered = state.with_(misunderstood=1)
    return Transition(answered, (closed_info(answered, ctx, flow),))
