"""Reminders and follow-ups that fell due: each becomes one dialogue event.

While a person holds a conversation (a takeover, `inbox.takeover`) the bot writes nothing in it:
a reminder or follow-up that falls due then is held back, and goes after the hand-back if the
dialogue still has it to say (docs/inbox.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from booking import bookings, follow_ups, waitlist
from bot.types import Event, EventKind, Transition
from conversation import invitations
from conversation.service import Dialogue, advance
from core.calendar import SendWindow
from outreach.windows import EmptyWindowError, load_window
from store import due
from store.models import Campaign, Conversation, FollowUp, Reminder
from store.types import ConversationStatus, DueStatus, ReminderKind, Trigger

REMINDER_EVENTS = {
    ReminderKind.INVITATION: EventKind.INVITATION_REMINDER,
    ReminderKind.BOOKING: EventKind.BOOKING_REMINDER,
    ReminderKind.WAITLIST_ASK: EventKind.WAITLIST_ASK,
}
# A row held back while a person holds its conversation is looked at again this much later.
HELD_RECHECK = timedelta(minutes=30)


def process_reminders(*, session: Session, dialogue: Dialogue, now: datetime, limit: int) -> int:
    """Send due reminders while the window is open; return how many rows were handled."""
    if not dialogue.window.is_open(now):
        return 0
    rows = due.claim_due(session=session, model=Reminder, now=now, limit=limit)
    windows = _CampaignWindows(session=session, base=dialogue.window)
    for reminder in rows:
        kind = ReminderKind(reminder.kind)
        # The alert about an unanswered follow-up goes to staff, not to the citizen: never held.
        if kind is not ReminderKind.FOLLOW_UP_NO_ANSWER and (
            windows.postpone(reminder, now=now)  # a blackout: the row waits, unsent
            or hold_back(session=session, row=reminder, now=now)  # a person holds it
        ):
            continue
        if kind is ReminderKind.BOOKING and not bookings.still_held(
            session=session, booking_id=reminder.booking_id, now=now
        ):
            # Due before a long downtime: a reminder of a conversation already under way or
            # over helps nobody, so it is skipped, not sent late. Nor is one of a time that is
            # no longer the citizen's (moved, cancelled, closed), if its row was left behind.
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
    windows = _CampaignWindows(session=session, base=dialogue.window)
    for follow_up in rows:
        if windows.postpone(follow_up, now=now) or hold_back(
            session=session, row=follow_up, now=now
        ):
            continue  # sent when the window opens or after the hand-back: the nudge is timed then
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


def process_waitlist(*, session: Session, dialogue: Dialogue, now: datetime, limit: int) -> int:
    """End places that ran out, tell those whose offered time went, offer free times in turn.

    Only inside the send window. A free time goes to the first place whose wish it fits; the
    place then waits for the wish the citizen last gave, so a wish changed at an offer is the
    one the next freed time is matched against.

    Returns how many places were handled.
    """
    if not dialogue.window.is_open(now):
        return 0
    handled = 0
    for entry in waitlist.expired(session=session, now=now, limit=limit):
        handled += 1
        if waitlist.still_open(session=session, entry=entry, now=now):
            _run_event(
                session=session,
                dialogue=dialogue,
                conversation_id=entry.conversation_id,
                event=Event(EventKind.WAITLIST_EXPIRED),
                now=now,
            )
    for entry in waitlist.gone_offers(session=session, now=now, window=dialogue.window):
        handled += 1
        if waitlist.still_open(session=session, entry=entry, now=now):
            _run_event(
                session=session,
                dialogue=dialogue,
                conversation_id=entry.conversation_id,
                event=Event(EventKind.WAITLIST_TAKEN),
                now=now,
            )
    for entry in waitlist.due_offers(session=session, now=now, window=dialogue.window):
        if handled >= limit:
            break
        handled += 1
        if not waitlist.still_open(session=session, entry=entry, now=now):
            continue
        transition = _run_event(
            session=session,
            dialogue=dialogue,
            conversation_id=entry.conversation_id,
            event=Event(EventKind.WAITLIST_OFFER),
            now=now,
        )
        if transition.outbound:
            waitlist.mark_offered(entry, now=now)
        waitlist.follow_wish(entry, transition.state.wish)
    return handled


def hold_back(*, session: Session, row: Reminder | FollowUp, now: datetime) -> bool:
    """Hold a due row back while a person holds its open conversation; look again later.

    Nothing is withdrawn: after the hand-back the row goes, and the dialogue decides whether
    it still has something to say (a booking reminder only while the booking stands and lies
    ahead, an invitation reminder only while the invitation is unanswered). A closed
    conversation can no longer be written in by a person, so its hold holds nothing back.
    """
    conversation = session.get_one(Conversation, row.conversation_id)
    if conversation.held_by is None or conversation.status != ConversationStatus.OPEN:
        return False
    row.due_at = now + HELD_RECHECK
    return True


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


@dataclass(frozen=True)
class DialogueJobs:
    """The due work of the dialogue, as the ticker runs it: each bound to the one dialogue."""

    dialogue: Dialogue

    def invitations(self, *, session: Session, now: datetime, limit: int) -> int:
        """Send due invitations (each opens a conversation)."""
        return invitations.process_due(
            session=session, dialogue=self.dialogue, now=now, limit=limit
        )

    def reminders(self, *, session: Session, now: datetime, limit: int) -> int:
        """Send due reminders."""
        return process_reminders(session=session, dialogue=self.dialogue, now=now, limit=limit)

    def follow_ups(self, *, session: Session, now: datetime, limit: int) -> int:
        """Send due follow-ups."""
        return process_follow_ups(session=session, dialogue=self.dialogue, now=now, limit=limit)

    def waitlist(self, *, session: Session, now: datetime, limit: int) -> int:
        """Offer freed times to the waitlist, and end places that ran out."""
        return process_waitlist(session=session, dialogue=self.dialogue, now=now, limit=limit)


class _CampaignWindows:
    """Hold a due row while its campaign's own window is shut (its hours, a blackout).

    The outbox would hold the message anyway, but the row would count as done: a follow-up
    due in a blackout would start its nudge's five days at once, and both would go out together
    when the blackout ends. Moving the row to the window's next opening keeps one message per
    row and every timer counted from when the message can actually go.
    """

    def __init__(self, *, session: Session, base: SendWindow) -> None:
        self._session = session
        self._base = base
        self._windows: dict[int, SendWindow] = {}

    def postpone(self, row: Reminder | FollowUp, *, now: datetime) -> bool:
        """Move the row to its campaign's next opening if that is later than now."""
        window = self._of(row.conversation_id)
        if window.is_open(now):
            return False
        row.due_at = window.next_open(now)
        return True

    def _of(self, conversation_id: int) -> SendWindow:
        conversation = self._session.get_one(Conversation, conversation_id)
        if conversation.campaign_id not in self._windows:
            campaign = self._session.get_one(Campaign, conversation.campaign_id)
            try:
                own: SendWindow = load_window(
                    session=self._session, campaign=campaign, base=self._base
                )
            except EmptyWindowError:
                own = self._base
            self._windows[conversation.campaign_id] = own
        return self._windows[conversation.campaign_id]
