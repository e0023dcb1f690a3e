"""The dialogue's shell: run the pure engine on a stored conversation and apply what it says.

Everything one step causes (state, outbox messages, bookings, opt-outs, reminders) is written
in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from booking.bookings import SlotTakenError
from bot import effects
from bot.context import build_context
from bot.engine import step
from bot.flow import DEFAULT_FLOW, Flow, uses_telegram
from bot.types import ConversationState, Event, EventKind, Inbound, Step, TelegramInvite, Transition
from scheduler.window import SendWindow
from store import link_codes, outbox
from store.models import Campaign, Contact, Conversation
from store.types import ConversationStatus, Trigger


@dataclass(frozen=True)
class Dialogue:
    """What the dialogue needs from the composition root."""

    window: SendWindow
    flow: Flow = DEFAULT_FLOW
    telegram_bot: str = ""  # the bot's user name without "@"; "" when Telegram is off


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
    template = campaign.template_en if state.lang == "en" else campaign.template_da
    advance(
        session=session,
        dialogue=dialogue,
        conversation=conversation,
        inbound=Event(EventKind.INVITE),
        now=now,
        trigger=Trigger.SCHEDULED,
        telegram=_telegram_invite(
            session=session, dialogue=dialogue, contact_id=contact.id, template=template, now=now
        ),
    )
    return conversation


def _telegram_invite(
    *, session: Session, dialogue: Dialogue, contact_id: int, template: str | None, now: datetime
) -> TelegramInvite | None:
    """Issue the citizen's Telegram code only when the invitation shows it and a bot exists."""
    if not dialogue.telegram_bot or not uses_telegram(template):
        return None
    code = link_codes.link_code_for_contact(session=session, contact_id=contact_id, now=now)
    bot = dialogue.telegram_bot
    return TelegramInvite(
        bot="@" + bot, code=code, link=link_codes.start_link(bot_username=bot, code=code)
    )


def advance(
    *,
    session: Session,
    dialogue: Dialogue,
    conversation: Conversation,
    inbound: Inbound,
    now: datetime,
    trigger: Trigger,
    telegram: TelegramInvite | None = None,
) -> Transition:
    """Run one step of the engine on a stored conversation and apply the result.

    `telegram` is what the invitation can say about continuing on Telegram.
    """
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
        if telegram is not None:
            ctx = replace(ctx, telegram=telegram)
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
