"""Slots and bookings for coordinators and staff: the week's calendar and the bookings list.

A staff key sees the slots and bookings of its own staff member, a coordinator those of the
municipality (`booking.access.scope_for`, as the booking API); reading the list is audited.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query, Request, Response

from api.deps import ServicesDep
from booking import closures
from booking import repository as bookings
from booking.access import audit_bookings_shown
from console import calendar, labels
from console.auth import DbDep, StaffScopeDep, StaffUser
from console.routing import console_router
from console.templating import page
from core.calendar import COPENHAGEN, local
from store.types import BookingStatus

router = console_router()
Text = Annotated[str | None, Query(max_length=20)]
RECENT_DAYS = 7  # the bookings list starts a week back, where outcomes may be missing
MAX_SLOTS_A_WEEK = 1000


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), COPENHAGEN)


@router.get("/slots")
def slots_page(
    request: Request,
    user: StaffUser,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
    week: Text = None,
) -> Response:
    """Show a week of slots, free and booked, as a calendar."""
    today = local(services.clock.now()).date()
    monday = calendar.week_start(week, today=today)
    after, before = calendar.bounds(monday)
    views = bookings.slot_views(
        session=session, scope=scope, after=after, before=before, limit=MAX_SLOTS_A_WEEK
    )
    closed = closures.closed_among(
        session=session, slot_ids=[view.slot.id for view in views if view.slot.id is not None]
    )
    shown = calendar.week_calendar(monday=monday, views=views, closed=closed)
    this_week = calendar.iso_week(calendar.week_start(None, today=today))
    return page(
        request, "slots.html", active="slots", calendar=shown, this_week=this_week, today=today
    )


def _statuses(status: str | None) -> tuple[str, ...]:
    return (status,) if status in set(BookingStatus) else ()


def _from_day(text: str | None, *, today: date) -> date | None:
    """Return the first day to list; a week back by default, every day for "all"."""
    if text == "all":
        return None
    try:
        return date.fromisoformat(text) if text else today - timedelta(days=RECENT_DAYS)
    except ValueError:
        return today - timedelta(days=RECENT_DAYS)


@router.get("/bookings")
def bookings_page(
    request: Request,
    user: StaffUser,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
    status: Text = None,
    from_day: Annotated[str | None, Query(alias="from", max_length=20)] = None,
) -> Response:
    """List the bookings the key sees, in time order; those awaiting an outcome stand out."""
    now = services.clock.now()
    first = _from_day(from_day, today=local(now).date())
    views = bookings.booking_views(
        session=session,
        scope=scope,
        statuses=_statuses(status),
        after=_midnight(first) if first else None,
        limit=500,
    )
    audit_bookings_shown(
        session=session,
        scope=scope,
        contact_ids=[view.contact.id for view in views],
        now=now,
        where="console bookings",
    )
    return page(
        request,
        "bookings.html",
        active="bookings",
        views=views,
        now=now,
        status=status if _statuses(status) else "",
        first=first,
        statuses=labels.BOOKING_STATUS,
    )
