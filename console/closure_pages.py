"""Absences in the console: close a period for a staff member or a location, and see whom it hit.

Closing calls `booking.absences.close_period`, as the API does: every booking in the period is
cancelled, each citizen told and offered new times, and the page lists the citizens affected.
A staff key closes and lifts its own time; a coordinator anyone's in the municipality, or a
location's. Lifting (`lift_closure`) makes the time bookable again and the waitlist is offered
it; the cancelled bookings are not restored. A coordinator can also remove a location here
(`remove_location`, as `DELETE /api/v1/locations/{id}`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Request, Response
from sqlmodel import Session

from api.deps import Services, ServicesDep
from api.schemas import DB_INT_MAX
from booking import absences, directory
from booking.access import Scope
from booking.closures import closures_of
from console.auth import CoordinatorUser, DbDep, FormDep, StaffScopeDep, StaffUser
from console.routing import console_router
from console.templating import page
from core.errors import AppError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from store.audit import record_reads
from store.models import Location, StaffMember

router = console_router()
PathId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


def _choices(session: Session, scope: Scope) -> tuple[list[StaffMember], list[Location]]:
    """Return whose time and which places the key may close."""
    staff = list(directory.list_staff(session=session, municipality_id=scope.municipality_id))
    if scope.staff_member_id is not None:
        return [m for m in staff if m.id == scope.staff_member_id], []
    places = directory.list_locations(session=session, municipality_id=scope.municipality_id)
    return staff, [p for p in places if p.retired_at is None]


def _page(
    request: Request,
    *,
    session: Session,
    scope: Scope,
    services: Services,
    values: dict[str, str] | None = None,
    error: str = "",
    refused: str = "",
    closed: absences.ClosedPeriod | None = None,
    lifted: absences.LiftedClosure | None = None,
    removed: str = "",
) -> Response:
    staff, places = _choices(session, scope)
    found = closures_of(
        session=session, municipality_id=scope.municipality_id, after=services.clock.now()
    )
    names = {m.id: m.name for m in directory.list_staff(session=session, municipality_id=None)}
    every_place = directory.list_locations(session=session, municipality_id=None)
    places_by_id = {p.id: p.name for p in every_place}
    retired = {p.id for p in every_place if p.retired_at is not None}
    liftable = {
        closure.id
        for closure in found
        if closure.location_id not in retired
        and (scope.staff_member_id is None or closure.staff_member_id == scope.staff_member_id)
    }
    return page(
        request,
        "closures.html",
        status_code=422 if error or refused else 200,
        active="closures",
        staff=staff,
        places=places,
        closures=found,
        names=names,
        place_names=places_by_id,
        retired=retired,
        liftable=liftable,
        values=values or {},
        error=error,
        refused=refused,
        closed=closed,
        lifted=lifted,
        removed=removed,
    )


@router.get("/closures")
def closures_page(
    request: Request,
    user: StaffUser,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Show the closed periods ahead and the form to close one."""
    return _page(request, session=session, scope=scope, services=services)


def _moment(text: str, services: Services) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidInputError("Skriv tidspunkterne som dato og klokkeslæt.") from error
    return moment.replace(tzinfo=services.window.tz) if moment.tzinfo is None else moment


@router.post("/closures")
def close_period(
    request: Request,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Close a period; show the citizens whose bookings were cancelled."""
    values = {k: str(form.get(k) or "").strip() for k in ("who", "starts_at", "ends_at", "reason")}
    kind, _, raw_id = values["who"].partition(":")
    now = services.clock.now()
    try:
        if kind not in ("staff", "location") or not raw_id.isdecimal() or len(raw_id) > 9:
            raise InvalidInputError("Vælg en medarbejder eller et sted.")
        with session.begin_nested():
            closed = absences.close_period(
                session=session,
                dialogue=services.dialogue,
                scope=scope,
                staff_member_id=int(raw_id) if kind == "staff" else None,
                location_id=int(raw_id) if kind == "location" else None,
                starts_at=_moment(values["starts_at"], services),
                ends_at=_moment(values["ends_at"], services),
                reason=values["reason"],
                now=now,
            )
    except (InvalidInputError, ForbiddenError, NotFoundError) as refused:
        message = refused.message
        if message.startswith("the period must end"):
            message = "Perioden skal slutte, efter den begynder."
        elif message.startswith("the period has passed"):
            message = "Perioden er allerede forbi."
        return _page(
            request, session=session, scope=scope, services=services, values=values, error=message
        )
    record_reads(
        session=session,
        actor=scope.actor,
        contact_ids=[view.contact.id for view in closed.cancelled],
        now=now,
        detail="console closure",
    )
    return _page(request, session=session, scope=scope, services=services, closed=closed)


@router.post("/closures/{closure_id}/lift")
def lift_closure(
    closure_id: PathId,
    request: Request,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Lift a closed period: its time is bookable again and the waitlist is offered it."""
    try:
        with session.begin_nested():
            lifted = absences.lift_closure(
                session=session, scope=scope, closure_id=closure_id, now=services.clock.now()
            )
    except (ConflictError, ForbiddenError, NotFoundError) as error:
        refused = _LIFT_REFUSED.get(type(error), error.message)
        return _page(request, session=session, scope=scope, services=services, refused=refused)
    return _page(request, session=session, scope=scope, services=services, lifted=lifted)


@router.post("/locations/{location_id}/remove")
def remove_location(
    location_id: PathId,
    request: Request,
    user: CoordinatorUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Remove a location: its bookings ahead are cancelled, the citizens offered new times."""
    if form.get("confirm") != "yes":
        return _page(
            request,
            session=session,
            scope=scope,
            services=services,
            refused="Sæt kryds for at bekræfte, at stedet skal fjernes.",
        )
    now = services.clock.now()
    try:
        with session.begin_nested():
            closed = absences.remove_location(
                session=session,
                dialogue=services.dialogue,
                scope=scope,
                location_id=location_id,
                now=now,
            )
    except (InvalidInputError, ForbiddenError, NotFoundError) as error:
        refused = (
            "Stedet er allerede fjernet."
            if isinstance(error, InvalidInputError)
            else "Du kan ikke fjerne dette sted."
        )
        return _page(request, session=session, scope=scope, services=services, refused=refused)
    record_reads(
        session=session,
        actor=scope.actor,
        contact_ids=[view.contact.id for view in closed.cancelled],
        now=now,
        detail="console location removed",
    )
    name = session.get_one(Location, location_id).name
    return _page(
        request, session=session, scope=scope, services=services, closed=closed, removed=name
    )


_LIFT_REFUSED: dict[type[AppError], str] = {
    ConflictError: "Lukningen kan ikke ophæves: den er slut, eller stedet er fjernet.",
    ForbiddenError: "Du kan kun ophæve lukninger af din egen tid.",
    NotFoundError: "Lukningen findes ikke.",
}
