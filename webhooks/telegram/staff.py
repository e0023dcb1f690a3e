"""Button presses by staff: Mødt / Udeblevet under a booking notice, and the outcome form.

Udeblevet records the no-show at once (the citizen is offered one new time). Mødt turns the
notice into the outcome form (`webhooks.telegram.outcome`); the booking is marked attended when
the form is saved, together with its outcome, as `booking.outcomes.record_outcome` does it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import structlog
from sqlmodel import Session

from booking.attendance import parse_attendance
from booking.bookings import describe_for_staff
from booking.outcomes import Outcome, OutcomeError, record_outcome
from conversation.service import Dialogue
from store import telegram as telegram_store
from store.models import Booking, Contact, Location, Slot, StaffMember
from store.types import BookingStatus
from webhooks.telegram.common import Action, AnswerButton, EditMessage, TelegramSetup
from webhooks.telegram.outcome import Draft, Offer, Page, decode, saved, screen, to_outcome
from webhooks.telegram.updates import ButtonPress

log = structlog.get_logger(__name__)

NOT_STAFF = "Du er ikke koblet på som medarbejder."
UNKNOWN = "Bookingen findes ikke, eller du har ikke adgang til den."
NOT_YET = "Samtalen er ikke begyndt endnu."
ALREADY = "Udfaldet er allerede registreret."
ENDED = "Bookingen er aflyst eller flyttet."
NO_SHOW_DONE = "✔ Udeblevet er registreret. Borgeren får besked."
SAVED = "Udfaldet er gemt."
CANCELLED = "Annulleret."


@dataclass(frozen=True)
class BookingView:
    """A booking as the form shows it."""

    booking: Booking
    header: str
    conversation_day: date
    offers: tuple[Offer, ...]
    staff_id: int  # who is recording, for the audit log


TELEGRAM_ACTOR = "telegram:staff:"  # the audit log's name for a staff member on Telegram


def on_press(
    *,
    session: Session,
    dialogue: Dialogue,
    setup: TelegramSetup,
    event: ButtonPress,
    now: datetime,
) -> tuple[Action, ...]:
    """Handle a press; return the answer to it and the new look of its message."""
    staff = telegram_store.staff_by_chat(session=session, chat_id=event.chat_id)
    attendance = parse_attendance(event.data)
    draft = Draft(attendance.booking_id) if attendance else decode(event.data)
    if staff is None:
        return (AnswerButton(event.query_id, NOT_STAFF),)
    view = _view(session=session, dialogue=dialogue, setup=setup, staff=staff, draft=draft)
    if view is None or draft is None:
        return (AnswerButton(event.query_id, UNKNOWN),)
    refusal = _refusal(session=session, booking=view.booking, now=now)
    if refusal == NOT_YET:
        return (AnswerButton(event.query_id, NOT_YET),)
    if refusal is not None:
        return _closed(event, view, refusal)
    log.info("telegram.staff_press", booking_id=view.booking.id, page=draft.page.value)
    if attendance is not None and not attendance.attended:
        outcome = Outcome(attended=False)
        refusal = _record(session=session, dialogue=dialogue, view=view, outcome=outcome, now=now)
        return _closed(event, view, refusal or NO_SHOW_DONE)
    if draft.page == Page.SAVE:
        return _save(
            session=session, dialogue=dialogue, view=view, draft=draft, event=event, now=now
        )
    return _show(dialogue=dialogue, setup=setup, view=view, draft=draft, event=event, now=now)


def _show(
    *,
    dialogue: Dialogue,
    setup: TelegramSetup,
    view: BookingView,
    draft: Draft,
    event: ButtonPress,
    now: datetime,
) -> tuple[Action, ...]:
    """Turn the message into the form's page the draft is on."""
    page = screen(
        draft,
        header=view.header,
        offers=view.offers,
        conversation_day=view.conversation_day,
        today=dialogue.window.local(now).date(),
        console_url=setup.console_link(view.booking.id or 0),
    )
    answer = CANCELLED if draft.page == Page.CANCEL else ""
    return (
        AnswerButton(event.query_id, answer),
        EditMessage(event.chat_id, event.message_id, page.text, page.buttons),
    )


def _save(
    *,
    session: Session,
    dialogue: Dialogue,
    view: BookingView,
    draft: Draft,
    event: ButtonPress,
    now: datetime,
) -> tuple[Action, ...]:
    """Record attended and the outcome the form holds; the form shows what was saved."""
    outcome = to_outcome(draft, offers=view.offers, conversation_day=view.conversation_day)
    refusal = _record(session=session, dialogue=dialogue, view=view, outcome=outcome, now=now)
    if refusal is not None:
        return _closed(event, view, refusal)
    text = saved(
        draft, header=view.header, offers=view.offers, conversation_day=view.conversation_day
    )
    return (AnswerButton(event.query_id, SAVED), EditMessage(event.chat_id, event.message_id, text))


def _view(
    *,
    session: Session,
    dialogue: Dialogue,
    setup: TelegramSetup,
    staff: StaffMember,
    draft: Draft | None,
) -> BookingView | None:
    """Find the booking a press is about, if this staff member's municipality holds it."""
    booking = session.get(Booking, draft.booking_id) if draft is not None else None
    if booking is None:
        return None
    slot = session.get_one(Slot, booking.slot_id)
    location = session.get_one(Location, slot.location_id)
    if location.municipality_id != staff.municipality_id:
        return None
    header = describe_for_staff(
        contact=session.get_one(Contact, booking.contact_id),
        slot=slot,
        location=location,
        window=dialogue.window,
    )
    return BookingView(
        booking=booking,
        header=header,
        conversation_day=dialogue.window.local(slot.starts_at).date(),
        offers=tuple(setup.offers(session, location.municipality_id)),
        staff_id=staff.id or 0,
    )


def _refusal(*, session: Session, booking: Booking, now: datetime) -> str | None:
    """Say why attendance cannot be recorded now, or None when it can."""
    if booking.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        return ALREADY
    if booking.status != BookingStatus.BOOKED:
        return ENDED
    if session.get_one(Slot, booking.slot_id).starts_at > now:
        return NOT_YET
    return None


def _closed(event: ButtonPress, view: BookingView, notice: str) -> tuple[Action, ...]:
    """Answer, and leave the message with what happened and no buttons."""
    return (
        AnswerButton(event.query_id, notice),
        EditMessage(event.chat_id, event.message_id, f"{view.header}\n\n{notice}"),
    )


def _record(
    *, session: Session, dialogue: Dialogue, view: BookingView, outcome: Outcome, now: datetime
) -> str | None:
    """Record the outcome; return why not, if the booking changed in the meantime."""
    assert view.booking.id is not None
    try:
        record_outcome(
            session=session,
            dialogue=dialogue,
            booking_id=view.booking.id,
            outcome=outcome,
            now=now,
            actor=f"{TELEGRAM_ACTOR}{view.staff_id}",
        )
    except OutcomeError:
        log.warning("telegram.outcome_refused", booking_id=view.booking.id)
        return ALREADY
    log.info("telegram.outcome_recorded", booking_id=view.booking.id, attended=outcome.attended)
    return None
