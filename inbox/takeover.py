"""A person takes over a conversation, answers the citizen, and hands it back to the dialogue.

While a person holds a conversation the dialogue does not answer (conversation.intake asks
`is_held`); the citizen's replies go to that person's inbox instead. A person's message goes
through the same outbox as the dialogue's: the opt-out gate at claim time, and, when the citizen
has not written for a day, the send window of a scheduled message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from api.deps import DialoguePort
from booking.access import Scope, audit
from bot.types import Event, EventKind
from core.cpr import redact_cpr
from core.errors import ConflictError, NotFoundError
from inbox import repository
from inbox.schemas import STAFF_REPLY_KIND
from store import inbox, outbox
from store.audit import record_reads
from store.models import Campaign, Contact, Conversation, Message, StaffMember
from store.types import ConversationStatus, Trigger

# A person's message within this long of the citizen's last one answers it (a reply, any hour);
# later it is the service writing of its own accord and waits for the send window.
ANSWERING = timedelta(hours=24)


class ConversationNotFoundError(NotFoundError):
    """No such conversation the caller may see."""


def _conversation(session: Session, scope: Scope, conversation_id: int) -> Conversation:
    conversation = repository.conversation_in_scope(
        session=session, scope=scope, conversation_id=conversation_id, lock=True
    )
    if conversation is None:
        raise ConversationNotFoundError(f"no conversation {conversation_id}")
    return conversation


def is_held(conversation: Conversation) -> bool:
    """Tell whether a person holds the conversation."""
    return conversation.held_by is not None


def release(conversation: Conversation) -> None:
    """Let go of a conversation (handing back, or the citizen wrote STOP)."""
    conversation.held_by = None
    conversation.held_staff_member_id = None
    conversation.held_at = None


def take_over(
    *, session: Session, scope: Scope, conversation_id: int, now: datetime
) -> Conversation:
    """Hold a conversation: from now on the citizen's replies reach the caller, not the bot."""
    conversation = _conversation(session, scope, conversation_id)
    if conversation.status != ConversationStatus.OPEN:
        raise ConflictError(f"conversation {conversation_id} is closed")
    if conversation.held_by not in (None, scope.actor):
        raise ConflictError(f"conversation {conversation_id} is held by {conversation.held_by}")
    if conversation.held_by is None:
        conversation.held_by = scope.actor
        conversation.held_staff_member_id = scope.staff_member_id
        conversation.held_at = now
        _audit(session, scope, "conversation.takeover", conversation_id, now)
    return conversation


def reply(
    *, session: Session, scope: Scope, conversation_id: int, text: str, now: datetime
) -> Message:
    """Send the citizen a person's message (taking the conversation over if not yet held)."""
    conversation = take_over(session=session, scope=scope, conversation_id=conversation_id, now=now)
    contact = session.get_one(Contact, conversation.contact_id)
    assert contact.id is not None
    if repository.is_opted_out(
        session=session, contact_id=contact.id, channel=conversation.channel
    ):
        raise ConflictError("the citizen has opted out: nothing is sent")
    text = redact_cpr(text.strip())
    if not text:
        raise ConflictError("an empty message is not sent")
    last_in = inbox.last_inbound_at(session=session, conversation_id=conversation_id)
    answering = last_in is not None and now - last_in <= ANSWERING
    message_id = outbox.queue(
        session=session,
        channel=conversation.channel,
        address=contact.phone,
        kind=STAFF_REPLY_KIND,
        trigger=Trigger.REPLY if answering else Trigger.SCHEDULED,
        text=text,
        now=now,
        contact_id=contact.id,
        conversation_id=conversation_id,
        staff_member_id=scope.staff_member_id,
    )
    _audit(session, scope, "conversation.reply", conversation_id, now, f"message {message_id}")
    return session.get_one(Message, message_id)


def hand_back(
    *,
    session: Session,
    scope: Scope,
    dialogue: DialoguePort,
    conversation_id: int,
    now: datetime,
) -> Conversation:
    """Give the conversation back to the dialogue, which offers times (or keeps the booking)."""
    conversation = _conversation(session, scope, conversation_id)
    if conversation.held_by is None:
        raise ConflictError(f"conversation {conversation_id} is not held by anyone")
    release(conversation)
    _audit(session, scope, "conversation.hand_back", conversation_id, now)
    if conversation.status == ConversationStatus.OPEN:
        event = Event(EventKind.HANDED_BACK)
        dialogue.tell(session=session, conversation=conversation, event=event, now=now)
    return conversation


def pass_to_person(
    *, session: Session, conversation: Conversation, text: str, now: datetime
) -> None:
    """Put a citizen's reply to a held conversation in the holder's inbox (one open item)."""
    assert conversation.id is not None
    existing = repository.open_item_for(
        session=session, conversation_id=conversation.id, kind="reply"
    )
    if existing is not None:
        existing.text, existing.created_at = text, now
        return
    campaign = session.get_one(Campaign, conversation.campaign_id)
    about = inbox.About(
        municipality_id=campaign.municipality_id,
        contact_id=conversation.contact_id,
        conversation_id=conversation.id,
        campaign_id=campaign.id,
        cause=text,
    )
    staff_id = conversation.held_staff_member_id
    staff = session.get(StaffMember, staff_id) if staff_id is not None else None
    if staff is None:  # a coordinator holds it: the municipality's inbox
        inbox.open_item(session=session, staff=None, kind="reply", text=text, now=now, about=about)
        return
    inbox.notify(
        session=session,
        staff=staff,
        kind="staff_citizen_reply",
        text=f"Borger har svaret i samtalen, du har overtaget: {text}",
        now=now,
        about=about,
    )


def messages(
    *, session: Session, scope: Scope, conversation_id: int, now: datetime
) -> tuple[Conversation, list[Message]]:
    """Return a conversation and its messages for reading; logged as a read of the citizen."""
    conversation = repository.conversation_in_scope(
        session=session, scope=scope, conversation_id=conversation_id
    )
    if conversation is None:
        raise ConversationNotFoundError(f"no conversation {conversation_id}")
    _audit(session, scope, "conversation.read", conversation_id, now)
    record_reads(
        session=session,
        actor=scope.actor,
        contact_ids=[conversation.contact_id],
        now=now,
        detail="conversation",
    )
    found = repository.messages_of(session=session, conversation_id=conversation_id)
    return conversation, list(found)


def _audit(
    session: Session,
    scope: Scope,
    action: str,
    conversation_id: int,
    now: datetime,
    detail: str = "",
) -> None:
    audit(
        session=session,
        scope=scope,
        action=action,
        subject_type="conversation",
        subject_id=conversation_id,
        now=now,
        detail=detail,
    )
