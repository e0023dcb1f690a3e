"""Due work in rows: invitations, reminders and follow-ups, claimed inside one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select, update
from sqlmodel import Session, col

from store.models import Conversation, FollowUp, Invitation, Reminder
from store.types import DueStatus

DueRow = TypeVar("DueRow", Invitation, Reminder, FollowUp)


def claim_due(
    *, session: Session, model: type[DueRow], now: datetime, limit: int
) -> Sequence[DueRow]:
    """Lock and return rows that are due; the caller marks them done in the same transaction.

    On PostgreSQL rows another worker holds are skipped; on SQLite the write lock serialises.
    A crash before commit leaves the rows due, so nothing is lost and nothing is done twice.
    """
    query = (
        select(model)
        .where(col(model.status) == DueStatus.SCHEDULED, col(model.due_at) <= now)
        .order_by(col(model.due_at), col(model.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).all()


def finish(row: Invitation | Reminder | FollowUp, *, now: datetime, status: DueStatus) -> None:
    """Mark a claimed row as handled."""
    row.status = status
    row.done_at = now


def cancel_scheduled_for_conversation(*, session: Session, conversation_id: int) -> None:
    """Cancel reminders and follow-ups still scheduled in a conversation."""
    for model in (Reminder, FollowUp):
        session.execute(
            update(model)
            .where(
                col(model.conversation_id) == conversation_id,
                col(model.status) == DueStatus.SCHEDULED,
            )
            .values(status=DueStatus.CANCELLED)
        )


def cancel_scheduled_for_contact(*, session: Session, contact_id: int) -> None:
    """Cancel every invitation, reminder and follow-up still ahead that would reach a contact.

    Invitations a campaign has not released yet (pending) are cancelled too.
    """
    session.execute(
        update(Invitation)
        .where(
            col(Invitation.contact_id) == contact_id,
            col(Invitation.status).in_((DueStatus.SCHEDULED, DueStatus.PENDING)),
        )
        .values(status=DueStatus.CANCELLED)
    )
    conversations = select(col(Conversation.id)).where(col(Conversation.contact_id) == contact_id)
    for model in (Reminder, FollowUp):
        session.execute(
            update(model)
            .where(
                col(model.conversation_id).in_(conversations),
                col(model.status) == DueStatus.SCHEDULED,
            )
            .values(status=DueStatus.CANCELLED)
        )
