"""What the API takes and gives for corrections, closed periods and calendar feeds."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import SAFE_TEXT_PATTERN, DbId, InputModel
from booking.schemas import BookingPublic, Moment, OutcomeCreate
from core.calendar import local
from store.models import CalendarFeed, Closure


class OutcomeCorrection(OutcomeCreate):
    """The corrected outcome, whole, and why it is corrected (no personal data in the reason)."""

    reason: str = Field(min_length=1, max_length=200, pattern=SAFE_TEXT_PATTERN)


class ClosureCreate(InputModel):
    """A period a staff member or a location is closed; times without an offset are Danish."""

    staff_member_id: DbId | None = None
    location_id: DbId | None = None
    starts_at: Moment
    ends_at: Moment
    reason: str = Field(default="", max_length=120, pattern=SAFE_TEXT_PATTERN)


class ClosurePublic(BaseModel):
    id: int
    staff_member_id: int | None
    location_id: int | None
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, closure: Closure) -> ClosurePublic:
        assert closure.id is not None
        return cls(
            id=closure.id,
            staff_member_id=closure.staff_member_id,
            location_id=closure.location_id,
            starts_at=local(closure.starts_at),
            ends_at=local(closure.ends_at) if closure.ends_at else None,
            reason=closure.reason,
            created_at=local(closure.created_at),
        )


class ClosedPeriodPublic(BaseModel):
    """The closure, and the bookings it cancelled: the citizens staff may want to call."""

    closure: ClosurePublic
    cancelled: list[BookingPublic]


class ClosureLiftedPublic(BaseModel):
    """A lifted closure: its time is bookable again; the bookings it cancelled stay cancelled."""

    closure: ClosurePublic = Field(description="The period as it was closed.")
    reopened_slots: int = Field(
        description="Free slots ahead in the period, bookable again; the waitlist is offered them."
    )
    note: str = Field(
        default=(
            "The bookings the closure cancelled are not restored: those citizens were told and "
            "offered new times when it was closed."
        )
    )


class CalendarFeedPublic(BaseModel):
    id: int
    staff_member_id: int
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    url: str | None = Field(
        default=None, description="Only when created: the secret URL, shown this once."
    )

    @classmethod
    def of(cls, feed: CalendarFeed, *, url: str | None = None) -> CalendarFeedPublic:
        assert feed.id is not None
        return cls(
            id=feed.id,
            staff_member_id=feed.staff_member_id,
            prefix=feed.prefix,
            created_at=local(feed.created_at),
            revoked_at=local(feed.revoked_at) if feed.revoked_at else None,
            url=url,
        )
