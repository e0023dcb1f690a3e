"""What every part of the dialogue shares: filling in texts, closing, and not understanding."""

from __future__ import annotations

from bot import interpret
from bot.flow import Flow
from bot.questions import question_topic
from bot.render import render_place
from bot.sms import fits, gsm_safe, to_gsm
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
    """Collect every placeholder a text may use; `extra` fills the slot-specific ones.

    Every value is folded into the GSM alphabet, so a name like "Zoë" keeps an SMS at GSM-7
    prices; a name that can't be written in it at all is left out ("Hej!").
    """
    filled: dict[str, object] = {
        "sender": gsm_safe(ctx.sender),
        "first_name": to_gsm(ctx.first_name or "") or "",
        "age_min": ctx.age_min,
        "age_max": ctx.age_max,
        "phone": gsm_safe(ctx.phone_number),
        "target_municipality": gsm_safe(ctx.target_municipality),
        "slots": "",
        "choices": "",
        "when": "",
        "place": "",
        "minutes": "",
        "partner": "",
        "telegram_bot": ctx.telegram.bot if ctx.telegram else "",
        "telegram_code": ctx.telegram.code if ctx.telegram else "",
        "telegram_link": ctx.telegram.link if ctx.telegram else "",
    }
    return filled | {name: gsm_safe(value) for name, value in extra.items()}


def phrase(flow: Flow, key: str, state: ConversationState, ctx: Context) -> str:
    """Fill in one text in the conversation's language, for use inside another message."""
    return gsm_safe(flow.text(key, state.lang, values(ctx)))


def say(
    flow: Flow,
    key: str,
    kind: MessageKind,
    state: ConversationState,
    ctx: Context,
    **extra: str,
) -> Outbound:
    """Write one message in the conversation's language, in the GSM alphabet."""
    return Outbound(kind=kind, text=gsm_safe(flow.text(key, state.lang, values(ctx, **extra))))


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
        wish=None,
    )


def close_effect(reason: str) -> CloseConversation:
    """Tell the service to close the conversation."""
    return CloseConversation(reason=reason)


def read(
    text: str,
    expect: interpret.Expect | None,
    state: ConversationState,
    flow: Flow,
    options: int | None = None,
) -> interpret.Reading:
    """Read a reply (not a command) as an answer of kind `expect` (`bot.reading` builds on it)."""
    return interpret.read_answer(text, expect, options=options, lang=state.lang, flow=flow)


def confused(
    state: ConversationState,
    text: str,
    ctx: Context,
    flow: Flow,
    clarify_key: str,
    **extra: str,
) -> Transition:
    """Answer a reply not understood: ask once more, then tell staff, then stay quiet."""
    topic = question_topic(text)
    if topic is not None and state.step is not Step.CLOSED:
        # A question is answered from the campaign's facts and the question asked again; it is
        # no misunderstanding.
        answered = answer(topic, state, ctx, flow)
        reasked = say(flow, clarify_key, MessageKind.CLARIFICATION, state, ctx, **extra)
        return Transition(state, (answered, reasked))
    if state.misunderstood == 0:
        again = state.with_(misunderstood=1)
        message = say(flow, clarify_key, MessageKind.CLARIFICATION, again, ctx, **extra)
        # "stpo" or "afmled" is never taken as STOP, but it is worth asking about.
        if interpret.resembles_stop(text, flow):
            asked = phrase(flow, "clarify_stop", again, ctx)
            message = Outbound(kind=message.kind, text=f"{asked}\n{message.text}")
        return Transition(again, (message,))
    if state.misunderstood == 1:
        stuck = state.with_(misunderstood=GIVE_UP)
        message = say(flow, "not_understood", MessageKind.CALLBACK, stuck, ctx)
        return Transition(stuck, (message,), (NotifyStaff(reason="not_understood"),))
    # A person has been asked to call; re-asking again would only loop with an auto-reply.
    return stay(state)


# ------------------------------------------------------------------ questions


def _minutes(state: ConversationState, ctx: Context) -> str:
    """How long the conversation takes: the booking's length, else that of the free times."""
    if has_booking(state) and ctx.booking is not None:
        lengths = {ctx.booking.duration_min}
    else:
        lengths = {slot.duration_min for slot in ctx.free_slots}
    lengths = {length for length in lengths if length > 0}
    if not lengths:
        return ""
    shortest, longest = min(lengths), max(lengths)
    return str(shortest) if shortest == longest else f"{shortest}-{longest}"


def _where(state: ConversationState, ctx: Context, flow: Flow) -> tuple[str, str]:
    """Which text answers "where?", and the place(s) it names: the booking's, else the places."""
    if has_booking(state) and ctx.booking is not None and render_place(ctx.booking):
        return "answer_where_place", render_place(ctx.booking)
    places = [place for place in ctx.places if place.name.strip()]
    if len(places) == 1:
        only = places[0]
        return "answer_where_place", ", ".join(p for p in (only.name, only.address) if p.strip())
    if len(places) > 1:
        names = [place.name.strip() for place in places]
        conjunction = phrase(flow, "or", state, ctx)
        return "answer_where_places", f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
    return "answer_where", ""


def answer(topic: str, state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Answer a question about the campaign from its own facts, else with the general text.

    Where: the booking's place, else the municipality's place or places. How long: the
    booking's or the free times' length. Where the number came from: the partner whose list
    the citizen is on. An answer that would not fit in two SMS falls back to the general one.
    """
    key, extra = f"answer_{topic}", {}
    if topic == "where":
        key, place = _where(state, ctx, flow)
        extra = {"place": place}
    elif topic == "duration" and (minutes := _minutes(state, ctx)):
        key, extra = "answer_duration_minutes", {"minutes": minutes}
    elif topic == "number" and ctx.partner and ctx.partner.strip():
        key, extra = "answer_number_partner", {"partner": ctx.partner.strip()}
    message = say(flow, key, MessageKind.INFO, state, ctx, **extra)
    if fits(message.text):
        return message
    return say(flow, f"answer_{topic}", MessageKind.INFO, state, ctx)
