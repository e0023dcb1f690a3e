"""Commands that work in any step: STOP, START, HJÆLP, ENGLISH / DANSK and RING."""

from __future__ import annotations

from datetime import datetime

from bot.flow import Flow
from bot.flows import booking, closed, invitation, screening, waitlist
from bot.flows.common import (
    OPTED_OUT,
    close_effect,
    closed_state,
    has_booking,
    is_opted_out,
    say,
    stay,
)
from bot.interpret import Intent, read_command
from bot.types import (
    CancelBooking,
    Context,
    ConversationState,
    Effect,
    MessageKind,
    NotifyStaff,
    OptIn,
    OptOut,
    Step,
    Transition,
)

# START lifts an opt-out; a closed conversation then answers stray messages again.
OPTED_IN = "opted_in"


def opt_out(state: ConversationState, ctx: Context, flow: Flow) -> Transition:
    """Honour STOP: opt out, cancel any booking, close, and confirm once."""
    if is_opted_out(state):
        # Confirmed already; repeating the effect is harmless, repeating the SMS is not.
        return Transition(state, (), (OptOut(),))
    effects: tuple[Effect, ...] = (OptOut(),)
    key = "opt_out"
    if has_booking(state):
        effects += (CancelBooking(),)
        key = "opt_out_booked"
    done = closed_state(state, OPTED_OUT)
    message = say(flow, key, MessageKind.OPT_OUT, done, ctx)
    if state.step is Step.CLOSED:
        # Closed already: the opt-out still stops everything, but the conversation keeps the
        # reason it closed for (declined, screened out, attended), as the funnel counts it.
        return Transition(done, (message,), effects)
    return Transition(done, (message,), (*effects, close_effect(OPTED_OUT)))


def opt_in(state: ConversationState, ctx: Context, flow: Flow) -> Transition:
    """Honour START: lift the opt-out and confirm."""
    if is_opted_out(state):
        state = state.with_(close_reason=OPTED_IN, misunderstood=0)
    return Transition(state, (say(flow, "opt_in", MessageKind.OPT_IN, state, ctx),), (OptIn(),))


def help_text(state: ConversationState, ctx: Context, flow: Flow) -> Transition:
    """Say who writes, why, how to reach a person and how to stop."""
    key = "help" if ctx.phone_number.strip() else "help_no_phone"
    return Transition(state, (say(flow, key, MessageKind.HELP, state, ctx),))


def callback(state: ConversationState, ctx: Context, flow: Flow) -> Transition:
    """Ask staff to call the citizen; promise a call only when someone gets the request."""
    key = "callback"
    if not ctx.callback_promise:  # passed on, with the help phone when the campaign has one
        key = "callback_no_promise" if ctx.phone_number.strip() else "callback_no_promise_no_phone"
    message = say(flow, key, MessageKind.CALLBACK, state, ctx)
    return Transition(state, (message,), (NotifyStaff(reason="callback"),))


def reask(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Repeat what the conversation is waiting for (after a change of language)."""
    match state.step:
        case Step.INVITED:
            return Transition(
                state, (invitation.invitation(state, ctx, flow, MessageKind.QUESTION),)
            )
        case Step.CHOOSING_SLOT if state.awaiting_rebook:
            message = say(flow, "rebook_offer", MessageKind.REBOOK_OFFER, state, ctx)
            return Transition(state, (message,))
        case Step.CHOOSING_SLOT:
            # Staff were told about a lack of slots when it happened; do not tell them twice.
            again = booking.offer(state, now, ctx, flow, offset=state.offer_offset)
            return Transition(again.state, again.outbound)
        case Step.BOOKED:
            return Transition(state, (booking.booking_status(state, ctx, flow),))
        case Step.WAITLIST_ASKED | Step.WAITLIST:
            return Transition(state, (waitlist.repeat(state, ctx, flow),))
        case Step.CLOSED:
            if is_opted_out(state):
                return stay(state)
            return Transition(state, (closed.closed_info(state, ctx, flow),))
        case _:
            return Transition(state, (screening.question(state, ctx, flow),))


def on_command(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition | None:
    """Handle a command if the reply is one; None lets the current step read it."""
    reading = read_command(text, flow)
    intent = reading.intent if reading is not None else None
    if intent is Intent.STOP:
        return opt_out(state, ctx, flow)
    if intent is Intent.START:
        return opt_in(state, ctx, flow)
    if intent is Intent.HELP:
        return help_text(state, ctx, flow)
    if reading is not None and intent is Intent.LANGUAGE:
        return reask(state.with_(lang="en" if reading.value == "en" else "da"), now, ctx, flow)
    # After an opt-out only START and HELP get an answer.
    if is_opted_out(state):
        return stay(state)
    if intent is Intent.CALLBACK:
        return callback(state, ctx, flow)
    return None
