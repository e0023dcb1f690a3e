"""Column types and enums shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ColumnElement, DateTime, literal_column
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; always hand back aware UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no time zones: keep naive UTC there so string comparison stays correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def utc_column(*, nullable: bool = True, index: bool = False) -> Column[datetime]:
    """Return a column for an aware UTC datetime."""
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Trigger(StrEnum):
    """Why an outbound message exists: an answer, or the service's own initiative."""

    REPLY = "reply"
    SCHEDULED = "scheduled"


class MessageStatus(StrEnum):
    """Message lifecycle; status only ever moves forward (see `STATUS_RANK`)."""

    RECEIVED = "received"  # inbound
    QUEUED = "queued"  # outbound, waiting for the sender
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"  # provider confirmed delivery to the handset
    UNDELIVERED = "undelivered"  # provider gave up delivering
    ERRORED = "errored"  # temporary failure; retried later
    FAILED = "failed"  # permanent failure, with a reason
    CANCELLED = "cancelled"  # withdrawn before sending (opt-out, booking cancelled)


STATUS_RANK: dict[MessageStatus, int] = {
    MessageStatus.RECEIVED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.ERRORED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
    MessageStatus.CANCELLED: 4,
}


class DueStatus(StrEnum):
    """Lifecycle of a row of due work (invitation, reminder, follow-up)."""

    PENDING = "pending"  # an invitation targeted at launch, not yet released in a wave
    SCHEDULED = "scheduled"
    DONE = "done"
    SKIPPED = "skipped"  # due, but no longer applicable (e.g. an invitation to someone now 61)
    CANCELLED = "cancelled"


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    MOVED = "moved"


# Statuses that hold the slot: the database allows one such booking per slot.
ACTIVE_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


def written_out(column: Any, *values: StrEnum) -> ColumnElement[bool]:
    """`column = 'a'`, or `column IN ('a', 'b', …)`, with the values in the SQL, not bound.

    For a status that a partial index names in its condition: the booking that holds a slot,
    the open conversation, the waitlist's place. When SQLite plans a query it compares a bound
    value with that condition, and then prepares the statement again on every run, as the
    value is bound anew (several times the cost of a short query; tests/store/
    test_partial_index_plans.py). Written out, it is prepared once. Only for the code's own
    constants, never for input.
    """
    texts = [str(value) for value in values]
    assert texts and all(text.isidentifier() for text in texts), texts
    literals: list[ColumnElement[str]] = [literal_column(f"'{text}'") for text in texts]
    condition: ColumnElement[bool] = (
        column == literals[0] if len(literals) == 1 else column.in_(literals)
    )
    return condition


def holds_slot(status: Any) -> ColumnElement[bool]:
    """The booking's status is one of ACTIVE_BOOKING_STATUSES (`written_out`)."""
    return written_out(status, *ACTIVE_BOOKING_STATUSES)


class CampaignStatus(StrEnum):
    """Campaign lifecycle: draft → scheduled → running ⇄ paused → completed | cancelled."""

    DRAFT = "draft"  # being prepared; preview shows who it would reach
    SCHEDULED = "scheduled"  # launched, with a start still ahead
    RUNNING = "running"  # releasing a wave of invitations each working day
    PAUSED = "paused"  # no new invitations; conversations already open go on
    COMPLETED = "completed"  # every invitation handled, no work ahead in its conversations
    CANCELLED = "cancelled"  # stopped for good; invitations not yet sent are cancelled


class ReminderKind(StrEnum):
    INVITATION = "invitation_reminder"
    BOOKING = "booking_reminder"
    FOLLOW_UP_NUDGE = "follow_up_nudge"  # the follow-up got no answer: ask once more
    FOLLOW_UP_NO_ANSWER = "follow_up_no_answer"  # still no answer after the nudge: tell staff
    WAITLIST_ASK = "waitlist_ask"  # no time fitted: offer a place on the waitlist


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    BOOKED = "booked"
    EXPIRED = "expired"
    LEFT = "left"


class Education(StrEnum):
    """The evaluation's four education groups."""

    GRUNDSKOLE = "grundskole"
    KORT = "kort"
    LANG = "lang"
    ANDEN = "anden"
