"""How fast citizens answer and book, how full the slots are, how many stay away: in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, cast, distinct, func, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col

from monitoring import scope
from monitoring.filters import ReportFilter
from store.models import Booking, Conversation, Slot
from store.types import BookingStatus, holds_slot


@dataclass(frozen=True, slots=True)
class Median:
    """A median duration in seconds, and how many durations it is the median of."""

    seconds: float | None
    count: int


@dataclass(frozen=True, slots=True)
class Timing:
    """The funnel's timing and capacity figures, unrounded and unsuppressed."""

    to_reply: Median  # from the invitation to the first reply
    to_booking: Median  # from the invitation to the first booking
    slots: int  # slots in scope
    booked_slots: int  # of those, held by an active booking from a conversation in scope
    attended: int  # bookings, not people: one person may stay away and come another time
    no_show: int

    @property
    def slot_utilisation(self) -> float | None:
        """Return booked slots over slots, or None without slots."""
        return self.booked_slots / self.slots if self.slots else None

    @property
    def no_show_rate(self) -> float | None:
        """Return no-shows over bookings that took place, or None without any."""
        held = self.attended + self.no_show
        return self.no_show / held if held else None


def compute_timing(*, session: Session, report_filter: ReportFilter) -> Timing:
    """Compute the medians, the slot utilisation and the no-show counts for a filter."""
    session.flush()  # the ORM's autoflush is bypassed by running on the connection
    dialect = session.connection().dialect.name
    cohort = scope.conversations(report_filter)
    invited_at = col(Conversation.created_at)
    replied = select(
        _seconds_between(invited_at, col(Conversation.replied_at), dialect=dialect).label("d")
    ).where(col(Conversation.replied_at).is_not(None), *cohort)
    first = (
        select(
            col(Booking.conversation_id).label("conversation_id"),
            func.min(col(Booking.created_at)).label("at"),
        )
        .group_by(col(Booking.conversation_id))
        .subquery()
    )
    booked = (
        select(_seconds_between(invited_at, first.c.at, dialect=dialect).label("d"))
        .join(first, first.c.conversation_id == col(Conversation.id))
        .where(*cohort)
    )
    slots, booked_slots = _slot_counts(session=session, report_filter=report_filter)
    attended, no_show = _held(session=session, cohort=cohort)
    return Timing(
        to_reply=median(session=session, values=replied),
        to_booking=median(session=session, values=booked),
        slots=slots,
        booked_slots=booked_slots,
        attended=attended,
        no_show=no_show,
    )


def median(*, session: OrmSession, values: Select[float]) -> Median:
    """Return the median of a one-column query, computed by the database."""
    sub = values.subquery()
    connection = session.connection()
    count = int(connection.execute(select(func.count()).select_from(sub)).scalar_one())
    if count == 0:
        return Median(seconds=None, count=0)
    value = sub.c[0]
    if connection.dialect.name == "postgresql":
        statement = select(func.percentile_cont(0.5).within_group(value))
    else:
        # Without a percentile function: the middle one or two values, in order, averaged.
        middle = select(value).order_by(value).limit(2 - count % 2).offset((count - 1) // 2)
        statement = select(func.avg(middle.subquery().c[0]))
    return Median(seconds=float(connection.execute(statement).scalar_one()), count=count)


def _seconds_between(
    start: SQLCoreOperations[Any], end: SQLCoreOperations[Any], *, dialect: str
) -> ColumnElement[float]:
    """Return `end - start` in seconds, on SQLite (text timestamps) and PostgreSQL alike."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)


def _slot_counts(*, session: Session, report_filter: ReportFilter) -> tuple[int, int]:
    """Count the slots in scope, and those held by an active booking in the cohort."""
    in_scope = scope.slots(report_filter)
    cohort = scope.conversations(report_filter, with_period=False)
    held = (
        select(col(Booking.slot_id))
        .join(Conversation, col(Conversation.id) == col(Booking.conversation_id))
        .where(holds_slot(col(Booking.status)), *cohort)
    )
    statement = select(
        select(func.count(col(Slot.id))).where(*in_scope).scalar_subquery(),
        select(func.count(distinct(col(Slot.id))))
        .where(col(Slot.id).in_(held), *in_scope)
        .scalar_subquery(),
    )
    slots, booked = session.connection().execute(statement).one()
    return int(slots or 0), int(booked or 0)


def _held(*, session: Session, cohort: list[ColumnElement[bool]]) -> tuple[int, int]:
    """Count the cohort's bookings that were attended and that were not."""
    statement = (
        select(col(Booking.status), func.count())
        .join(Conversation, col(Conversation.id) == col(Booking.conversation_id))
        .where(col(Booking.status).in_((BookingStatus.ATTENDED, BookingStatus.NO_SHOW)), *cohort)
        .group_by(col(Booking.status))
    )
    counts = {status: int(n) for status, n in session.connection().execute(statement)}
    return counts.get(BookingStatus.ATTENDED, 0), counts.get(BookingStatus.NO_SHOW, 0)
