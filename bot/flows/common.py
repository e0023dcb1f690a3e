"""What every part of the dialogue shares: filling in texts, closing, and not understanding."""

from __future__ import annotations

from bot import parsing
from bot.flow import Flow
from bot.types import (
    CloseConversation,
    Context,
    ConversationState,
    MessageKind,
    NotifyStaff,
    Outbound,
    Step,
    Transition,
)

OPTED_OUT = "opted_out"
# Reached after a clarification and an offer of a call; from here on the engine stays quiet.
GIVE_UP = 2


def values(ctx: Context, **extra: str) -> dict[str, object]:
    """Collect every placeholder a text may use; `extra` fills the slot-specific ones."""
    return {
        "sender": ctx.sender,
        "first_name": ctx.first_name or "",
        "age_min": ctx.age_min,
        "age_max": ctx.age_max,
        "phone": ctx.phone_number,
        "target_municipality": ctx.target_municipality,
        "slots": "",
        "choices": "",
        "when": "",
        "place": "",
        **extra,
    }


def phrase(flow: Flow, key: str, state: ConversationState, ctx: Context) -> str:
    """Fill in one text in the conversation's language, for use inside another message."""
    return flow.text(key, state.lang, values(ctx))


def say(
    flow: Flow,
    key: str,
    kind: MessageKind,
    state: ConversationState,
    ctx: Context,
    **extra: str,
) -> Outbound:
    """Write one message in the conversation's language."""
    return Outbound(kind=kind, text=flow.text(key, state.lang, values(ctx, **extra)))


def stay(state: ConversationState) -> Transition:
    """Change nothing and say nothing."""
    return Transition(state=state)


def is_opted_out(state: ConversationState) -> bool:
    """Say whether the conversation ended because the citizen opted out."""
    return state.step is Step.CLOSED and state.close_reason == OPTED_OUT


def has_booking(state: ConversationState) -> bool:
    """Say whether the citizen holds a booking (also while choosing a time to move it to)."""
    if state.step is Step.BOOKED:
        return True
    return state.step is Step.CHOOSING_SLOT and state.rebooking and not state.awaiting_rebook


def closed_state(state: ConversationState, reason: str) -> ConversationState:
    """Return the state of a conversation closed for `reason`."""
    return state.with_(
        step=Step.CLOSED,
        close_reason=reason,
        misunderstood=0,
        offered_slot_ids=(),
        rebooking=False,
        awaiting_rebook=False,
        awaiting_follow_up_reply=False,
    )


def close_effect(reason: str) -> CloseConversation:
    """Tell the service to close the conversation."""
    return CloseConversation(reason=reason)


def yes_no(text: str, flow: Flow) -> parsing.Answer | None:
    """Read a reply as yes or no with the flow's keywords."""
    return parsing.classify_yes_no(text, flow.keywords.yes, flow.keywords.no)


def confused(
    state: ConversationState, ctx: Context, flow: Flow, clarify_key: str, **extra: str
) -> Transition:
    """Answer a reply not understood: ask once more, then offer a person, then stay quiet."""
    if state.misunderstood == 0:
        again = state.with_(misunderstood=1)
        return Transition(
            again, (say(flow, clarify_key, MessageKind.CLARIFICATION, again, ctx, **extra),)
        )
    if state.misunderstood == 1:
        stuck = state.with_(misunderstood=GIVE_UP)
        message = say(flow, "not_understood", MessageKind.CALLBACK, stuck, ctx)
        return Transition(stuck, (message,), (NotifyStaff(reason="not_understood"),))
    # A person has been asked to call; re-asking again would only loop with an auto-reply.
    return stay(state)
