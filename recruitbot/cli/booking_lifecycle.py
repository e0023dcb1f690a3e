"""`recruitbot outcome-correct|closures|calendar|locations remove`: the booking's lifecycle.

`closures add|list|lift`: close a period, list those ahead, lift one.

Times are Danish local time in and out. The command line acts for every municipality.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from booking import absences, calendar_feed, corrections, directory
from booking.absences import ClosedPeriod
from booking.access import EVERYTHING
from booking.availability import read_local
from booking.closures import closures_of
from core.calendar import local
from core.settings import get_settings
from recruitbot.cli.booking import (
    AttendedOpt,
    FollowUpOpt,
    FurtherOpt,
    GpOpt,
    NonMunicipalOpt,
    ReferralOpt,
    WaitingOpt,
    console,
    locations_app,
    outcome_of,
    work,
)
from store.audit import CLI_ACTOR
from store.models import Location, StaffMember

closures_app = typer.Typer(help="Closed periods: a staff member away, a location shut.")
calendar_app = typer.Typer(help="Staff members' calendar feeds (iCalendar URLs).")
LocalTime = Annotated[datetime, typer.Option(formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"])]


def outcome_correct(
    booking_id: Annotated[int, typer.Argument(help="The booking's id.")],
    attended: AttendedOpt,
    reason: Annotated[str, typer.Option(help="Why it is corrected (no personal data).")],
    referral: ReferralOpt = None,
    non_municipal: NonMunicipalOpt = None,
    waiting_days: WaitingOpt = None,
    gp_advice: GpOpt = False,
    further_course: FurtherOpt = False,
    follow_up_date: FollowUpOpt = None,
) -> None:
    """Correct a recorded outcome (within 30 days of the conversation); the whole outcome anew."""
    corrected = outcome_of(
        attended=attended,
        referral=referral,
        non_municipal=non_municipal,
        waiting_days=waiting_days,
        gp_advice=gp_advice,
        further_course=further_course,
        follow_up_date=follow_up_date,
    )
    with work() as (session, runtime):
        corrections.correct_outcome(
            session=session,
            window=runtime.window,
            booking_id=booking_id,
            outcome=corrected,
            reason=reason,
            now=runtime.clock.now(),
            actor=CLI_ACTOR,
        )
    what = "attended" if attended else "a no-show"
    console.print(f"Booking {booking_id} corrected: {what}. The change is in the audit log.")


@closures_app.command("add")
def closures_add(
    from_: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"])
    ],
    to: LocalTime,
    staff: Annotated[str | None, typer.Option(help="Staff member id or name.")] = None,
    location: Annotated[str | None, typer.Option(help="Location id or name.")] = None,
    reason: Annotated[str, typer.Option(help="E.g. sygdom, ferie (no personal data).")] = "",
) -> None:
    """Close a period; its bookings are cancelled and each citizen offered new times."""
    with work() as (session, runtime):
        member = (
            directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
            if staff
            else None
        )
        place = (
            directory.find_location(session=session, scope=EVERYTHING, ref=location)
            if location
            else None
        )
        closed = absences.close_period(
            session=session,
            dialogue=runtime.dialogue,
            scope=EVERYTHING,
            staff_member_id=member.id if member else None,
            location_id=place.id if place else None,
            starts_at=read_local(from_, runtime.window),
            ends_at=read_local(to, runtime.window),
            reason=reason,
            now=runtime.clock.now(),
        )
        _print_closed(closed)


@closures_app.command("list")
def closures_list() -> None:
    """List the closed periods that have not ended."""
    table = Table("id", "who / where", "from", "to", "reason")
    with work() as (session, runtime):
        for closure in closures_of(
            session=session, municipality_id=None, after=runtime.clock.now()
        ):
            who = (
                session.get_one(StaffMember, closure.staff_member_id).name
                if closure.staff_member_id
                else session.get_one(Location, closure.location_id).name
            )
            end = f"{local(closure.ends_at):%d.%m.%Y %H:%M}" if closure.ends_at else "–"
            table.add_row(
                str(closure.id),
                who,
                f"{local(closure.starts_at):%d.%m.%Y %H:%M}",
                end,
                closure.reason,
            )
    console.print(table)


@closures_app.command("lift")
def closures_lift(closure_id: Annotated[int, typer.Argument(help="The closure's id.")]) -> None:
    """Lift a closed period: its time is bookable again and the waitlist is offered it."""
    with work() as (session, runtime):
        lifted = absences.lift_closure(
            session=session, scope=EVERYTHING, closure_id=closure_id, now=runtime.clock.now()
        )
    console.print(
        f"Closure {closure_id} lifted: {lifted.reopened} slots are bookable again, and the "
        "waitlist is offered them. Bookings it cancelled are not restored: those citizens "
        "were offered new times when it was closed."
    )


@locations_app.command("remove")
def locations_remove(
    location: Annotated[str, typer.Argument(help="Location id or name.")],
) -> None:
    """Remove a location: bookings ahead are cancelled and the citizens offered new times."""
    with work() as (session, runtime):
        place = directory.find_location(session=session, scope=EVERYTHING, ref=location)
        assert place.id is not None
        closed = absences.remove_location(
            session=session,
            dialogue=runtime.dialogue,
            scope=EVERYTHING,
            location_id=place.id,
            now=runtime.clock.now(),
        )
        console.print(f"Location {place.id} ({place.name}) removed; its history is kept.")
        _print_closed(closed)


@calendar_app.command("create")
def calendar_create(staff: Annotated[str, typer.Argument(help="Staff member id or name.")]) -> None:
    """Give a staff member a secret calendar URL to subscribe to; shown once."""
    with work() as (session, runtime):
        member = directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
        assert member.id is not None
        feed, plain = calendar_feed.create_feed(
            session=session, scope=EVERYTHING, staff_member_id=member.id, now=runtime.clock.now()
        )
    base = get_settings().public_base_url or "http://127.0.0.1:8000"
    console.print(f"Calendar feed {feed.id} for {member.name}. The URL is shown only this once:")
    typer.echo(f"{base}/calendar/{plain}.ics")


@calendar_app.command("list")
def calendar_list(staff: Annotated[str, typer.Argument(help="Staff member id or name.")]) -> None:
    """List a staff member's calendar feeds."""
    table = Table("id", "prefix", "created", "revoked")
    with work() as (session, _):
        member = directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
        assert member.id is not None
        for feed in calendar_feed.list_feeds(
            session=session, scope=EVERYTHING, staff_member_id=member.id
        ):
            revoked = local(feed.revoked_at) if feed.revoked_at else None
            table.add_row(
                str(feed.id),
                feed.prefix,
                f"{local(feed.created_at):%d.%m.%Y %H:%M}",
                f"{revoked:%d.%m.%Y %H:%M}" if revoked else "",
            )
    console.print(table)


@calendar_app.command("revoke")
def calendar_revoke(feed_id: Annotated[int, typer.Argument(help="The feed's id.")]) -> None:
    """Revoke a calendar feed: its URL stops working at once."""
    with work() as (session, runtime):
        calendar_feed.revoke_feed(
            session=session, scope=EVERYTHING, feed_id=feed_id, now=runtime.clock.now()
        )
    console.print(f"Calendar feed {feed_id} revoked.")


def _print_closed(closed: ClosedPeriod) -> None:
    console.print(
        f"Closure {closed.closure.id}: {len(closed.cancelled)} bookings cancelled; "
        "each citizen was told and offered new times."
    )
    if not closed.cancelled:
        return
    table = Table("booking", "time", "place", "citizen", "phone")
    for view in closed.cancelled:
        table.add_row(
            str(view.booking.id),
            f"{local(view.slot.starts_at):%d.%m.%Y %H:%M}",
            view.location.name,
            view.contact.name or view.contact.public_id,
            view.contact.phone,
        )
    console.print(table)
