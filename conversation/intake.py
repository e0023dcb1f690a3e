"""Provider-neutral intake of a citizen's message: store it once, then run the dialogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlmodel import Session

from bot.parsing import is_opt_out
from bot.types import Text
from conversation import write_first
from conversation.service import Dialogue, advance
from core.cpr import redact_cpr
from delivery import optout
from inbox import takeover
from store import conversations, outbox
from store.models import Contact, Conversation
from store.types import ConversationStatus, Trigger

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class InboundResult:
    """What happened to one inbound message."""

    duplicate: bool = False
    known_sender: bool = True
    replies: int = 0


def receive_text(
    *,
    session: Session,
    dialogue: Dialogue,
    channel: str,
    address: str,
    text: str,
    provider_id: str,
    now: datetime,
    contact: Contact | None = None,
) -> InboundResult:
    """Handle one message from a citizen, exactly once per provider id.

    `contact` is given when the channel already knows who wrote (a linked Telegram chat);
    otherwise the sender is looked up by phone number.
    """
    # A citizen may write their CPR number; it is never stored, nor handed to the dialogue.
    text = redact_cpr(text)
    # Who wrote, and their current conversation with its row lock (one dialogue step at a
    # time): one query. The message is then stored once per provider id, with both.
    conversation: Conversation | None = None
    facts: conversations.StepRow | None = None  # what the step reads first, read with the lock
    found: conversations.LockedStep | None = None
    if contact is None:
        found = conversations.lock_current_by_phone(session=session, phone=address)
        if found is None:
            contact = conversations.contact_by_phone(session=session, phone=address)
    elif contact.id is not None:
        found = conversations.lock_current(session=session, contact_id=contact.id)
    if found is not None:
        contact, conversation, facts = found.contact, found.conversation, found.facts
    message_id = outbox.record_inbound(
        session=session,
        channel=channel,
        address=address,
        text=text,
        provider_id=provider_id,
        now=now,
        contact_id=contact.id if conversation is not None and contact is not None else None,
        conversation_id=conversation.id if conversation is not None else None,
    )
    if message_id is None:
        log.info("inbound.duplicate", channel=channel)
        return InboundResult(duplicate=True)
    if conversation is None:
        first = _first_message(
            session=session,
            dialogue=dialogue,
            channel=channel,
            address=address,
            text=text,
            now=now,
            contact=contact,
            message_id=message_id,
        )
        if isinstance(first, InboundResult):
            return first
        assert contact is not None and contact.id is not None and first.id is not None
        conversation = conversations.lock(session=session, conversation_id=first.id)
        outbox.link_inbound(
            session=session, message_id=message_id, contact_id=contact.id, conversation_id=first.id
        )
    assert contact is not None
    # The first reply is noted with the step's own change of the conversation: one UPDATE.
    first_reply = conversation.replied_at is None and conversation.status == ConversationStatus.OPEN
    if takeover.is_held(conversation):
        if first_reply:
            conversation.replied_at = now
        if not is_opt_out(text, dialogue.flow.keywords.stop):
            # A person holds the conversation: the reply is theirs to answer, not the bot's.
            takeover.pass_to_person(session=session, conversation=conversation, text=text, now=now)
            log.info("inbound.held", channel=channel)
            return InboundResult()
        takeover.release(conversation)  # STOP always stops, whoever holds the conversation
    transition = advance(
        session=session,
        dialogue=dialogue,
        conversation=conversation,
        inbound=Text(text),
        now=now,
        trigger=Trigger.REPLY,
        facts=facts,
    )
    if first_reply:
        conversation.replied_at = now
    log.info("inbound.handled", channel=channel, step=transition.state.step.value)
    return InboundResult(replies=len(transition.outbound))


def _first_message(
    *,
    session: Session,
    dialogue: Dialogue,
    channel: str,
    address: str,
    text: str,
    now: datetime,
    contact: Contact | None,
    message_id: int,
) -> InboundResult | Conversation:
    """Handle a message from someone with no conversation (`conversation.write_first`).

    Returns the conversation their text belongs to when a wave invited them a moment ago.
    """
    if is_opt_out(text, dialogue.flow.keywords.stop):
        # Whoever wrote it, STOP is honoured before anything else is said or started.
        log.info("inbound.unknown_sender", channel=channel)
        optout.opt_out(session=session, contact_id=None, address=address, source="keyword", now=now)
        return InboundResult(known_sender=False)
    if contact is not None and contact.id is not None:
        taken = write_first.take_in(
            session=session,
            dialogue=dialogue,
            contact=contact,
            channel=channel,
            text=text,
            address=address,
            now=now,
        )
        if taken is not None:
            assert taken.id is not None
            outbox.link_inbound(
                session=session,
                message_id=message_id,
                contact_id=contact.id,
                conversation_id=taken.id,
            )
            return InboundResult(replies=1)
        current = conversations.current_conversation(session=session, contact_id=contact.id)
        if current is not None:
            return current
    log.info("inbound.unknown_sender", channel=channel)
    write_first.answer(
        session=session, channel=channel, address=address, text=text, now=now, contact=contact
    )
    return InboundResult(known_sender=False, replies=1)
