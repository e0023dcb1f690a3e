"""Reminders and follow-ups that fell due: each becomes one dialogue event."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.service import Dialogue, advance
from bot.types import Event, EventKind
from store import due
from store.models import Conversation, FollowUp, Reminder
from store.types import DueStatus, ReminderKind, Trigger

REMINDER_EVENTS = {
    ReminderKind.INVITATION: EventKind.INVITATION_REMINDER,
    ReminderKind.BOOKING: EventKind.BOOKING_REMINDER,
}


def process_reminders(*, session: Session, dialogue: Dialogue, now: datetime, limit: int) -> int:
    """Send due reminders while the window is open; return how many rows were handled."""
    if not dialogue.window.is_open(now):
        return 0
    rows = due.claim_due(session=session, model=Reminder, now=now, limit=limit)
    for reminder in rows:
        event = Event(REMINDER_EVENTS[ReminderKind(reminder.kind)])
        _run_event(
            session=session,
            dialogue=dialogue,
            conversation_id=reminder.conversation_id,
            event=event,
            now=now,
        )
        due.finish(reminder, now=now, status=DueStatus.DONE)
    return len(rows)


def process_follow_ups(*, session: Session, dialogue: Dialogue, now: datetime, limit: int) -> int:
    """Send due follow-ups while the window is open; return how many rows were handled."""
    if not dialogue.window.is_open(now):
        return 0
    rows = due.claim_due(session=session, model=FollowUp, now=now, limit=limit)
    for follow_up in rows:
        _run_event(
            session=session,
            dialogue=dialogue,
            conversation_id=follow_up.conversation_id,
            event=Event(EventKind.FOLLOW_UP),
            now=now,
        )
        due.finish(follow_up, now=now, status=DueStatus.DONE)
    return len(rows)


def _run_event(
    *, session: Session, dialogue: Dialogue, conversation_id: int, event: Event, now: datetime
) -> None:
    conversation = session.get_one(Conversation, conversation_id)
    advance(
        session=session,
        dialogue=dialogue,
        conversation=conversation,
        inbound=event,
        now=now,
        trigger=Trigger.SCHEDULED,
    )


class DueJob(Protocol):
    """A job that handles up to `limit` due rows in the given session."""

    def __call__(
        self, *, session: Session, dialogue: Dialogue, now: datetime, limit: int
    ) -> int: ...
