"""Tables around the booking calendar: closed periods, staff calendar feeds, the waitlist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel, col

from store.types import WaitlistStatus, written_out
from store.types import utc_column as _utc


class Closure(SQLModel, table=True):
    """A period in which a staff member or a location holds no conversations (illness, leave).

    A slot is closed when any part of it falls inside [starts_at, ends_at); `ends_at` None:
    until further notice (a location that was removed). Exactly one of staff_member_id and
    location_id is set.
    """

    __tablename__ = "closure"
    __table_args__ = (Index("ix_closure_period", "starts_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    staff_member_id: int | None = Field(default=None, foreign_key="staff_member.id")
    location_id: int | None = Field(default=None, foreign_key="location.id")
    starts_at: datetime = Field(sa_column=_utc(nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=_utc())
    reason: str = Field(default="", max_length=120)  # e.g. "sygdom"; never a citizen's data
    created_by: str = Field(max_length=64)  # the audit log's actor
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class CalendarFeed(SQLModel, table=True):
    """A staff member's secret calendar URL; only the token's SHA-256 is stored."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    staff_member_id: int = Field(foreign_key="staff_member.id", index=True)
    prefix: str = Field(max_length=16)  # the token's first characters, to tell feeds apart
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc())


class WaitlistEntry(SQLModel, table=True):
    """A citizen waiting for a time to come free in their municipality, in order of joining.

    waiting → booked (a time was booked) | expired (the place ran out) | left (they said no,
    or the conversation ended).
    """

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        Index("ix_waitlist_entry_queue", "municipality_id", "status", "created_at"),
        # One place per conversation at a time, whatever the code does.
        Index(
            "uq_waitlist_entry_waiting_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Erasing a citizen (privacy.erasure) deletes their conversations: their places go with them.
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    municipality_id: int = Field(foreign_key="municipality.id")
    status: str = Field(default="waiting", max_length=16)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    offered_at: datetime | None = Field(default=None, sa_column=_utc())  # the latest offer
    offers: int = 0
    booking_id: int | None = Field(  # the time it filled
        default=None, foreign_key="booking.id", ondelete="SET NULL"
    )
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    # The citizen's own wish (bot.types.SlotWish as JSON) the place waits for; None: any time.
    wish: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# A place still held, the status written out as the partial unique index states it (see
# store.types.written_out).
HOLDS_PLACE = written_out(col(WaitlistEntry.status), WaitlistStatus.WAITING)
