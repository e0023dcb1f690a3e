"""Absences: staff or a coordinator close a period for a staff member or a location.

Every booking still to come in the period is cancelled by the service: the citizen is told and
offered new times (as when staff cancel one booking), and the caller gets the list of the
citizens affected. Closed time offers no slots. Removing a location closes it for good.
Lifting a closure makes its time bookable again (the waitlist is offered it); the bookings it
cancelled are not restored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from booking import changes, closures, directory
from booking.access import Scope, audit
from booking.events import CitizenDialogue
from booking.repository import BookingView
from core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from store.models import Closure, Location

MAX_REASON_CHARS = 120
CLOSURE_ACTION = "booking.closure"
LOCATION_REMOVED_ACTION = "location.removed"
CLOSURE_LIFTED_ACTION = "booking.closure_lifted"


@dataclass(frozen=True)
class LiftedClosure:
    """A closure as it was before it was lifted, and how many of its slots are free again."""

    closure: Closure
    reopened: int  # free slots ahead in the period: the waitlist's job offers them


@dataclass(frozen=True)
class ClosedPeriod:
    """A closure and the bookings it cancelled, in time order."""

    closure: Closure
    cancelled: list[BookingView]


def close_period(
    *,
    session: Session,
    dialogue: CitizenDialogue,
    scope: Scope,
    staff_member_id: int | None,
    location_id: int | None,
    starts_at: datetime,
    ends_at: datetime | None,
    reason: str,
    now: datetime,
) -> ClosedPeriod:
    """Close a period for one staff member or one location and cancel its bookings."""
    if (staff_member_id is None) == (location_id is None):
        raise InvalidInputError("close a period for either a staff member or a location")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInputError("the period must end after it starts")
    if ends_at is not None and ends_at <= now:
        raise InvalidInputError("the period has passed already")
    why = " ".join(reason.split())
    if len(why) > MAX_REASON_CHARS:
        raise InvalidInputError(f"the reason is at most {MAX_REASON_CHARS} characters")
    if staff_member_id is not None:
        if scope.staff_member_id not in (None, staff_member_id):
            raise ForbiddenError("a staff key closes only its own staff member's time")
        member = directory.get_staff_member(
            session=session, scope=scope, staff_member_id=staff_member_id
        )
        municipality_id = member.municipality_id
    else:
        assert location_id is not None
        place = directory.get_location(session=session, scope=scope, location_id=location_id)
        municipality_id = place.municipality_id
    closure = Closure(
        municipality_id=municipality_id,
        staff_member_id=staff_member_id,
        location_id=location_id,
        starts_at=max(starts_at, now),
        ends_at=ends_at,
        reason=why,
        created_by=scope.actor,
        created_at=now,
    )
    session.add(closure)
    session.flush()  # closed before the citizens are offered new times: none in the period
    cancelled = _cancel_bookings(
        session=session, dialogue=dialogue, scope=scope, closure=closure, now=now
    )
    audit(
        session=session,
        scope=scope,
        action=CLOSURE_ACTION,
        subject_type="closure",
        subject_id=closure.id,
        now=now,
        detail=f"{len(cancelled)} bookings cancelled",
    )
    return ClosedPeriod(closure=closure, cancelled=cancelled)


def remove_location(
    *, session: Session, dialogue: CitizenDialogue, scope: Scope, location_id: int, now: datetime
) -> ClosedPeriod:
    """Remove a location: no new slots there, its bookings ahead cancelled, its history kept."""
    if scope.staff_member_id is not None:
        raise ForbiddenError("a coordinator removes locations")
    location = directory.get_location(session=session, scope=scope, location_id=location_id)
    if location.retired_at is not None:
        raise InvalidInputError(f"location {location_id} was removed already")
    closed = close_period(
        session=session,
        dialogue=dialogue,
        scope=scope,
        staff_member_id=None,
        location_id=location_id,
        starts_at=now,
        ends_at=None,
        reason="lokationen er nedlagt",
        now=now,
    )
    location.retired_at = now
    audit(
        session=session,
        scope=scope,
        action=LOCATION_REMOVED_ACTION,
        subject_type="location",
        subject_id=location_id,
        now=now,
        detail=f"{len(closed.cancelled)} bookings cancelled",
    )
    return closed


def lift_closure(
    *, session: Session, scope: Scope, closure_id: int, now: datetime
) -> LiftedClosure:
    """Lift a closed period: its time is bookable again, and the waitlist is offered it.

    A period not begun yet is deleted; one under way ends now, so its past stays on record.
    The bookings it cancelled are not restored: those citizens were told and offered new
    times when it was closed. A removed location's closure is not lifted.
    """
    closure = session.get(Closure, closure_id, with_for_update=True)
    if closure is None or not scope.sees(closure.municipality_id):
        raise NotFoundError(f"no closure {closure_id}")
    if scope.staff_member_id is not None and closure.staff_member_id != scope.staff_member_id:
        raise ForbiddenError("a staff key lifts only its own staff member's closures")
    if closure.ends_at is not None and closure.ends_at <= now:
        raise ConflictError(f"closure {closure_id} has ended already")
    if closure.location_id is not None:
        place = session.get_one(Location, closure.location_id)
        if place.retired_at is not None:
            raise ConflictError(f"location {place.id} was removed; its closure stays")
    period = (closure.starts_at, closure.ends_at)
    if closure.starts_at < now:
        closure.ends_at = now
    else:
        session.delete(closure)
    session.flush()
    reopened = closures.free_in(
        session=session,
        staff_member_id=closure.staff_member_id,
        location_id=closure.location_id,
        starts_at=period[0],
        ends_at=period[1],
        after=now,
    )
    audit(
        session=session,
        scope=scope,
        action=CLOSURE_LIFTED_ACTION,
        subject_type="closure",
        subject_id=closure_id,
        now=now,
        detail=f"{reopened} slots bookable again; cancelled bookings not restored",
    )
    lifted = Closure.model_validate(closure.model_dump() | {"ends_at": period[1]})
    return LiftedClosure(closure=lifted, reopened=reopened)


def _cancel_bookings(
    *, session: Session, dialogue: CitizenDialogue, scope: Scope, closure: Closure, now: datetime
) -> list[BookingView]:
    # The service acts on every booking in the closed time, whoever's slot; the absent staff
    # member gets the list in the answer rather than one notice per booking.
    acting = Scope(
        municipality_id=closure.municipality_id,
        staff_member_id=closure.staff_member_id,
        actor=scope.actor,
    )
    cancelled = []
    for booking_id in closures.booked_in(session=session, closure=closure):
        view = changes.cancel_by_staff(
            session=session,
            dialogue=dialogue,
            scope=acting,
            booking_id=booking_id,
            now=now,
            audited_as=scope,
            why=f"closure {closure.id}",
        )
        cancelled.append(view)
    return cancelled
