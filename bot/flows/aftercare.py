"""What happens around a booking without the citizen writing: reminders, no-shows, follow-up."""

from __future__ import annotations

from datetime import datetime

from bot import parsing
from bot.flow import Flow
from bot.flows import booking
from bot.flows.common import close_effect, closed_state, has_booking, phrase, say, stay
from bot.types import Context, ConversationState, MessageKind, NotifyStaff, Step, Transition

# The close reason the service sets when staff record that the conversation took place.
ATTENDED = "attended"


def on_slot_taken(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Apologise that the chosen slot went to someone else and offer what is free now."""
    if state.step not in (Step.BOOKED, Step.CHOOSING_SLOT):
        return stay(state)
    return booking.offer(state, now, ctx, flow, prefix=phrase(flow, "slot_taken", state, ctx))


def on_staff_cancelled(
    state: ConversationState, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Apologise that staff cancelled the booking and offer new times."""
    if not has_booking(state):
        return stay(state)
    prefix = phrase(flow, "staff_cancelled", state, ctx)
    return booking.offer(state.with_(rebooking=False), now, ctx, flow, prefix=prefix)


def on_staff_moved(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Tell the citizen that staff moved the booking, and how to move or cancel it again."""
    if not has_booking(state) or ctx.booking is None:
        return stay(state)
    # A move the citizen had begun themselves is overtaken by the one staff made.
    booked = state.with_(
        step=Step.BOOKED, rebooking=False, offered_slot_ids=(), offer_offset=0, misunderstood=0
    )
    extra = booking.slot_values(ctx.booking, booked)
    message = say(flow, "staff_moved", MessageKind.BOOKING_MOVED, booked, ctx, **extra)
    return Transition(booked, (message,))


def on_booking_reminder(
    state: ConversationState, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Remind of the booking, with how to cancel or move it."""
    if not has_booking(state) or ctx.booking is None:
        return stay(state)
    extra = booking.slot_values(ctx.booking, state)
    return Transition(state, (say(flow, "reminder", MessageKind.REMINDER, state, ctx, **extra),))


def on_no_show(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Offer a new time after the first no-show; close after the second."""
    if not has_booking(state):
        return stay(state)
    no_shows = state.no_shows + 1
    if no_shows >= 2:
        done = closed_state(state.with_(no_shows=no_shows), "no_show")
        message = say(flow, "no_show_goodbye", MessageKind.GOODBYE, done, ctx)
        return Transition(done, (message,), (close_effect("no_show"),))
    asking = state.with_(
        step=Step.CHOOSING_SLOT,
        no_shows=no_shows,
        awaiting_rebook=True,
        rebooking=False,
        offered_slot_ids=(),
        offer_offset=0,
        misunderstood=0,
    )
    return Transition(asking, (say(flow, "rebook_offer", MessageKind.REBOOK_OFFER, asking, ctx),))


def on_handed_back(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Continue after a person held the conversation: keep a booking, else offer times."""
    if state.step is Step.CLOSED:
        return stay(state)
    if has_booking(state):
        return stay(state.with_(misunderstood=0))
    return booking.offer(state.with_(rebooking=False, misunderstood=0), now, ctx, flow)


def on_follow_up(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    """Check in a month after the conversation, when a further course was agreed."""
    attended = state.step is Step.CLOSED and state.close_reason == ATTENDED
    if state.step is not Step.BOOKED and not attended:
        return stay(state)
    # The citizen is asked to reply, so their reply deserves an answer again.
    listening = state.with_(awaiting_follow_up_reply=True, misunderstood=0)
    return Transition(listening, (say(flow, "follow_up", MessageKind.FOLLOW_UP, listening, ctx),))


def on_follow_up_reply(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Pass the citizen's answer to a follow-up on to staff, and thank them once."""
    # Answered once; a second message is read as usual, so an auto-reply cannot loop.
    answered = state.with_(
        awaiting_follow_up_reply=False,
        misunderstood=1 if state.step is Step.CLOSED else state.misunderstood,
    )
    if parsing.acknowledges(text, flow.keywords.thanks):
        return stay(answered)
    message = say(flow, "follow_up_thanks", MessageKind.INFO, answered, ctx)
    return Transition(answered, (message,), (NotifyStaff(reason="follow_up_reply"),))
