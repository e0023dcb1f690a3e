"""The invitation: sending it, the one reminder, and the citizen's yes or no."""

from __future__ import annotations

from datetime import datetime

from bot.flow import Flow, fill_template, tidy, uses_telegram
from bot.flows import screening
from bot.flows.common import close_effect, closed_state, confused, read, say, stay, values
from bot.interpret import Expect, Intent
from bot.sms import gsm_safe
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
    """Write the flow's invitation in the conversation's language."""
    return say(flow, "invitation", kind, state, ctx)


def campaign_invitation(state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Write the campaign's own invitation if it has one that can be filled in, else the flow's."""
    template = ctx.invitation_template or ""
    # Without a code to give (no bot configured now) a Telegram line would read "koden ."
    usable = template.strip() and (ctx.telegram or not uses_telegram(template))
    filled = fill_template(template, values(ctx)) if usable else None
    text = tidy(gsm_safe(filled)) if filled else ""
    if text:
        return Outbound(kind=MessageKind.INVITATION, text=text)
    return invitation(state, ctx, flow, MessageKind.INVITATION)


def on_invite(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Send the invitation and plan one reminder if no answer comes."""
    if state.step is not Step.INVITED:
        return stay(state)
    message = campaign_invitation(state, ctx, flow)
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
    intent = read(text, Expect.YES_NO, state, flow).intent
    if intent is Intent.YES:
        return screening.ask(state, Step.CONSENT, ctx, flow)
    if intent is Intent.NO:
        done = closed_state(state, "declined")
        message = say(flow, "declined", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (Declined(), close_effect("declined")))
    return confused(state, text, ctx, flow, "clarify_invited")
