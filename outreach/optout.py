"""Opting out and back in. An opt-out stops everything, on every channel, in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlmodel import Session, col

from store import due, outbox
from store.models import Conversation, OptOut
from store.telegram import cancel_pending_to_chat
from store.types import ConversationStatus


def is_opted_out(*, session: Session, contact_id: int) -> bool:
    """Tell whether the contact has an opt-out in force."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    col(OptOut.contact_id) == contact_id,
                    col(OptOut.revoked_at).is_(None),
                    col(OptOut.channel).is_(None),
                )
            )
        )
    )


def opt_out(
    *, session: Session, contact_id: int | None, address: str, source: str, now: datetime
) -> None:
    """Record the opt-out and withdraw every message and due row that would reach the person."""
    if contact_id is not None and is_opted_out(session=session, contact_id=contact_id):
        return
    session.add(OptOut(contact_id=contact_id, address=address, source=source, created_at=now))
    if contact_id is None:
        return
    outbox.cancel_pending_for_contact(session=session, contact_id=contact_id)
    due.cancel_scheduled_for_contact(session=session, contact_id=contact_id)
    session.execute(
        update(Conversation)
        .where(
            col(Conversation.contact_id) == contact_id,
            col(Conversation.status) == ConversationStatus.OPEN,
        )
        .values(status=ConversationStatus.CLOSED, close_reason="opted_out", closed_at=now)
    )


def opt_out_blocked_bot(
    *, session: Session, contact_id: int, chat_id: str, source: str, now: datetime
) -> None:
    """The citizen blocked the Telegram bot: an opt-out of everything, as STOP is.

    Nothing is sent to confirm it: the bot cannot write to them, and an SMS right after they
    blocked the bot would be the opposite of what they asked for.
    """
    opt_out(session=session, contact_id=contact_id, address=chat_id, source=source, now=now)
    cancel_pending_to_chat(session=session, chat_id=chat_id)  # answers queued to the chat


def opt_in(*, session: Session, contact_id: int, now: datetime) -> None:
    """Lift the contact's opt-outs (the citizen wrote START)."""
    session.execute(
        update(OptOut)
        .where(
            col(OptOut.contact_id) == contact_id,
            col(OptOut.revoked_at).is_(None),
            col(OptOut.channel).is_(None),  # a chat that was gone comes back by starting the bot
        )
        .values(revoked_at=now)
    )
