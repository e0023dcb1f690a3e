"""`recruitbot staff|locations|slots|offers|outcome`: the booking side from the command line.

Times are Danish local time in and out. The command line acts for every municipality.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from booking import availability, directory, follow_ups, offers, outcomes, repository
from booking.access import EVERYTHING
from booking.directory import LocationKind
from core.calendar import COPENHAGEN, local
from core.errors import AppError
from core.settings import get_settings
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work
from store.models import Municipality

staff_app = typer.Typer(help="Staff members who hold the health conversations.")
locations_app = typer.Typer(help="Where conversations are held: workplace, union office, …")
slots_app = typer.Typer(help="Slots for health conversations, one by one or recurring.")
offers_app = typer.Typer(help="The municipal offers citizens can be referred to.")
console = Console()

MunicipalityRef = Annotated[str, typer.Option(help="Municipality name or code, e.g. Roskilde.")]
LocationRef = Annotated[str, typer.Option("--location", help="Location id or name.")]
StaffRef = Annotated[str, typer.Option("--staff", help="Staff member id or name.")]
Minutes = Annotated[int, typer.Option(help="Length of each slot in minutes.")]
Day = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"])]


@contextmanager
def work() -> Iterator[tuple[Session, Runtime]]:
    """One unit of work; an expected refusal is printed, not raised."""
    runtime = build_runtime(get_settings())
    try:
        with unit_of_work(runtime.engine) as session:
            yield session, runtime
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error


def _when(moment: datetime, minutes: int) -> str:
    start = local(moment)
    end = (moment + timedelta(minutes=minutes)).astimezone(COPENHAGEN)
    return f"{start:%a %d.%m.%Y %H:%M}–{end:%H:%M}"


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"{text!r} is not a time like 09:00") from error


# ---------------------------------------------------------------- staff


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Option(help="The staff member's name.")],
    municipality: MunicipalityRef,
) -> None:
    """Add a staff member."""
    with work() as (session, _):
        member = directory.add_staff_member(
            session=session, scope=EVERYTHING, name=name, municipality=municipality
        )
        console.print(f"Staff member {member.id} added: {member.name}.")


@staff_app.command("list")
def staff_list(municipality: Annotated[str | None, typer.Option()] = None) -> None:
    """List staff members."""
    table = Table("id", "name", "municipality", "notified on", "key")
    with work() as (session, _):
        place = directory.municipality_filter(session=session, scope=EVERYTHING, ref=municipality)
        for member in directory.list_staff(session=session, municipality_id=place):
            table.add_row(
                str(member.id),
                member.name,
                session.get_one(Municipality, member.municipality_id).name,
                member.channel,
                "yes" if member.api_key_id else "",
            )
    console.print(table)


@staff_app.command("key")
def staff_key(staff: Annotated[str, typer.Argument(help="Staff member id or name.")]) -> None:
    """Issue a staff member's own API key (revoking the previous one); shown once."""
    with work() as (session, runtime):
        member = directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
        assert member.id is not None
        _, key, plain = directory.issue_staff_key(
            session=session, scope=EVERYTHING, staff_member_id=member.id, now=runtime.clock.now()
        )
    console.print(f"Staff key {key.id} for {member.name}. It is shown only this once:")
    typer.echo(plain)


# ---------------------------------------------------------------- locations


@locations_app.command("add")
def locations_add(
    name: Annotated[str, typer.Option(help="E.g. Sundhedscenter Roskilde.")],
    address: Annotated[str, typer.Option(help="Street, postcode and town.")],
    municipality: MunicipalityRef,
    kind: Annotated[LocationKind, typer.Option()] = LocationKind.HEALTH_CENTRE,
) -> None:
    """Add a location."""
    with work() as (session, _):
        location = directory.add_location(
            session=session,
            scope=EVERYTHING,
            name=name,
            address=address,
            kind=kind,
            municipality=municipality,
        )
        console.print(f"Location {location.id} added: {location.name}, {location.address}.")


@locations_app.command("list")
def locations_list(municipality: Annotated[str | None, typer.Option()] = None) -> None:
    """List locations."""
    table = Table("id", "name", "address", "kind", "municipality")
    with work() as (session, _):
        place = directory.municipality_filter(session=session, scope=EVERYTHING, ref=municipality)
        for location in directory.list_locations(session=session, municipality_id=place):
            table.add_row(
                str(location.id),
                location.name,
                location.address,
                location.kind,
                session.get_one(Municipality, location.municipality_id).name,
            )
    console.print(table)


# ---------------------------------------------------------------- slots


@slots_app.command("add")
def slots_add(
    at: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"], help="Local start time."),
    ],
    location: LocationRef,
    staff: StaffRef,
    minutes: Minutes = 45,
) -> None:
    """Open one slot, e.g. --at "2026-12-01 09:00"."""
    with work() as (session, runtime):
        place = directory.find_location(session=session, scope=EVERYTHING, ref=location)
        member = directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
        slot = availability.add_slot(
            session=session,
            scope=EVERYTHING,
            location_id=place.id or 0,
            staff_member_id=member.id or 0,
            starts_at=at,
            minutes=minutes,
            now=runtime.clock.now(),
            window=runtime.window,
        )
        console.print(f"Slot {slot.id} opened: {_when(slot.starts_at, minutes)}, {place.name}.")


@slots_app.command("recurring")
def slots_recurring(
    weekday: Annotated[str, typer.Option(help="mon, tue, wed, thu or fri.")],
    from_: Annotated[str, typer.Option("--from", help="Local start of the day, e.g. 09:00.")],
    to: Annotated[str, typer.Option(help="Local end of the day, e.g. 15:00.")],
    location: LocationRef,
    staff: StaffRef,
    until: Day,
    minutes: Minutes = 45,
    starting: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
) -> None:
    """Open back-to-back slots on one weekday until a date; holidays are skipped."""
    with work() as (session, runtime):
        place = directory.find_location(session=session, scope=EVERYTHING, ref=location)
        member = directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
        created = availability.add_recurring(
            session=session,
            scope=EVERYTHING,
            weekday=availability.parse_weekday(weekday),
            day_start=_clock(from_),
            day_end=_clock(to),
            location_id=place.id or 0,
            staff_member_id=member.id or 0,
            minutes=minutes,
            until=until.date(),
            first_day=starting.date() if starting else None,
            now=runtime.clock.now(),
            window=runtime.window,
        )
    slots = created.slots
    first, last = slots[0].starts_at, slots[-1].starts_at
    console.print(
        f"{len(slots)} slots opened at {place.name} with {member.name}, "
        f"{local(first):%d.%m.%Y} to {local(last):%d.%m.%Y}."
    )
    for day in created.skipped_days:
        console.print(f"  skipped {day:%d.%m.%Y}: a holiday")


@slots_app.command("list")
def slots_list(
    location: Annotated[str | None, typer.Option(help="Location id or name.")] = None,
    staff: Annotated[str | None, typer.Option(help="Staff member id or name.")] = None,
    from_day: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    to_day: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    free: Annotated[
        bool | None, typer.Option("--free/--booked", help="Only free or booked.")
    ] = None,
    limit: Annotated[int, typer.Option()] = 200,
) -> None:
    """List slots from today (or --from) on."""
    table = Table("id", "when", "location", "staff", "booking")
    with work() as (session, runtime):
        first = from_day.date() if from_day else local(runtime.clock.now()).date()
        views = repository.slot_views(
            session=session,
            scope=EVERYTHING,
            after=datetime.combine(first, time(0), COPENHAGEN),
            before=(
                datetime.combine(to_day.date(), time(0), COPENHAGEN) + timedelta(days=1)
                if to_day
                else None
            ),
            location_id=_location_id(session, location),
            staff_member_id=_staff_id(session, staff),
            free=free,
            limit=limit,
        )
        for view in views:
            booking = view.booking
            table.add_row(
                str(view.slot.id),
                _when(view.slot.starts_at, view.slot.duration_min),
                view.location.name,
                view.staff.name,
                f"{booking.id} ({booking.status})" if booking else "free",
            )
    console.print(table)


def _location_id(session: Session, ref: str | None) -> int | None:
    if ref is None:
        return None
    return directory.find_location(session=session, scope=EVERYTHING, ref=ref).id


def _staff_id(session: Session, ref: str | None) -> int | None:
    if ref is None:
        return None
    return directory.find_staff_member(session=session, scope=EVERYTHING, ref=ref).id


# ---------------------------------------------------------------- offers


@offers_app.command("list")
def offers_list(municipality: MunicipalityRef) -> None:
    """List a municipality's offers (the defaults until it adds its own)."""
    table = Table("code", "name")
    with work() as (session, _):
        place = directory.municipality_for(session=session, scope=EVERYTHING, ref=municipality)
        for offer in offers.list_offers(session=session, municipality_id=place.id or 0):
            table.add_row(offer.code, offer.name)
    console.print(table)


@offers_app.command("add")
def offers_add(
    municipality: MunicipalityRef,
    code: Annotated[str, typer.Option(help="Short code: a-z, 0-9 and _, e.g. svoemmehold.")],
    name: Annotated[str, typer.Option(help="The name staff see, e.g. Svømmehold.")],
) -> None:
    """Add an offer to a municipality's list."""
    with work() as (session, _):
        place = directory.municipality_for(session=session, scope=EVERYTHING, ref=municipality)
        offer = offers.add_offer(
            session=session, municipality_id=place.id or 0, code=code, name=name
        )
        console.print(f"Offer {offer.code} ({offer.name}) added to {place.name}.")


# ---------------------------------------------------------------- outcome


# The outcome's options, for `outcome` and `outcome-correct` alike.
AttendedOpt = Annotated[bool, typer.Option("--attended/--no-show", help="Did the citizen come?")]
ReferralOpt = Annotated[list[str] | None, typer.Option(help="Municipal offer code; repeat.")]
NonMunicipalOpt = Annotated[
    list[str] | None, typer.Option(help="A non-municipal offer, in words; repeat.")
]
WaitingOpt = Annotated[int | None, typer.Option(help="Waiting time for the offer.")]
GpOpt = Annotated[bool, typer.Option(help="Advised to see the GP.")]
FurtherOpt = Annotated[bool, typer.Option(help="A further course was agreed.")]
FollowUpOpt = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Default: three weeks after.")
]


def outcome_of(
    *,
    attended: bool,
    referral: list[str] | None,
    non_municipal: list[str] | None,
    waiting_days: int | None,
    gp_advice: bool,
    further_course: bool,
    follow_up_date: datetime | None,
) -> outcomes.Outcome:
    """The outcome as the command's options give it (`outcome` and `outcome-correct`)."""
    return outcomes.Outcome(
        attended=attended,
        referrals_municipal=tuple(referral or ()),
        referrals_non_municipal=tuple(non_municipal or ()),
        waiting_days=waiting_days,
        gp_advice=gp_advice,
        further_course=further_course,
        follow_up_date=follow_up_date.date() if follow_up_date else None,
    )


def outcome(
    booking_id: Annotated[int, typer.Argument(help="The booking's id.")],
    attended: AttendedOpt,
    referral: ReferralOpt = None,
    non_municipal: NonMunicipalOpt = None,
    waiting_days: WaitingOpt = None,
    gp_advice: GpOpt = False,
    further_course: FurtherOpt = False,
    follow_up_date: FollowUpOpt = None,
) -> None:
    """Record whether the citizen came to the conversation, and its outcome."""
    recorded = outcome_of(
        attended=attended,
        referral=referral,
        non_municipal=non_municipal,
        waiting_days=waiting_days,
        gp_advice=gp_advice,
        further_course=further_course,
        follow_up_date=follow_up_date,
    )
    with work() as (session, runtime):
        outcomes.record_outcome(
            session=session,
            dialogue=runtime.dialogue,
            booking_id=booking_id,
            outcome=recorded,
            now=runtime.clock.now(),
        )
        follow_up = follow_ups.for_booking(session=session, booking_id=booking_id)
    if not attended:
        console.print(
            f"No-show recorded for booking {booking_id}; the citizen is offered a new time."
        )
        return
    console.print(f"Outcome recorded for booking {booking_id}.")
    if follow_up is not None:
        console.print(f"Follow-up message {local(follow_up.due_at):%d.%m.%Y %H:%M}.")
