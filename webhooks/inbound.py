"""Provider-neutral intake of a citizen's message: store it once, then run the dialogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlmodel import Session

from bot.parsing import is_opt_out
from bot.service import Dialogue, advance
from bot.types import Text
from outreach import optout
from privacy.redaction import redact_cpr
from store import conversations, outbox
from store.models import Contact
from store.types import ConversationStatus, Trigger

log = structlog.get_logger(__name__)

# True whether or not the number is known: reveals nothing about who is on which list.
UNKNOWN_SENDER_REPLY = {
    "da": "Tak for din besked. Vi har ingen igangværende samtale med dette nummer. "
    "Har du spørgsmål om sundhedstjek, så kontakt din kommune.",
}


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
    message = outbox.record_inbound(
        session=session,
        channel=channel,
        address=address,
        text=text,
        provider_id=provider_id,
        now=now,
    )
    if message is None:
        log.info("inbound.duplicate", channel=channel)
        return InboundResult(duplicate=True)
    if contact is None:
        contact = conversations.contact_by_phone(session=session, phone=address)
    conversation = (
        conversations.current_conversation(session=session, contact_id=contact.id)
        if contact is not None and contact.id is not None
        else None
    )
    if contact is None or conversation is None:
        return _unknown_sender(
            session=session, dialogue=dialogue, channel=channel, address=address, text=text, now=now
        )
    assert conversation.id is not None
    conversation = conversations.lock(session=session, conversation_id=conversation.id)
    message.contact_id = contact.id
    message.conversation_id = conversation.id
    if conversation.replied_at is None and conversation.status == ConversationStatus.OPEN:
        conversation.replied_at = now
    transition = advance(
        session=session,
        dialogue=dialogue,
        conversation=conversation,
        inbound=Text(text),
        now=now,
        trigger=Trigger.REPLY,
    )
    log.info("inbound.handled", channel=channel, step=transition.state.step.value)
    return InboundResult(replies=len(transition.outbound))


def _unknown_sender(
    *, session: Session, dialogue: Dialogue, channel: str, address: str, text: str, now: datetime
) -> InboundResult:
    """Answer briefly; store nothing beyond the message, reveal nothing about anyone."""
    log.info("inbound.unknown_sender", channel=channel)
    if is_opt_out(text, dialogue.flow.keywords.stop):
        optout.opt_out(session=session, contact_id=None, address=address, source="keyword", now=now)
        return InboundResult(known_sender=False)
    outbox.queue(
        session=session,
        channel=channel,
        address=address,
        kind="info",
        trigger=Trigger.REPLY,
        text=UNKNOWN_SENDER_REPLY["da"],
        now=now,
    )
    return InboundResult(known_sender=False, replies=1)
