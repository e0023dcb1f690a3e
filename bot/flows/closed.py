"""Replies after the conversation has ended."""

from __future__ import annotations

from datetime import datetime

from bot import parsing
from bot.flow import Flow
from bot.flows.common import is_opted_out, say, stay
from bot.types import Context, ConversationState, MessageKind, Outbound, Transition


def closed_info(state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Say that the conversation has ended and how to reach a person."""
    return say(flow, "closed_info", MessageKind.INFO, state, ctx)


def on_reply(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Answer the first stray message after the end once; then stay quiet."""
    # After an opt-out only START and HELP get an answer (handled as commands).
    if is_opted_out(state) or parsing.acknowledges(text, flow.keywords.thanks):
        return stay(state)
    # `misunderstood` counts answers given since closing, so an auto-reply cannot loop.
    if state.misunderstood > 0:
        return stay(state)
    answered = state.with_(misunderstood=1)
    return Transition(answered, (closed_info(answered, ctx, flow),))
