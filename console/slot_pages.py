"""Opening slots in the console: one time, or recurring availability on chosen weekdays.

Both call `booking.availability`, as POST /api/v1/slots and `recruitbot slots add|recurring`
do: working days only (holidays skipped), no overlap with the staff member's other slots, at
most 400 days ahead. A staff key opens slots only for itself; a coordinator for any staff
member and location of the municipality. The service's refusals are said in Danish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from fastapi import Request, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from api.deps import Services, ServicesDep
from booking import availability, directory
from booking.access import Scope
from console.auth import DbDep, FormDep, StaffScopeDep, StaffUser
from console.routing import console_router
from console.templating import page
from core.calendar import local
from core.errors import AppError, InvalidInputError
from store.models import Location, Slot, StaffMember

router = console_router()
MINUTES = (30, 35, 40, 45)  # a health conversation lasts 30-45 minutes (docs/booking.md)
WEEKDAYS = ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag")
_OVERLAP = re.compile(r"overlapping (?P<times>.+?); nothing was opened")


class SlotFormError(InvalidInputError):
    """What the form got wrong, in Danish, before the service is asked."""


@dataclass(frozen=True)
class Opened:
    """What a form opened, for the notice on the page."""

    count: int
    first: datetime
    last: datetime
    skipped: list[date]


def danish(error: AppError) -> str:
    """Say a refusal of `booking.availability` in Danish; an unknown one as it came."""
    text = error.message
    overlap = _OVERLAP.search(text)
    if overlap:
        times = overlap["times"]
        return f"Medarbejderen har allerede en tid, der overlapper {times}. Intet er oprettet."
    known = (
        ("is not a working day", "Dagen er ikke en hverdag (weekend eller helligdag)."),
        ("has passed", "Tidspunktet er allerede gået."),
        ("days ahead", f"Tider kan oprettes højst {availability.MAX_DAYS_AHEAD} dage frem."),
        ("must end after it starts", "Til-klokkeslættet skal ligge efter fra-klokkeslættet."),
        ("is before the first day", "Sidste dag ligger før første dag."),
        ("no slot fits", "Ingen tid passer: ingen hverdag på de valgte ugedage i perioden, "
         "eller for kort tid mellem fra og til."),
        ("more than", f"Det er over {availability.MAX_SLOTS} tider på én gang: del perioden op."),
        ("has been removed", "Stedet er nedlagt og tager ikke nye tider."),
        ("different municipalities", "Medarbejderen og stedet hører til forskellige kommuner."),
        ("exists already", "Tiden findes allerede. Intet er oprettet."),
        ("only for its own staff member", "Du kan kun oprette tider for dig selv."),
        ("no staff member", "Medarbejderen findes ikke."),
        ("no location", "Stedet findes ikke."),
    )  # fmt: skip
    return next((said for needle, said in known if needle in text), text)


def _choices(session: Session, scope: Scope) -> tuple[list[StaffMember], list[Location]]:
    """Return whose slots the key may open, and where."""
    staff = list(directory.list_staff(session=session, municipality_id=scope.municipality_id))
    if scope.staff_member_id is not None:
        staff = [member for member in staff if member.id == scope.staff_member_id]
    places = directory.list_locations(session=session, municipality_id=scope.municipality_id)
    return staff, [place for place in places if place.retired_at is None]


def _page(
    request: Request,
    *,
    session: Session,
    scope: Scope,
    services: Services,
    values: dict[str, Any] | None = None,
    error: str = "",
    which: str = "",
    opened: Opened | None = None,
) -> Response:
    staff, places = _choices(session, scope)
    return page(
        request,
        "slot_form.html",
        status_code=422 if error else 200,
        active="slots",
        staff=staff,
        places=places,
        minutes=MINUTES,
        weekdays=WEEKDAYS,
        values=values or {"minutes": "45", "first_day": local(services.clock.now()).date()},
        error=error,
        which=which,
        opened=opened,
    )


@router.get("/slots/new")
def new_slots(
    request: Request,
    user: StaffUser,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Show the forms for one slot and for recurring availability."""
    return _page(request, session=session, scope=scope, services=services)


def _id(form: FormData, name: str, what: str) -> int:
    raw = str(form.get(name) or "")
    if not raw.isdecimal() or len(raw) > 9:
        raise SlotFormError(f"Vælg {what}.")
    return int(raw)


def _minutes(form: FormData) -> int:
    raw = str(form.get("minutes") or "")
    if not raw.isdecimal() or int(raw) not in MINUTES:
        raise SlotFormError("Vælg en varighed på 30 til 45 minutter.")
    return int(raw)


def _date(form: FormData, name: str, what: str) -> date:
    try:
        return date.fromisoformat(str(form.get(name) or ""))
    except ValueError as error:
        raise SlotFormError(f"Skriv {what} som en dato.") from error


def _clock(form: FormData, name: str, what: str) -> time:
    try:
        return time.fromisoformat(str(form.get(name) or ""))
    except ValueError as error:
        raise SlotFormError(f"Skriv {what} som et klokkeslæt, fx 09:00.") from error


def _values(form: FormData) -> dict[str, Any]:
    shown: dict[str, Any] = {
        name: str(form.get(name) or "").strip()
        for name in ("day", "at", "first_day", "until", "from", "to", "minutes", "staff", "place")
    }
    shown["weekdays"] = [str(day) for day in form.getlist("weekday")]
    return shown


def _opened(slots: list[Slot], skipped: list[date]) -> Opened:
    starts = sorted(local(slot.starts_at) for slot in slots)
    return Opened(count=len(slots), first=starts[0], last=starts[-1], skipped=sorted(skipped))


@router.post("/slots/new")
def add_slot(
    request: Request,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Open one slot; a refusal shows the form again with what was typed."""
    values = _values(form)
    try:
        day = _date(form, "day", "dagen")
        at = _clock(form, "at", "tidspunktet")
        with session.begin_nested():
            slot = availability.add_slot(
                session=session,
                scope=scope,
                location_id=_id(form, "place", "et sted"),
                staff_member_id=_id(form, "staff", "en medarbejder"),
                starts_at=datetime.combine(day, at),
                minutes=_minutes(form),
                now=services.clock.now(),
                window=services.window,
            )
    except AppError as refused:
        return _page(
            request, session=session, scope=scope, services=services, values=values,
            error=danish(refused), which="one",
        )  # fmt: skip
    return _page(
        request, session=session, scope=scope, services=services, opened=_opened([slot], [])
    )


@router.post("/slots/recurring")
def add_recurring(
    request: Request,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Open back-to-back slots on the chosen weekdays of a period; holidays are skipped."""
    values = _values(form)
    try:
        weekdays = sorted({int(d) for d in values["weekdays"] if d in {"0", "1", "2", "3", "4"}})
        if not weekdays:
            raise SlotFormError("Vælg mindst én ugedag.")
        slots, skipped = _open_weekdays(
            session=session,
            scope=scope,
            services=services,
            weekdays=weekdays,
            location_id=_id(form, "place", "et sted"),
            staff_member_id=_id(form, "staff", "en medarbejder"),
            day_start=_clock(form, "from", "fra-klokkeslættet"),
            day_end=_clock(form, "to", "til-klokkeslættet"),
            minutes=_minutes(form),
            first_day=_date(form, "first_day", "første dag"),
            until=_date(form, "until", "sidste dag"),
        )
    except AppError as refused:
        return _page(
            request, session=session, scope=scope, services=services, values=values,
            error=danish(refused), which="recurring",
        )  # fmt: skip
    return _page(
        request, session=session, scope=scope, services=services, opened=_opened(slots, skipped)
    )


def _open_weekdays(
    *,
    session: Session,
    scope: Scope,
    services: Services,
    weekdays: list[int],
    first_day: date,
    until: date,
    **slot: Any,
) -> tuple[list[Slot], list[date]]:
    """Open the slots of each weekday, all or none; a weekday with no slot in it is passed."""
    slots: list[Slot] = []
    skipped: list[date] = []
    with session.begin_nested():
        for weekday in weekdays:
            try:
                created = availability.add_recurring(
                    session=session,
                    scope=scope,
                    weekday=weekday,
                    first_day=first_day,
                    until=until,
                    now=services.clock.now(),
                    window=services.window,
                    **slot,
                )
            except InvalidInputError as refused:
                if refused.message.startswith("no slot fits") and len(weekdays) > 1:
                    continue
                raise
            slots.extend(created.slots)
            skipped.extend(created.skipped_days)
        if not slots:
            raise InvalidInputError("no slot fits")
    return slots, skipped
