"""Telegram's rows: update ids seen, chats linked to citizens and staff, per-channel opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from store import outbox
from store.models import Contact, ContactChannel, Message, OptOut, StaffMember, TelegramUpdate
from store.types import Direction, MessageStatus, Trigger

TELEGRAM = "telegram"
_PENDING = (MessageStatus.QUEUED, MessageStatus.ERRORED)


def record_update(*, session: Session, update_id: int, kind: str, now: datetime) -> bool:
    """Remember an update id; False when it was seen before (then it is not processed again)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(TelegramUpdate)
        .values(update_id=update_id, kind=kind[:32], received_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(col(TelegramUpdate.id))
    )
    return session.execute(statement).scalar_one_or_none() is not None


def prune_updates(*, session: Session, before: datetime) -> int:
    """Forget update ids older than `before`; Telegram stops redelivering after a day."""
    result = session.execute(delete(TelegramUpdate).where(col(TelegramUpdate.received_at) < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


def staff_by_chat(*, session: Session, chat_id: str) -> StaffMember | None:
    """Find the staff member whose Telegram is this chat."""
    return session.scalars(
        select(StaffMember).where(
            col(StaffMember.channel) == TELEGRAM, col(StaffMember.address) == chat_id
        )
    ).first()


def contact_by_chat(*, session: Session, chat_id: str) -> Contact | None:
    """Find the citizen linked to this chat."""
    return session.scalars(
        select(Contact)
        .join(ContactChannel, col(ContactChannel.contact_id) == col(Contact.id))
        .where(col(ContactChannel.channel) == TELEGRAM, col(ContactChannel.address) == chat_id)
    ).first()


def link_contact(*, session: Session, contact_id: int, chat_id: str, now: datetime) -> None:
    """Link a chat to a citizen; the newest link wins for both the chat and the citizen."""
    session.execute(
        delete(ContactChannel).where(
            col(ContactChannel.channel) == TELEGRAM,
            or_(
                col(ContactChannel.address) == chat_id,
                col(ContactChannel.contact_id) == contact_id,
            ),
        )
    )
    session.add(
        ContactChannel(contact_id=contact_id, channel=TELEGRAM, address=chat_id, created_at=now)
    )
    session.flush()


def has_channel_opt_out(*, session: Session, contact_id: int) -> bool:
    """Tell whether an opt-out of Telegram alone is in force (the citizen's chat is gone)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    col(OptOut.contact_id) == contact_id,
                    col(OptOut.channel) == TELEGRAM,
                    col(OptOut.revoked_at).is_(None),
                )
            )
        )
    )


def opt_out_of_telegram(
    *, session: Session, contact_id: int, chat_id: str, source: str, now: datetime
) -> None:
    """Record an opt-out of Telegram only, and withdraw what was waiting to go there."""
    if not has_channel_opt_out(session=session, contact_id=contact_id):
        session.add(
            OptOut(
                contact_id=contact_id,
                address=chat_id,
                source=source,
                channel=TELEGRAM,
                created_at=now,
            )
        )
    session.execute(
        update(Message)
        .where(
            col(Message.contact_id) == contact_id,
            col(Message.channel) == TELEGRAM,
            col(Message.direction) == Direction.OUT,
            col(Message.status).in_(_PENDING),
        )
        .values(status=MessageStatus.CANCELLED)
    )


def revoke_telegram_opt_out(*, session: Session, contact_id: int, now: datetime) -> None:
    """Lift an opt-out of Telegram alone: the citizen started the bot or wrote to it again."""
    session.execute(
        update(OptOut)
        .where(
            col(OptOut.contact_id) == contact_id,
            col(OptOut.channel) == TELEGRAM,
            col(OptOut.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )


def cancel_pending_to_chat(*, session: Session, chat_id: str) -> int:
    """Withdraw every unsent Telegram message to a chat (a staff member unlinked or blocked)."""
    result = session.execute(
        update(Message)
        .where(
            col(Message.channel) == TELEGRAM,
            col(Message.address) == chat_id,
            col(Message.direction) == Direction.OUT,
            col(Message.status).in_(_PENDING),
        )
        .values(status=MessageStatus.CANCELLED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def reroute_replies(*, session: Session, contact_id: int, chat_id: str, now: datetime) -> int:
    """Send the replies just queued for a citizen to their Telegram chat instead of the phone.

    The dialogue queues on the conversation's channel; a citizen who wrote on Telegram gets
    the answer there. Only replies made at `now` move; scheduled messages keep their channel.
    """
    result = session.execute(
        update(Message)
        .where(
            col(Message.contact_id) == contact_id,
            col(Message.direction) == Direction.OUT,
            col(Message.trigger) == Trigger.REPLY,
            col(Message.status) == MessageStatus.QUEUED,
            col(Message.created_at) == now,
        )
        .values(channel=TELEGRAM, address=chat_id)
        .execution_options(synchronize_session="fetch")
    )
    moved = int(result.rowcount)  # type: ignore[attr-defined]
    if moved:
        outbox.note_queued(session, chat_id)  # the webhook has them sent to the chat at once
    return moved


def last_text_to_contact(*, session: Session, contact_id: int) -> str | None:
    """Return the text of the last message the service sent a citizen, if any."""
    return session.scalars(
        select(col(Message.text))
        .where(
            col(Message.contact_id) == contact_id,
            col(Message.direction) == Direction.OUT,
            col(Message.status).not_in((MessageStatus.CANCELLED, MessageStatus.FAILED)),
        )
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    ).first()
