"""The dialogue's shell: run the pure engine on a stored conversation and apply what it says.

Everything one step causes (state, outbox messages, bookings, opt-outs, reminders) is written
in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from booking.bookings import SlotTakenError
from bot import effects
from bot.context import build_context
from bot.engine import step
from bot.flow import DEFAULT_FLOW, Flow
from bot.types import ConversationState, Event, EventKind, Inbound, Step, Transition
from scheduler.window import SendWindow
from store import outbox
from store.models import Campaign, Contact, Conversation
from store.types import ConversationStatus, Trigger


@dataclass(frozen=True)
class Dialogue:
    """What the dialogue needs from the composition root."""

    window: SendWindow
    flow: Flow = DEFAULT_FLOW


def start(
    *,
    session: Session,
    dialogue: Dialogue,
    contact: Contact,
    campaign: Campaign,
    now: datetime,
) -> Conversation:
    """Open a conversation with an invitation; the caller has checked eligibility."""
    assert campaign.id is not None and contact.id is not None
    state = ConversationState(step=Step.INVITED, lang="en" if contact.language == "en" else "da")
    conversation = Conversation(
        contact_id=contact.id,
        campaign_id=campaign.id,
        channel=campaign.channel,
        state=state.to_json(),
        status=ConversationStatus.OPEN,
        created_at=now,
    )
    session.add(conversation)
    session.flush()
    advance(
        session=session,
        dialogue=dialogue,
        conversation=conversation,
        inbound=Event(EventKind.INVITE),
        now=now,
        trigger=Trigger.SCHEDULED,
    )
    return conversation


def advance(
    *,
    session: Session,
    dialogue: Dialogue,
    conversation: Conversation,
    inbound: Inbound,
    now: datetime,
    trigger: Trigger,
) -> Transition:
    """Run one step of the engine on a stored conversation and apply the result."""
    contact = session.get_one(Contact, conversation.contact_id)
    campaign = session.get_one(Campaign, conversation.campaign_id)

    def run(state: ConversationState, event: Inbound) -> Transition:
        ctx = build_context(
            session=session,
            conversation=conversation,
            contact=contact,
            campaign=campaign,
            now=now,
            window=dialogue.window,
        )
        transition = step(state, event, now, ctx, dialogue.flow)
        effects.apply(
            session=session,
            window=dialogue.window,
            conversation=conversation,
            contact=contact,
            campaign=campaign,
            transition=transition,
            now=now,
        )
        return transition

    state = ConversationState.from_json(conversation.state)
    if conversation.status == ConversationStatus.CLOSED and state.step != Step.CLOSED:
        # Closed behind the engine's back (a provider opt-out, a staff action): the row decides.
        state = state.with_(step=Step.CLOSED, close_reason=conversation.close_reason)
    try:
        transition = run(state, inbound)
    except SlotTakenError:
        # Someone booked that slot a moment earlier: say so and offer the times free now.
        transition = run(state.with_(step=Step.CHOOSING_SLOT), Event(EventKind.SLOT_TAKEN))
    conversation.state = transition.state.to_json()
    for message in transition.outbound:
        outbox.queue(
            session=session,
            channel=conversation.channel,
            address=contact.phone,
            kind=message.kind.value,
            trigger=trigger,
            text=message.text,
            now=now,
            contact_id=contact.id,
            conversation_id=conversation.id,
        )
    return transition
