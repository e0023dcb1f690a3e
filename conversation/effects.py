"""Apply the engine's effects to the store, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from booking import bookings, follow_ups, waitlist
from booking.attendance import attendance_buttons
from bot.types import (
    BookSlot,
    CancelBooking,
    CloseConversation,
    Declined,
    Effect,
    JoinWaitlist,
    LeaveWaitlist,
    NotifyStaff,
    OptIn,
    OptOut,
    ReopenConversation,
    ScheduleNudge,
    ScreenedIn,
    ScreenedOut,
    Transition,
)
from channels.port import Buttons
from core.calendar import SendWindow
from delivery import optout
from store import conversations, due, inbox
from store.models import Campaign, Contact, Conversation, Location, Reminder, Slot, StaffMember
from store.types import BookingStatus, ConversationStatus, ReminderKind

STAFF_TEXT = {
    "callback": "Borger ønsker at blive ringet op",
    "not_understood": "Borger har svaret noget, som systemet ikke forstod, og tilbydes et opkald",
    "no_slots": "Ingen ledige tider at tilbyde; borger ønsker kontakt",
    "follow_up_reply": "Borger har svaret på opfølgningen en måned efter samtalen",
    **follow_ups.STAFF_TEXT,
}
# Notices after which the citizen was told a person calls "within two working days".
PROMISED_KINDS = ("staff_callback", "staff_no_slots")


def apply(
    *,
    session: Session,
    window: SendWindow,
    conversation: Conversation,
    contact: Contact,
    campaign: Campaign,
    transition: Transition,
    now: datetime,
    said: str | None = None,
    waiting: bool | None = None,
) -> None:
    """Carry out each effect; raises SlotTakenError before anything is queued if a race is lost.

    `said` is what the citizen wrote in this step, if they did: a notice to staff quotes it.
    `waiting`, whether the conversation holds a place on the waitlist (None: not known, so a
    booking looks for one to end).
    """
    for effect in transition.effects:
        _apply_one(
            session=session,
            window=window,
            conversation=conversation,
            contact=contact,
            campaign=campaign,
            effect=effect,
            now=now,
            said=said,
            waiting=waiting,
        )


def _apply_one(
    *,
    session: Session,
    window: SendWindow,
    conversation: Conversation,
    contact: Contact,
    campaign: Campaign,
    effect: Effect,
    now: datetime,
    said: str | None,
    waiting: bool | None,
) -> None:
    assert conversation.id is not None and contact.id is not None
    match effect:
        case BookSlot(slot_id=slot_id):
            _book(
                session=session,
                window=window,
                conversation=conversation,
                slot_id=slot_id,
                now=now,
                said=said,
                waiting=waiting,
            )
        case CancelBooking():
            _cancel(session=session, window=window, conversation=conversation, now=now, said=said)
        case OptOut():
            optout.opt_out(
                session=session,
                contact_id=contact.id,
                address=contact.phone,
                source="keyword",
                now=now,
            )
        case OptIn():
            optout.opt_in(session=session, contact_id=contact.id, now=now)
        case ScreenedIn():
            conversation.screening = "in"
        case ScreenedOut(reason=reason):
            conversation.screening = "out"
            conversation.screened_out_reason = reason
        case Declined():
            conversation.close_reason = "declined"
        case ScheduleNudge(due_at=due_at):
            session.add(
                Reminder(
                    kind=ReminderKind.INVITATION, conversation_id=conversation.id, due_at=due_at
                )
            )
        case JoinWaitlist(wish=wish):
            waitlist.join(session=session, conversation=conversation, wish=wish, now=now)
        case LeaveWaitlist():
            waitlist.leave(session=session, conversation_id=conversation.id, now=now)
        case NotifyStaff(reason=reason):
            if reason == "no_slots":
                waitlist.ask_once(session=session, conversation=conversation, now=now)
            # A reply to a follow-up is recorded there; one that needs help becomes an alert.
            reason = follow_ups.on_staff_notice(
                session=session, conversation_id=conversation.id, reason=reason, now=now
            )
            _notify(
                session=session,
                window=window,
                conversation=conversation,
                contact=contact,
                campaign=campaign,
                text=STAFF_TEXT.get(reason, reason),
                kind=f"staff_{reason}",
                now=now,
                said=said,
            )
        case ReopenConversation():
            # The citizen cancelled and asks for a new time while the case is recent.
            conversation.status = ConversationStatus.OPEN
            conversation.close_reason = None
            conversation.closed_at = None
        case CloseConversation(reason=reason):
            conversation.status = ConversationStatus.CLOSED
            conversation.close_reason = reason
            conversation.closed_at = now
            due.cancel_scheduled_for_conversation(session=session, conversation_id=conversation.id)


def _book(
    *,
    session: Session,
    window: SendWindow,
    conversation: Conversation,
    slot_id: int,
    now: datetime,
    said: str | None,
    waiting: bool | None,
) -> None:
    assert conversation.id is not None
    booking = bookings.book(
        session=session,
        slot_id=slot_id,
        contact_id=conversation.contact_id,
        conversation_id=conversation.id,
        now=now,
        window=window,
    )
    if waiting is not False:
        waitlist.on_booked(session=session, booking=booking, now=now)
    moved = booking.previous_booking_id is not None  # it follows the booking that held a slot
    kind = "staff_moved" if moved else "staff_booking"
    label = "Booking flyttet" if moved else "Ny booking"
    assert booking.id is not None
    _notify_about_slot(
        session=session,
        window=window,
        slot_id=booking.slot_id,
        contact_id=conversation.contact_id,
        label=label,
        kind=kind,
        now=now,
        buttons=attendance_buttons(booking.id),  # Mødt / Udeblevet, on Telegram
        about=_about(session=session, conversation=conversation, booking_id=booking.id, said=said),
    )


def _cancel(
    *,
    session: Session,
    window: SendWindow,
    conversation: Conversation,
    now: datetime,
    said: str | None,
) -> None:
    assert conversation.id is not None
    current = conversations.active_booking(session=session, conversation_id=conversation.id)
    if current is None:
        return
    bookings.end(session=session, booking=current, status=BookingStatus.CANCELLED, now=now)
    _notify_about_slot(
        session=session,
        window=window,
        slot_id=current.slot_id,
        contact_id=conversation.contact_id,
        label="Booking aflyst",
        kind="staff_cancellation",
        now=now,
        about=_about(session=session, conversation=conversation, booking_id=current.id, said=said),
    )


def _notify_about_slot(
    *,
    session: Session,
    window: SendWindow,
    slot_id: int,
    contact_id: int,
    label: str,
    kind: str,
    now: datetime,
    buttons: Buttons = (),
    about: inbox.About | None = None,
) -> None:
    """Tell the slot's staff member (read with the offered times when a citizen books)."""
    slot = session.get_one(Slot, slot_id)
    staff = session.get_one(StaffMember, slot.staff_member_id)
    text = bookings.describe_for_staff(
        contact=session.get_one(Contact, contact_id),
        slot=slot,
        location=session.get_one(Location, slot.location_id),
        window=window,
    )
    bookings.notify_staff(
        session=session,
        staff=staff,
        kind=kind,
        text=f"{label}: {text}",
        now=now,
        buttons=buttons,
        about=about,
    )


def _about(
    *,
    session: Session,
    conversation: Conversation,
    municipality_id: int | None = None,
    booking_id: int | None = None,
    due_at: datetime | None = None,
    said: str | None = None,
) -> inbox.About:
    """Describe the conversation a notice is about, with the citizen's latest words.

    They are `said` when the citizen wrote in this step (stored already: no query for them).
    """
    assert conversation.id is not None
    return inbox.About(
        municipality_id=municipality_id,
        contact_id=conversation.contact_id,
        conversation_id=conversation.id,
        booking_id=booking_id,
        campaign_id=conversation.campaign_id,
        cause=(
            said
            if said is not None
            else inbox.last_inbound_text(session=session, conversation_id=conversation.id)
        ),
        due_at=due_at,
    )


def _notify(
    *,
    session: Session,
    window: SendWindow,
    conversation: Conversation,
    contact: Contact,
    campaign: Campaign,
    text: str,
    kind: str,
    now: datetime,
    said: str | None,
) -> None:
    """Tell the staff member of the citizen's booking, or the municipality's staff on duty.

    A municipality with no staff member still gets the item: in its own inbox, where the
    coordinator sees it as undelivered (and the citizen was promised no call).
    """
    assert conversation.id is not None
    booking = conversations.active_booking(session=session, conversation_id=conversation.id)
    staff = conversations.callback_taker(
        session=session, conversation_id=conversation.id, municipality_id=campaign.municipality_id
    )
    # The citizen was promised a call within two working days only if the notice reaches someone.
    promised = kind in PROMISED_KINDS and staff is not None and inbox.is_reachable(staff)
    about = _about(
        session=session,
        conversation=conversation,
        municipality_id=campaign.municipality_id,
        booking_id=booking.id if booking else None,
        due_at=inbox.callback_due(window=window, now=now) if promised else None,
        said=said,
    )
    who = f"{contact.name or 'ukendt navn'}, {contact.phone} (ref. {contact.public_id})"
    inbox.notify(
        session=session, staff=staff, kind=kind, text=f"{text}: {who}", now=now, about=about
    )
