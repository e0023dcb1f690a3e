"""The dialogue's shell: run the pure engine on a stored conversation and apply what it says.

Everything one step causes (state, outbox messages, bookings, opt-outs, reminders) is written
in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from booking.bookings import SlotTakenError
from bot.engine import step
from bot.fit import merge
from bot.flow import DEFAULT_FLOW, Flow, uses_telegram
from bot.types import (
    ConversationState,
    Event,
    EventKind,
    Inbound,
    Language,
    SlotWish,
    Step,
    TelegramInvite,
    Text,
    Transition,
)
from bot.wish import parse_wish
from conversation import effects
from conversation.context import build_context
from core.calendar import SendWindow, local
from outreach.variants import assigned_variant, flow_for, invitation_template, variant_in_use
from store import conversations, link_codes, outbox
from store.models import Campaign, Contact, Conversation
from store.types import ConversationStatus, Trigger


@dataclass(frozen=True)
class Dialogue:
    """What the dialogue needs from the composition root."""

    window: SendWindow
    flow: Flow = DEFAULT_FLOW
    telegram_bot: str = ""  # the bot's user name without "@"; "" when Telegram is off

    def tell(
        self, *, session: Session, conversation: Conversation, event: Event, now: datetime
    ) -> None:
        """Answer an event from outside the dialogue (staff cancelled, moved, a no-show)."""
        advance(
            session=session,
            dialogue=self,
            conversation=conversation,
            inbound=event,
            now=now,
            trigger=Trigger.SCHEDULED,
        )


def start(
    *,
    session: Session,
    dialogue: Dialogue,
    contact: Contact,
    campaign: Campaign,
    now: datetime,
    first_text: str | None = None,
    lang: Language | None = None,
) -> Conversation:
    """Open a conversation with an invitation; the caller has checked eligibility.

    With `first_text` the citizen wrote first: no invitation goes before their text, which is
    read as the answer to it (`conversation.write_first`).
    """
    assert campaign.id is not None and contact.id is not None
    lang = lang or ("en" if contact.language == "en" else "da")
    state = ConversationState(step=Step.INVITED, lang=lang)
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
    if first_text is not None:
        conversation.replied_at = now
        advance(
            session=session,
            dialogue=dialogue,
            conversation=conversation,
            inbound=Text(first_text),
            now=now,
            trigger=Trigger.REPLY,
            wrote_first=True,
        )
        return conversation
    variant = assigned_variant(session=session, campaign=campaign, contact_id=contact.id)
    template = invitation_template(campaign=campaign, variant=variant, lang=state.lang)
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


def anticipated_wish(state: ConversationState, inbound: Inbound, now: datetime) -> SlotWish | None:
    """The wish the engine may act on in this step: the stored one and any in the reply."""
    said = parse_wish(inbound.text, local(now).date()) if isinstance(inbound, Text) else None
    return merge(state.wish, said)


def advance(
    *,
    session: Session,
    dialogue: Dialogue,
    conversation: Conversation,
    inbound: Inbound,
    now: datetime,
    trigger: Trigger,
    telegram: TelegramInvite | None = None,
    wrote_first: bool = False,
    facts: conversations.StepRow | None = None,
) -> Transition:
    """Run one step of the engine on a stored conversation and apply the result.

    `telegram` is what the invitation can say about continuing on Telegram; `wrote_first`, that
    the citizen wrote before any invitation; `facts`, the conversation's `step_row` when the
    caller read it with the conversation's lock (`conversations.lock_current`).
    """
    contact = session.get_one(Contact, conversation.contact_id)
    if facts is None:
        # The campaign, both municipalities and the invitation's variant: one query for the step.
        facts = conversations.step_row(
            session=session,
            campaign_id=conversation.campaign_id,
            contact_id=conversation.contact_id,
            home_id=contact.municipality_id or None,
        )
    campaign = facts.campaign
    flow = flow_for(
        flow=dialogue.flow, variant=variant_in_use(campaign=campaign, variant=facts.variant)
    )

    # What the citizen wrote in this step (stored by the intake), for a notice to quote.
    said = inbound.text if isinstance(inbound, Text) and trigger == Trigger.REPLY else None

    def run(state: ConversationState, event: Inbound) -> Transition:
        ctx = build_context(
            session=session,
            conversation=conversation,
            contact=contact,
            campaign=campaign,
            facts=facts,
            now=now,
            window=dialogue.window,
            wish=lambda: anticipated_wish(state, event, now),
            telegram=telegram,
            wrote_first=wrote_first,
            offered_slot_ids=state.offered_slot_ids,
        )
        transition = step(state, event, now, ctx, flow)
        effects.apply(
            session=session,
            window=dialogue.window,
            conversation=conversation,
            contact=contact,
            campaign=campaign,
            transition=transition,
            now=now,
            said=said,
            waiting=facts.waiting,
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
