"""The booking API: staff members, locations, slots, bookings, outcomes and offers.

Coordinators manage their municipality; a staff key acts as one staff member and sees the
bookings of that person's own slots. Another municipality's objects do not exist (404).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlmodel import Session

from api.deps import CoordinatorDep, ServicesDep, SessionDep, StaffDep
from api.routing import secured_router
from api.schemas import DB_INT_MAX, error_responses
from booking import availability, changes, directory, follow_ups, offers, outcomes, repository
from booking.access import Scope, audit, audit_bookings_shown, scope_for
from booking.schemas import (
    FIRST_DAY,
    LAST_DAY,
    BookingPublic,
    LocationCreate,
    LocationPublic,
    MoveRequest,
    OfferCreate,
    OfferPublic,
    OutcomeCreate,
    OutcomePublic,
    SlotPublic,
    SlotsCreate,
    SlotsCreated,
    StaffKeyPublic,
    StaffMemberCreate,
    StaffMemberPublic,
)
from core.calendar import COPENHAGEN, local
from store.audit import record_reads
from store.models import MonitoringRecord
from store.types import BookingStatus

router = secured_router(prefix="", tags=["booking"])


def _coordinator_scope(principal: CoordinatorDep, session: SessionDep) -> Scope:
    return scope_for(session=session, principal=principal)


def _staff_scope(principal: StaffDep, session: SessionDep) -> Scope:
    return scope_for(session=session, principal=principal)


CoordinatorScope = Annotated[Scope, Depends(_coordinator_scope)]
StaffScope = Annotated[Scope, Depends(_staff_scope)]
FromDay = Annotated[
    date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, description="First local day.")
]
ToDay = Annotated[
    date | None, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="Last day, inclusive.")
]
# Every body can be malformed JSON (400); changes can conflict with what is there (409).
BODY = error_responses(400)
CONFLICT = error_responses(400, 409)
Limit = Annotated[int, Query(ge=1, le=1000)]
PathId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
QueryId = Annotated[int | None, Query(ge=1, le=DB_INT_MAX)]


def _shown(
    session: Session,
    scope: Scope,
    views: Sequence[repository.BookingView],
    *,
    now: datetime,
    detail: str,
) -> None:
    """Log that the citizens of these bookings (name, phone) were shown to the caller."""
    record_reads(
        session=session,
        actor=scope.actor,
        contact_ids=[view.contact.id for view in views],
        now=now,
        detail=detail,
    )


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), COPENHAGEN) if day else None


def _day_after(day: date | None) -> datetime | None:
    return datetime.combine(day + timedelta(days=1), time(0), COPENHAGEN) if day else None


# ---------------------------------------------------------------- staff and locations


@router.post("/staff", status_code=201, responses=BODY)
def add_staff_member(
    body: StaffMemberCreate, scope: CoordinatorScope, session: SessionDep
) -> StaffMemberPublic:
    """Add a staff member (a health consultant who holds conversations)."""
    member = directory.add_staff_member(
        session=session, scope=scope, name=body.name, municipality=body.municipality
    )
    return StaffMemberPublic.of(member)


@router.get("/staff")
def list_staff(
    scope: CoordinatorScope, session: SessionDep, municipality: str | None = None
) -> list[StaffMemberPublic]:
    """List the staff members of the key's municipality (or a named one)."""
    place = directory.municipality_filter(session=session, scope=scope, ref=municipality)
    return [
        StaffMemberPublic.of(m)
        for m in directory.list_staff(session=session, municipality_id=place)
    ]


@router.post("/staff/{staff_member_id}/key", status_code=201)
def issue_staff_key(
    staff_member_id: PathId, scope: CoordinatorScope, session: SessionDep, services: ServicesDep
) -> StaffKeyPublic:
    """Give a staff member their own staff key (a previous one is revoked); shown once."""
    now = services.clock.now()
    member, key, plain = directory.issue_staff_key(
        session=session, scope=scope, staff_member_id=staff_member_id, now=now
    )
    assert member.id is not None and key.id is not None
    audit(
        session=session,
        scope=scope,
        action="staff.key",
        subject_type="staff_member",
        subject_id=member.id,
        now=now,
    )
    return StaffKeyPublic(staff_member_id=member.id, key_id=key.id, key=plain)


@router.post("/locations", status_code=201, responses=CONFLICT)
def add_location(
    body: LocationCreate, scope: CoordinatorScope, session: SessionDep
) -> LocationPublic:
    """Add a location: a workplace, union office, housing area or health centre."""
    location = directory.add_location(
        session=session,
        scope=scope,
        name=body.name,
        address=body.address,
        kind=body.kind,
        municipality=body.municipality,
    )
    return LocationPublic.of(location)


@router.get("/locations")
def list_locations(
    scope: StaffScope, session: SessionDep, municipality: str | None = None
) -> list[LocationPublic]:
    """List the locations of the key's municipality (or a named one)."""
    place = directory.municipality_filter(session=session, scope=scope, ref=municipality)
    return [
        LocationPublic.of(x)
        for x in directory.list_locations(session=session, municipality_id=place)
    ]


# ---------------------------------------------------------------- slots


@router.get("/slots")
def list_slots(
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
    from_day: FromDay = None,
    to_day: ToDay = None,
    location_id: QueryId = None,
    staff_member_id: QueryId = None,
    free: bool | None = None,
    limit: Limit = 200,
) -> list[SlotPublic]:
    """List slots from today (or `from`) on; a staff key sees only its own."""
    today = local(services.clock.now()).date()
    views = repository.slot_views(
        session=session,
        scope=scope,
        after=_day_start(from_day or today),
        before=_day_after(to_day),
        location_id=location_id,
        staff_member_id=staff_member_id,
        free=free,
        limit=limit,
    )
    return [SlotPublic.of(view) for view in views]


@router.post("/slots", status_code=201, responses=CONFLICT)
def add_slots(
    body: SlotsCreate, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> SlotsCreated:
    """Open one slot, or recurring availability (send `weekday`, `from`, `to`, `until`).

    A staff key opens slots only for its own staff member (403 for anyone else's).
    """
    now, window = services.clock.now(), services.window
    if body.recurring:
        assert body.weekday and body.from_ and body.to and body.until
        created = availability.add_recurring(
            session=session,
            scope=scope,
            weekday=availability.parse_weekday(body.weekday),
            day_start=body.from_,
            day_end=body.to,
            location_id=body.location_id,
            staff_member_id=body.staff_member_id,
            minutes=body.minutes,
            until=body.until,
            first_day=body.starting,
            now=now,
            window=window,
        )
        slots, skipped = created.slots, created.skipped_days
    else:
        assert body.starts_at is not None
        slot = availability.add_slot(
            session=session,
            scope=scope,
            location_id=body.location_id,
            staff_member_id=body.staff_member_id,
            starts_at=body.starts_at,
            minutes=body.minutes,
            now=now,
            window=window,
        )
        slots, skipped = [slot], []
    location = directory.get_location(session=session, scope=scope, location_id=body.location_id)
    staff = directory.get_staff_member(
        session=session, scope=scope, staff_member_id=body.staff_member_id
    )
    views = [repository.SlotView(slot, location, staff, None) for slot in slots]
    return SlotsCreated(created=[SlotPublic.of(v) for v in views], skipped_days=skipped)


# ---------------------------------------------------------------- bookings


@router.get("/bookings")
def list_bookings(
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
    status: Annotated[list[BookingStatus] | None, Query()] = None,
    from_day: FromDay = None,
    to_day: ToDay = None,
    limit: Limit = 200,
) -> list[BookingPublic]:
    """List bookings: a staff key those of its own slots, a coordinator the municipality's."""
    views = repository.booking_views(
        session=session,
        scope=scope,
        statuses=status or (),
        after=_day_start(from_day),
        before=_day_after(to_day),
        limit=limit,
    )
    now = services.clock.now()
    audit_bookings_shown(
        session=session,
        scope=scope,
        contact_ids=[view.contact.id for view in views],
        now=now,
        where="GET /api/v1/bookings",
    )
    return [BookingPublic.of(view) for view in views]


@router.post("/bookings/{booking_id}/cancel", responses=error_responses(409))
def cancel_booking(
    booking_id: PathId, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> BookingPublic:
    """Cancel a booking; the citizen is told and offered new times, the slot is free again."""
    now = services.clock.now()
    view = changes.cancel_by_staff(
        session=session, dialogue=services.dialogue, scope=scope, booking_id=booking_id, now=now
    )
    _shown(session, scope, [view], now=now, detail="POST /api/v1/bookings/{id}/cancel")
    return BookingPublic.of(view)


@router.post("/bookings/{booking_id}/move", responses=CONFLICT)
def move_booking(
    booking_id: PathId,
    body: MoveRequest,
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
) -> BookingPublic:
    """Move a booking to another free slot; 409 if someone holds it. Returns the new booking."""
    now = services.clock.now()
    view = changes.move_by_staff(
        session=session,
        dialogue=services.dialogue,
        scope=scope,
        booking_id=booking_id,
        slot_id=body.slot_id,
        now=now,
    )
    _shown(session, scope, [view], now=now, detail="POST /api/v1/bookings/{id}/move")
    return BookingPublic.of(view)


@router.post("/bookings/{booking_id}/outcome", status_code=201, responses=CONFLICT)
def record_outcome(
    booking_id: PathId,
    body: OutcomeCreate,
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
) -> OutcomePublic:
    """Record attendance and the outcome; a no-show is offered one new time."""
    now = services.clock.now()
    repository.booking_view(session=session, scope=scope, booking_id=booking_id, lock=True)
    record: MonitoringRecord | None = outcomes.record_outcome(
        session=session,
        dialogue=services.dialogue,
        booking_id=booking_id,
        outcome=body.outcome(),
        now=now,
        actor=scope.actor,
    )
    follow_up = follow_ups.for_booking(session=session, booking_id=booking_id)
    view = repository.booking_view(session=session, scope=scope, booking_id=booking_id)
    _shown(session, scope, [view], now=now, detail="POST /api/v1/bookings/{id}/outcome")
    return OutcomePublic(
        booking=BookingPublic.of(view),
        monitoring_record_id=record.id if record else None,
        follow_up_at=local(follow_up.due_at) if follow_up else None,
    )


# ---------------------------------------------------------------- offers


def _offers_municipality(session: SessionDep, scope: Scope, ref: str | None) -> int:
    place = directory.municipality_for(session=session, scope=scope, ref=ref)
    assert place.id is not None
    return place.id


@router.get("/offers")
def list_offers(
    scope: StaffScope, session: SessionDep, municipality: str | None = None
) -> list[OfferPublic]:
    """List the municipal offers outcomes may refer to (the defaults until some are added)."""
    place = _offers_municipality(session, scope, municipality)
    return [OfferPublic.of(o) for o in offers.list_offers(session=session, municipality_id=place)]


@router.post("/offers", status_code=201, responses=CONFLICT)
def add_offer(body: OfferCreate, scope: CoordinatorScope, session: SessionDep) -> OfferPublic:
    """Add an offer to the municipality's list."""
    place = _offers_municipality(session, scope, body.municipality)
    offer = offers.add_offer(session=session, municipality_id=place, code=body.code, name=body.name)
    return OfferPublic.of(offer)
