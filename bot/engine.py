"""The screening dialogue as a pure function: `step(state, inbound, now, ctx) -> Transition`.

No database, no SDK, no clock: everything comes in as arguments and goes out as messages and
effects for the conversation service to apply in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.flow import DEFAULT_FLOW, Flow
from bot.flows import aftercare, booking, closed, commands, invitation, screening, waitlist
from bot.types import (
    Context,
    ConversationState,
    Event,
    EventKind,
    Inbound,
    Step,
    Transition,
)

EventHandler = Callable[[ConversationState, datetime, Context, Flow], Transition]
ReplyHandler = Callable[[ConversationState, str, datetime, Context, Flow], Transition]

_EVENTS: dict[EventKind, EventHandler] = {
    EventKind.INVITE: invitation.on_invite,
    EventKind.INVITATION_REMINDER: invitation.on_reminder,
    EventKind.BOOKING_REMINDER: aftercare.on_booking_reminder,
    EventKind.FOLLOW_UP: aftercare.on_follow_up,
    EventKind.SLOT_TAKEN: aftercare.on_slot_taken,
    EventKind.NO_SHOW: aftercare.on_no_show,
    EventKind.BOOKING_CANCELLED_BY_STAFF: aftercare.on_staff_cancelled,
    EventKind.BOOKING_MOVED_BY_STAFF: aftercare.on_staff_moved,
    EventKind.HANDED_BACK: aftercare.on_handed_back,
    EventKind.WAITLIST_ASK: waitlist.on_ask,
    EventKind.WAITLIST_OFFER: waitlist.on_offer,
    EventKind.WAITLIST_TAKEN: waitlist.on_taken,
    EventKind.WAITLIST_EXPIRED: waitlist.on_expired,
}

_REPLIES: dict[Step, ReplyHandler] = {
    Step.INVITED: invitation.on_reply,
    Step.CONSENT: screening.on_reply,
    Step.AGE: screening.on_reply,
    Step.MUNICIPALITY: screening.on_reply,
    Step.HEALTH: screening.on_reply,
    Step.CHRONIC: screening.on_reply,
    Step.CHOOSING_SLOT: booking.on_choosing,
    Step.BOOKED: booking.on_booked,
    Step.WAITLIST_ASKED: waitlist.on_asked,
    Step.WAITLIST: waitlist.on_waiting,
    Step.CLOSED: closed.on_reply,
}


def step(
    state: ConversationState,
    inbound: Inbound,
    now: datetime,
    ctx: Context,
    flow: Flow = DEFAULT_FLOW,
) -> Transition:
    """Advance the dialogue by one inbound message or event."""
    if isinstance(inbound, Event):
        return _EVENTS[inbound.kind](state, now, ctx, flow)
    command = commands.on_command(state, inbound.text, now, ctx, flow)
    if command is not None:
        return command
    if state.awaiting_follow_up_reply:
        return aftercare.on_follow_up_reply(state, inbound.text, now, ctx, flow)
    return _REPLIES[state.step](state, inbound.text, now, ctx, flow)
