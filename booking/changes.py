"""Staff cancel or move a citizen's booking; the citizen is told in their own conversation."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from booking import bookings, repository
from booking.access import EVERYTHING, Scope, audit
from booking.attendance import attendance_buttons
from booking.events import CitizenDialogue
from booking.repository import BookingView
from bot.types import Event, EventKind
from channels.port import Buttons
from core.calendar import SendWindow
from core.errors import ConflictError, InvalidInputError, NotFoundError
from store import inbox
from store.models import Conversation, Location, Slot, StaffMember
from store.types import BookingStatus


def cancel_by_staff(
    *,
    session: Session,
    dialogue: CitizenDialogue,
    scope: Scope,
    booking_id: int,
    now: datetime,
    audited_as: Scope | None = None,
    why: str = "",
) -> BookingView:
    """Cancel a booking: the slot is free again and the citizen is offered new times.

    Audited here, whoever asks (API, console, an absence): `audited_as` names the person when
    the service acts on their behalf under a wider scope, `why` says why (no personal data).
    """
    view = _changeable(session=session, scope=scope, booking_id=booking_id, now=now)
    audit(
        session=session,
        scope=audited_as or scope,
        action="booking.cancel",
        subject_type="booking",
        subject_id=booking_id,
        now=now,
        detail=why,
    )
    conversation = session.get_one(Conversation, view.booking.conversation_id)
    # The engine speaks while the booking still holds the slot, so it never offers that one back.
    dialogue.tell(
        session=session,
        conversation=conversation,
        event=Event(EventKind.BOOKING_CANCELLED_BY_STAFF),
        now=now,
    )
    bookings.end(session=session, booking=view.booking, status=BookingStatus.CANCELLED, now=now)
    label = "Booking aflyst af kommunen"
    _tell_staff(
        session,
        view,
        view.staff,
        scope=scope,
        kind="staff_cancellation",
        label=label,
        now=now,
        window=dialogue.window,
    )
    return view


def move_by_staff(
    *,
    session: Session,
    dialogue: CitizenDialogue,
    scope: Scope,
    booking_id: int,
    slot_id: int,
    now: datetime,
) -> BookingView:
    """Move a booking to another free slot; the database refuses a slot someone holds."""
    old = _changeable(session=session, scope=scope, booking_id=booking_id, now=now)
    slot = session.get(Slot, slot_id)
    location = session.get(Location, slot.location_id) if slot else None
    if slot is None or location is None or not scope.sees(location.municipality_id):
        raise NotFoundError(f"no slot {slot_id}")
    if slot.id == old.slot.id:
        raise InvalidInputError("the booking is in that slot already")
    if slot.starts_at <= now:
        raise InvalidInputError(f"slot {slot_id} has started or passed")
    new = bookings.book(
        session=session,
        slot_id=slot_id,
        contact_id=old.booking.contact_id,
        conversation_id=old.booking.conversation_id,
        now=now,
        window=dialogue.window,
    )
    assert new.id is not None
    audit(
        session=session,
        scope=scope,
        action="booking.move",
        subject_type="booking",
        subject_id=booking_id,
        now=now,
        detail=f"to booking {new.id}",
    )
    moved = repository.booking_view(session=session, scope=EVERYTHING, booking_id=new.id)
    # The dialogue tells the citizen, so the words and the conversation's state stay its own.
    dialogue.tell(
        session=session,
        conversation=session.get_one(Conversation, moved.booking.conversation_id),
        event=Event(EventKind.BOOKING_MOVED_BY_STAFF),
        now=now,
    )
    before = dialogue.window.local(old.slot.starts_at)
    label = f"Booking flyttet af kommunen (før {before:%d.%m.%Y kl. %H.%M}, {old.location.name})"
    for staff in {old.staff.id: old.staff, moved.staff.id: moved.staff}.values():
        _tell_staff(
            session,
            moved,
            staff,
            scope=scope,
            kind="staff_moved",
            label=label,
            now=now,
            window=dialogue.window,
            # Mødt / Udeblevet only for the one who holds the new slot.
            buttons=attendance_buttons(new.id) if staff.id == moved.staff.id else (),
        )
    return moved


def _changeable(*, session: Session, scope: Scope, booking_id: int, now: datetime) -> BookingView:
    view = repository.booking_view(session=session, scope=scope, booking_id=booking_id, lock=True)
    if view.booking.status != BookingStatus.BOOKED:
        raise ConflictError(f"booking {booking_id} is {view.booking.status}, not booked")
    if view.slot.starts_at <= now:
        raise ConflictError(
            f"booking {booking_id} has started or passed: record the outcome instead"
        )
    return view


def _tell_staff(
    session: Session,
    view: BookingView,
    staff: StaffMember,
    *,
    scope: Scope,
    kind: str,
    label: str,
    now: datetime,
    window: SendWindow,
    buttons: Buttons = (),
) -> None:
    """Tell a staff member about a change, unless they made it themselves."""
    if staff.id is not None and staff.id == scope.staff_member_id:
        return
    text = bookings.describe_for_staff(
        contact=view.contact, slot=view.slot, location=view.location, window=window
    )
    about = inbox.About(
        contact_id=view.contact.id,
        conversation_id=view.booking.conversation_id,
        booking_id=view.booking.id,
        campaign_id=session.get_one(Conversation, view.booking.conversation_id).campaign_id,
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
