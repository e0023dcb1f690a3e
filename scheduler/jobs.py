"""Reminders and follow-ups that fell due: each becomes one dialogue event."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from booking import bookings, follow_ups
from bot.service import Dialogue, advance
from bot.types import Event, EventKind, Transition
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
        kind = ReminderKind(reminder.kind)
        if kind is ReminderKind.BOOKING and bookings.has_begun(
            session=session, booking_id=reminder.booking_id, now=now
        ):
            # Due before a long downtime: a reminder of a conversation already under way or
            # over helps nobody, so it is skipped, not sent late.
            due.finish(reminder, now=now, status=DueStatus.SKIPPED)
            continue
        if kind in follow_ups.KINDS:
            _follow_up_reminder(session=session, dialogue=dialogue, reminder=reminder, now=now)
        else:
            _run_event(
                session=session,
                dialogue=dialogue,
                conversation_id=reminder.conversation_id,
                event=Event(REMINDER_EVENTS[kind]),
                now=now,
            )
        due.finish(reminder, now=now, status=DueStatus.DONE)
    return len(rows)


def _follow_up_reminder(
    *, session: Session, dialogue: Dialogue, reminder: Reminder, now: datetime
) -> None:
    """Nudge once about an unanswered follow-up; after that, alert staff."""
    if reminder.kind == ReminderKind.FOLLOW_UP_NO_ANSWER:
        follow_ups.alert_no_answer(session=session, reminder=reminder, now=now)
        return
    if not follow_ups.still_unanswered(session=session, booking_id=reminder.booking_id, now=now):
        return
    # The nudge repeats the follow-up question; the engine keeps waiting for the answer.
    transition = _run_event(
        session=session,
        dialogue=dialogue,
        conversation_id=reminder.conversation_id,
        event=Event(EventKind.FOLLOW_UP),
        now=now,
    )
    if transition.outbound:
        follow_ups.schedule_no_answer_alert(
            session=session, nudge=reminder, now=now, window=dialogue.window
        )


def process_follow_ups(*, session: Session, dialogue: Dialogue, now: datetime, limit: int) -> int:
    """Record answers to follow-ups, and send due ones while the window is open.

    Returns how many rows were handled.
    """
    answered = follow_ups.record_unreported_answers(session=session, now=now, limit=limit)
    if not dialogue.window.is_open(now):
        return answered
    rows = due.claim_due(session=session, model=FollowUp, now=now, limit=limit)
    for follow_up in rows:
        transition = _run_event(
            session=session,
            dialogue=dialogue,
            conversation_id=follow_up.conversation_id,
            event=Event(EventKind.FOLLOW_UP),
            now=now,
        )
        due.finish(follow_up, now=now, status=DueStatus.DONE)
        if transition.outbound:
            follow_ups.schedule_nudge(
                session=session, follow_up=follow_up, now=now, window=dialogue.window
            )
    return answered + len(rows)


def _run_event(
    *, session: Session, dialogue: Dialogue, conversation_id: int, event: Event, now: datetime
) -> Transition:
    conversation = session.get_one(Conversation, conversation_id)
    return advance(
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
