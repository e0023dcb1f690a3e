"""The invitation: sending it, the one reminder, and the citizen's yes or no."""

from __future__ import annotations

from datetime import datetime

from bot import reading
from bot.flow import Flow, fill_template, tidy, uses_telegram
from bot.flows import screening
from bot.flows.common import close_effect, closed_state, confused, say, stay, values
from bot.interpret import Intent, Reading
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
from bot.wish import parse_wish
from core.calendar import local


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


def read_reply(state: ConversationState, text: str, now: datetime, flow: Flow) -> Reading:
    """Read an answer to the invitation as `recruitbot parse-reply --step invited` does."""
    return reading.read_step(
        text, Step.INVITED, today=local(now).date(), lang=state.lang, flow=flow
    )


def on_reply(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read the answer to the invitation: yes leads to the consent question, no closes."""
    if ctx.wrote_first:
        return on_wrote_first(state, text, now, ctx, flow)
    answer = read_reply(state, text, now, flow)
    intent = answer.intent
    if intent is Intent.YES:
        # "ja men ikke tirsdag": the condition is kept for the first offer of times.
        return screening.ask(state.with_(wish=answer.wish), Step.CONSENT, ctx, flow)
    if intent is Intent.NO:
        done = closed_state(state, "declined")
        message = say(flow, "declined", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (Declined(), close_effect("declined")))
    return confused(state, text, ctx, flow, "clarify_invited")


def on_wrote_first(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read a first message from someone not invited yet as their answer to the invitation.

    A yes, or a question ("kan jeg også komme?"), is welcomed and led on as a yes is; a no
    declines; anything else ("hej") gets the invitation itself, to answer as anyone does.
    """
    today = local(now).date()
    answer = read_reply(state, text, now, flow)
    if answer.intent is Intent.NO:
        done = closed_state(state, "declined")
        message = say(flow, "declined", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (Declined(), close_effect("declined")))
    if answer.intent is Intent.YES or "?" in text:
        # The welcome is the invitation they never got: the funnel counts it as one.
        welcome = say(flow, "welcome", MessageKind.INVITATION, state, ctx)
        wish = answer.wish or parse_wish(text, today)
        asked = screening.ask(state.with_(wish=wish), Step.CONSENT, ctx, flow)
        return Transition(asked.state, (welcome, *asked.outbound), asked.effects)
    message = campaign_invitation(state, ctx, flow)
    return Transition(state, (message,), (ScheduleNudge(due_at=now + ctx.nudge_after),))
