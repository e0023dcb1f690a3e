"""The follow-up after a further course was agreed: the citizen's answer, one nudge, staff alerts.

The follow-up message goes out on its day (conversation.jobs). If the citizen answers, the answer is
recorded on the follow-up row as a reference to the inbound message, and staff are alerted when
it says the citizen needs help. Without an answer the citizen is nudged once; still no answer a
few days later, and staff are alerted to call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import Select, and_, exists, select, update
from sqlmodel import Session, col

from booking import bookings
from bot import parsing
from core.calendar import SendWindow
from store import inbox
from store.models import (
    Booking,
    Contact,
    Conversation,
    FollowUp,
    Message,
    Reminder,
    Slot,
    StaffMember,
)
from store.types import Direction, DueStatus, ReminderKind

NUDGE_AFTER = timedelta(days=5)  # no answer to the follow-up: ask once more
ALERT_AFTER = timedelta(days=5)  # no answer to the nudge either: staff call
NUDGE_AT = time(10, 0)
# Answers are looked for this long after the follow-up; later ones are read by staff anyway.
ANSWER_WINDOW = timedelta(days=60)
KINDS = (ReminderKind.FOLLOW_UP_NUDGE, ReminderKind.FOLLOW_UP_NO_ANSWER)

HELP = "follow_up_help"
NO_ANSWER = "follow_up_no_answer"
STAFF_TEXT = {
    HELP: "Borger har brug for hjælp efter opfølgningen – ring venligst til borgeren",
    NO_ANSWER: "Borger har ikke svaret på opfølgningen, heller ikke efter en påmindelse – "
    "ring venligst til borgeren",
}

# Phrases in an answer that mean a person should call; "ikke" before one cancels it.
HELP_PHRASES = (
    "hjælp",
    "hjælpe",
    "brug for hjælp",
    "ring",
    "ring til mig",
    "ringe",
    "opkald",
    "dårligt",
    "skidt",
    "svært",
    "ikke godt",
    "ikke så godt",
    "ikke særlig godt",
    "ikke fint",
    "kan ikke",
    "orker ikke",
    "help",
    "call",
    "call me",
    "badly",
    "bad",
    "not well",
    "not good",
    "struggling",
)
NEGATORS = frozenset(parsing.tokens("ikke not never aldrig ej ingen no"))


def needs_help(text: str) -> bool:
    """Tell whether an answer asks for help or says things go badly ("ikke dårligt" does not)."""
    words = parsing.tokens(text)
    negated: set[int] = set()
    for phrase in sorted(parsing.phrases(HELP_PHRASES), key=len, reverse=True):
        for i in range(len(words) - len(phrase) + 1):
            if words[i : i + len(phrase)] != phrase or i in negated:
                continue
            if i > 0 and words[i - 1] in NEGATORS and phrase[0] not in NEGATORS:
                negated.update(range(i, i + len(phrase)))  # "har ikke brug for hjælp"
                continue
            return True
    return False


def schedule_nudge(
    *, session: Session, follow_up: FollowUp, now: datetime, window: SendWindow
) -> None:
    """After the follow-up went out: nudge in a few days unless the citizen answers."""
    kind = ReminderKind.FOLLOW_UP_NUDGE
    _schedule(
        session, follow_up.conversation_id, follow_up.booking_id, kind, now + NUDGE_AFTER, window
    )


def schedule_no_answer_alert(
    *, session: Session, nudge: Reminder, now: datetime, window: SendWindow
) -> None:
    """After the nudge went out: alert staff in a few days unless the citizen answers."""
    kind = ReminderKind.FOLLOW_UP_NO_ANSWER
    _schedule(session, nudge.conversation_id, nudge.booking_id, kind, now + ALERT_AFTER, window)


def _schedule(
    session: Session,
    conversation_id: int,
    booking_id: int | None,
    kind: ReminderKind,
    after: datetime,
    window: SendWindow,
) -> None:
    day = window.local(after).date()
    due_at = window.next_open(datetime.combine(day, NUDGE_AT, window.tz))
    session.add(
        Reminder(kind=kind, conversation_id=conversation_id, booking_id=booking_id, due_at=due_at)
    )


def on_staff_notice(*, session: Session, conversation_id: int, reason: str, now: datetime) -> str:
    """Record a reply that answers a follow-up; return the notice staff should get for it.

    The dialogue asks for staff for every reply to a follow-up ("follow_up_reply") and for a
    callback request; either answers the follow-up, and a reply that needs help becomes an alert.
    """
    if reason not in ("follow_up_reply", "callback"):
        return reason
    follow_up = session.scalars(
        _awaiting().where(col(FollowUp.conversation_id) == conversation_id).with_for_update()
    ).first()
    if follow_up is None:
        return reason
    answers = _answers(session, follow_up)
    if not answers:
        return reason
    help_needed = _record(session, follow_up, answers) or reason == "callback"
    follow_up.needs_help = help_needed
    if help_needed:
        follow_up.staff_alerted_at = now  # the notice that goes out now is the alert
    return HELP if help_needed and reason == "follow_up_reply" else reason


def record_unreported_answers(*, session: Session, now: datetime, limit: int) -> int:
    """Record answers the dialogue did not pass on (HJÆLP, a plain "tak"); alert where needed."""
    answered = exists().where(
        col(Message.conversation_id) == col(FollowUp.conversation_id),
        col(Message.direction) == Direction.IN,
        col(Message.created_at) >= col(FollowUp.done_at),
    )
    rows = session.scalars(
        _awaiting()
        .where(col(FollowUp.done_at) >= now - ANSWER_WINDOW, answered)
        .order_by(col(FollowUp.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for follow_up in rows:
        if _record(session, follow_up, _answers(session, follow_up)):
            alert_staff(session=session, follow_up=follow_up, reason=HELP, now=now)
    return len(rows)


def still_unanswered(*, session: Session, booking_id: int | None, now: datetime) -> bool:
    """Tell whether a sent follow-up still waits for an answer; record one that came meanwhile."""
    follow_up = session.scalars(_awaiting().where(col(FollowUp.booking_id) == booking_id)).first()
    if follow_up is None:
        return False
    answers = _answers(session, follow_up)
    if not answers:
        return True
    if _record(session, follow_up, answers):
        alert_staff(session=session, follow_up=follow_up, reason=HELP, now=now)
    return False


def alert_no_answer(*, session: Session, reminder: Reminder, now: datetime) -> None:
    """Alert staff that the citizen answered neither the follow-up nor the nudge."""
    if not still_unanswered(session=session, booking_id=reminder.booking_id, now=now):
        return
    assert reminder.booking_id is not None
    follow_up = for_booking(session=session, booking_id=reminder.booking_id)
    assert follow_up is not None
    alert_staff(session=session, follow_up=follow_up, reason=NO_ANSWER, now=now)


def alert_staff(*, session: Session, follow_up: FollowUp, reason: str, now: datetime) -> None:
    """Tell the staff member who held the conversation to call the citizen."""
    booking = session.get_one(Booking, follow_up.booking_id)
    staff = session.get_one(StaffMember, session.get_one(Slot, booking.slot_id).staff_member_id)
    contact = session.get_one(Contact, booking.contact_id)
    who = f"{contact.name or 'ukendt navn'}, {contact.phone} (ref. {contact.public_id})"
    text = f"{STAFF_TEXT[reason]}: {who}"
    about = inbox.About(
        contact_id=booking.contact_id,
        conversation_id=booking.conversation_id,
        booking_id=booking.id,
        campaign_id=session.get_one(Conversation, booking.conversation_id).campaign_id,
        cause=inbox.last_inbound_text(session=session, conversation_id=booking.conversation_id)
        if reason == HELP
        else None,
    )
    bookings.notify_staff(
        session=session, staff=staff, kind=f"staff_{reason}", text=text, now=now, about=about
    )
    follow_up.staff_alerted_at = now


def _awaiting() -> Select[FollowUp]:
    """Follow-ups that went out and have no answer yet."""
    return select(FollowUp).where(
        col(FollowUp.status) == DueStatus.DONE, col(FollowUp.answered_at).is_(None)
    )


def _answers(session: Session, follow_up: FollowUp) -> Sequence[Message]:
    """Return what the citizen wrote in the conversation since the follow-up went out."""
    assert follow_up.done_at is not None
    return session.scalars(
        select(Message)
        .where(
            and_(
                col(Message.conversation_id) == follow_up.conversation_id,
                col(Message.direction) == Direction.IN,
                col(Message.created_at) >= follow_up.done_at,
            )
        )
        .order_by(col(Message.created_at), col(Message.id))
    ).all()


def _record(session: Session, follow_up: FollowUp, answers: Sequence[Message]) -> bool:
    """Keep the first answer's reference, stop the nudge and alert; tell whether help is needed."""
    first = answers[0]
    follow_up.answered_at = first.created_at
    follow_up.answer_message_id = first.id
    follow_up.needs_help = any(needs_help(message.text) for message in answers)
    session.execute(
        update(Reminder)
        .where(
            col(Reminder.booking_id) == follow_up.booking_id,
            col(Reminder.kind).in_(KINDS),
            col(Reminder.status) == DueStatus.SCHEDULED,
        )
        .values(status=DueStatus.CANCELLED)
    )
    return follow_up.needs_help


def for_booking(*, session: Session, booking_id: int) -> FollowUp | None:
    """Return the follow-up agreed at this booking's conversation, if any."""
    return session.scalars(select(FollowUp).where(col(FollowUp.booking_id) == booking_id)).first()
