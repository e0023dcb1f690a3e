"""What is ahead: every scheduled row that will turn into a message, with its campaign.

Read by `conversation.schedule` to say what the service will send on which day and why
something waits. Only counts and times leave here: no name, number or text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from store.models import Conversation, FollowUp, Invitation, Message, Reminder
from store.outbox import CLAIMABLE
from store.types import Direction, DueStatus, Trigger

# (campaign id or None, kind, due time, how many)
Ahead = tuple[int | None, str, datetime, int]


def invitations(*, session: Session, until: datetime, campaign_id: int | None) -> list[Ahead]:
    """Released invitations not sent yet, by campaign and due time."""
    query = (
        select(col(Invitation.campaign_id), col(Invitation.due_at), func.count())
        .where(col(Invitation.status) == DueStatus.SCHEDULED, col(Invitation.due_at) < until)
        .group_by(col(Invitation.campaign_id), col(Invitation.due_at))
    )
    if campaign_id is not None:
        query = query.where(col(Invitation.campaign_id) == campaign_id)
    return [(c, "invitation", due, n) for c, due, n in session.execute(query) if due]


def pending(*, session: Session, campaign_id: int | None) -> dict[int, int]:
    """Invitations a campaign has targeted but not released in a wave yet, by campaign."""
    query = (
        select(col(Invitation.campaign_id), func.count())
        .where(col(Invitation.status) == DueStatus.PENDING)
        .group_by(col(Invitation.campaign_id))
    )
    if campaign_id is not None:
        query = query.where(col(Invitation.campaign_id) == campaign_id)
    return {c: int(n) for c, n in session.execute(query)}


def reminders(*, session: Session, until: datetime, campaign_id: int | None) -> list[Ahead]:
    """Scheduled reminders (unanswered invitations, bookings tomorrow), by campaign and kind."""
    query = (
        select(
            col(Conversation.campaign_id), col(Reminder.kind), col(Reminder.due_at), func.count()
        )
        .join(Conversation, col(Conversation.id) == col(Reminder.conversation_id))
        .where(col(Reminder.status) == DueStatus.SCHEDULED, col(Reminder.due_at) < until)
        .group_by(col(Conversation.campaign_id), col(Reminder.kind), col(Reminder.due_at))
    )
    if campaign_id is not None:
        query = query.where(col(Conversation.campaign_id) == campaign_id)
    return [(c, f"reminder: {kind}", due, int(n)) for c, kind, due, n in session.execute(query)]


def follow_ups(*, session: Session, until: datetime, campaign_id: int | None) -> list[Ahead]:
    """Scheduled one-month follow-ups, by campaign and due time."""
    query = (
        select(col(Conversation.campaign_id), col(FollowUp.due_at), func.count())
        .join(Conversation, col(Conversation.id) == col(FollowUp.conversation_id))
        .where(col(FollowUp.status) == DueStatus.SCHEDULED, col(FollowUp.due_at) < until)
        .group_by(col(Conversation.campaign_id), col(FollowUp.due_at))
    )
    if campaign_id is not None:
        query = query.where(col(Conversation.campaign_id) == campaign_id)
    return [(c, "follow-up", due, int(n)) for c, due, n in session.execute(query)]


def queued(*, session: Session, until: datetime, campaign_id: int | None) -> list[Ahead]:
    """Outbox messages the service sends on its own initiative, waiting to go."""
    query = (
        select(
            col(Conversation.campaign_id),
            col(Message.kind),
            col(Message.next_attempt_at),
            func.count(),
        )
        .outerjoin(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(
            col(Message.direction) == Direction.OUT,
            col(Message.status).in_(CLAIMABLE),
            col(Message.trigger) != Trigger.REPLY,
            col(Message.next_attempt_at) < until,
        )
        .group_by(col(Conversation.campaign_id), col(Message.kind), col(Message.next_attempt_at))
    )
    if campaign_id is not None:
        query = query.where(col(Conversation.campaign_id) == campaign_id)
    rows: Sequence[tuple[int | None, str, datetime, int]] = session.execute(query).all()
    return [(c, f"message: {kind}", at, int(n)) for c, kind, at, n in rows]
