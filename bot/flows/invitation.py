"""The invitation: sending it, the one reminder, and the citizen's yes or no."""

from __future__ import annotations

from datetime import datetime

from bot import parsing
from bot.flow import Flow
from bot.flows import screening
from bot.flows.common import close_effect, closed_state, confused, say, stay, yes_no
from bot.types import (
    Context,
    ConversationState,
    Declined,
    MessageKind,
    Outbound,
    ScheduleNudge,
    Step,
    Transition,
)


def invitation(state: ConversationState, ctx: Context, flow: Flow, kind: MessageKind) -> Outbound:
    """Write the invitation."""
    return say(flow, "invitation", kind, state, ctx)


def on_invite(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Send the invitation and plan one reminder if no answer comes."""
    if state.step is not Step.INVITED:
        return stay(state)
    message = invitation(state, ctx, flow, MessageKind.INVITATION)
    return Transition(state, (message,), (ScheduleNudge(due_at=now + ctx.nudge_after),))


def on_reminder(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Remind once of an unanswered invitation; plan no further reminder."""
    if state.step is not Step.INVITED:
        return stay(state)
    message = say(flow, "invitation_reminder", MessageKind.INVITATION_REMINDER, state, ctx)
    return Transition(state, (message,))


def on_reply(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read the answer to the invitation: yes leads to the consent question, no closes."""
    answer = yes_no(text, flow)
    if answer is parsing.Answer.YES:
        return screening.ask(state, Step.CONSENT, ctx, flow)
    if answer is parsing.Answer.NO:
        done = closed_state(state, "declined")
        message = say(flow, "declined", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (Declined(), close_effect("declined")))
    return confused(state, ctx, flow, "clarify_invited")
