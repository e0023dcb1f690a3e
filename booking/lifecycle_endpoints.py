"""The booking's lifecycle in the API: outcome corrections, closed periods, removed locations,
and staff calendar feeds (the feed itself is public behind its secret token)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import ServicesDep, SessionDep
from api.routing import secured_router
from api.schemas import DB_INT_MAX, error_responses
from booking import absences, calendar_feed, corrections, follow_ups, repository
from booking.access import Scope, audit
from booking.availability import read_local as local_input
from booking.closures import closures_of
from booking.endpoints import CoordinatorScope, StaffScope
from booking.lifecycle_schemas import (
    CalendarFeedPublic,
    ClosedPeriodPublic,
    ClosureCreate,
    ClosureLiftedPublic,
    ClosurePublic,
    OutcomeCorrection,
)
from booking.repository import BookingView
from booking.schemas import BookingPublic, OutcomePublic
from core.calendar import local
from core.errors import NotFoundError
from store.audit import record_reads

router = secured_router(prefix="", tags=["booking"])
feeds = APIRouter(tags=["calendar"])
CONFLICT = error_responses(400, 409)
PathId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


def _shown(
    session: Session, scope: Scope, views: Sequence[BookingView], *, now: datetime, detail: str
) -> None:
    """Log that the citizens of these bookings (name, phone) were shown to the caller."""
    contact_ids = [view.contact.id for view in views]
    record_reads(
        session=session, actor=scope.actor, contact_ids=contact_ids, now=now, detail=detail
    )


@router.post("/bookings/{booking_id}/outcome/correction", responses=CONFLICT)
def correct_outcome(
    booking_id: PathId,
    body: OutcomeCorrection,
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
) -> OutcomePublic:
    """Correct a recorded outcome within 30 days of the conversation, with a reason.

    The monitoring record and the follow-up follow; the audit log keeps who, what and why.
    """
    now = services.clock.now()
    repository.booking_view(session=session, scope=scope, booking_id=booking_id, lock=True)
    record = corrections.correct_outcome(
        session=session,
        window=services.window,
        booking_id=booking_id,
        outcome=body.outcome(),
        reason=body.reason,
        now=now,
        actor=scope.actor,
    )
    follow_up = follow_ups.for_booking(session=session, booking_id=booking_id)
    view = repository.booking_view(session=session, scope=scope, booking_id=booking_id)
    _shown(session, scope, [view], now=now, detail="POST /api/v1/bookings/{id}/outcome/correction")
    scheduled = follow_up is not None and follow_up.status == "scheduled"
    return OutcomePublic(
        booking=BookingPublic.of(view),
        monitoring_record_id=record.id if record else None,
        follow_up_at=local(follow_up.due_at) if follow_up and scheduled else None,
    )


@router.post("/closures", status_code=201, responses=CONFLICT)
def close_period(
    body: ClosureCreate, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> ClosedPeriodPublic:
    """Close a period for a staff member or a location; its bookings are cancelled.

    Each citizen is told and offered new times outside the closed period; the answer lists
    the cancelled bookings, so staff can see (and call) the citizens affected.
    """
    now, window = services.clock.now(), services.window
    closed = absences.close_period(
        session=session,
        dialogue=services.dialogue,
        scope=scope,
        staff_member_id=body.staff_member_id,
        location_id=body.location_id,
        starts_at=local_input(body.starts_at, window),
        ends_at=local_input(body.ends_at, window),
        reason=body.reason,
        now=now,
    )
    _shown(session, scope, closed.cancelled, now=now, detail="POST /api/v1/closures")
    return ClosedPeriodPublic(
        closure=ClosurePublic.of(closed.closure),
        cancelled=[BookingPublic.of(view) for view in closed.cancelled],
    )


@router.get("/closures")
def list_closures(
    scope: StaffScope, session: SessionDep, services: ServicesDep
) -> list[ClosurePublic]:
    """List the closed periods that have not ended, first first."""
    found = closures_of(
        session=session, municipality_id=scope.municipality_id, after=services.clock.now()
    )
    return [ClosurePublic.of(closure) for closure in found]


@router.delete("/closures/{closure_id}", responses=error_responses(403, 404, 409))
def lift_closure(
    closure_id: PathId, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> ClosureLiftedPublic:
    """Lift a closed period: its time is bookable again, and the waitlist is offered it.

    A period under way ends now; one ahead is deleted. The bookings it cancelled are not
    restored. A staff key lifts only its own closures; a removed location's stays.
    """
    lifted = absences.lift_closure(
        session=session, scope=scope, closure_id=closure_id, now=services.clock.now()
    )
    return ClosureLiftedPublic(
        closure=ClosurePublic.of(lifted.closure), reopened_slots=lifted.reopened
    )


@router.delete("/locations/{location_id}", responses=CONFLICT)
def remove_location(
    location_id: PathId, scope: CoordinatorScope, session: SessionDep, services: ServicesDep
) -> ClosedPeriodPublic:
    """Remove a location: no new slots; bookings ahead are cancelled and the citizens offered
    new times elsewhere; its history stays for the reports."""
    now = services.clock.now()
    closed = absences.remove_location(
        session=session,
        dialogue=services.dialogue,
        scope=scope,
        location_id=location_id,
        now=now,
    )
    _shown(session, scope, closed.cancelled, now=now, detail="DELETE /api/v1/locations/{id}")
    return ClosedPeriodPublic(
        closure=ClosurePublic.of(closed.closure),
        cancelled=[BookingPublic.of(view) for view in closed.cancelled],
    )


@router.post("/staff/{staff_member_id}/calendar-feeds", status_code=201)
def create_calendar_feed(
    staff_member_id: PathId,
    request: Request,
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
) -> CalendarFeedPublic:
    """Give a staff member a secret calendar URL (shown once) to subscribe to."""
    now = services.clock.now()
    feed, plain = calendar_feed.create_feed(
        session=session, scope=scope, staff_member_id=staff_member_id, now=now
    )
    audit(
        session=session,
        scope=scope,
        action="calendar_feed.create",
        subject_type="calendar_feed",
        subject_id=feed.id,
        now=now,
    )
    url = str(request.url_for("calendar_feed", token=plain))
    return CalendarFeedPublic.of(feed, url=url)


@router.get("/staff/{staff_member_id}/calendar-feeds")
def list_calendar_feeds(
    staff_member_id: PathId, scope: StaffScope, session: SessionDep
) -> list[CalendarFeedPublic]:
    """List a staff member's calendar feeds (never their URLs)."""
    found = calendar_feed.list_feeds(session=session, scope=scope, staff_member_id=staff_member_id)
    return [CalendarFeedPublic.of(feed) for feed in found]


@router.post("/calendar-feeds/{feed_id}/revoke")
def revoke_calendar_feed(
    feed_id: PathId, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> CalendarFeedPublic:
    """Revoke a calendar feed: its URL stops working at once."""
    now = services.clock.now()
    feed = calendar_feed.revoke_feed(session=session, scope=scope, feed_id=feed_id, now=now)
    audit(
        session=session,
        scope=scope,
        action="calendar_feed.revoke",
        subject_type="calendar_feed",
        subject_id=feed.id,
        now=now,
    )
    return CalendarFeedPublic.of(feed)


@feeds.get(
    "/calendar/{token}.ics",
    name="calendar_feed",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "No such feed."}},
)
def calendar(
    token: Annotated[str, Path(max_length=100)], session: SessionDep, services: ServicesDep
) -> Response:
    """The staff member's bookings as iCalendar; the token in the URL is the only key."""
    now = services.clock.now()
    staff = calendar_feed.staff_of(session=session, token=token)
    if staff is None:
        raise NotFoundError("no such calendar feed")
    body, contact_ids = calendar_feed.render(session=session, staff=staff, now=now)
    scope = calendar_feed.feed_scope(staff)
    audit(
        session=session,
        scope=scope,
        action="calendar_feed.read",
        subject_type="staff_member",
        subject_id=staff.id,
        now=now,
    )
    # First names are personal data: each citizen's access log shows the feed read them.
    record_reads(
        session=session, actor=scope.actor, contact_ids=contact_ids, now=now, detail="calendar feed"
    )
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
