"""The staff's inbox: one row per thing a person has to look at (a callback, a reply not read)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from store.types import utc_column as _utc


class InboxItem(SQLModel, table=True):
    """Something that needs a person; open until someone marks it handled with a note.

    `staff_member_id` is whose inbox it is (the booking's staff member, or the municipality's
    staff member on duty); a coordinator sees every item of the municipality. `notice` says how
    the staff member was told: "telegram", "sms", or "none" when they have neither (then the
    coordinator's inbox shows the notice as undelivered).
    """

    __tablename__ = "inbox_item"
    __table_args__ = (
        Index("ix_inbox_item_open", "municipality_id", "status", "created_at"),
        Index("ix_inbox_item_staff", "staff_member_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    staff_member_id: int | None = Field(default=None, foreign_key="staff_member.id")
    kind: str = Field(max_length=32)  # inbox.schemas.ItemKind
    status: str = Field(default="open", max_length=16)  # "open" | "handled"
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id", index=True)
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    # Who wrote, for an item with no contact (someone on no list wrote first): staff call back.
    address: str | None = Field(default=None, max_length=64)
    # What caused it: the citizen's own words where they wrote, else the notice's text.
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    notice: str = Field(default="none", max_length=16)
    # No foreign key: retention may purge an old notice while the item is kept.
    notice_message_id: int | None = None
    # A callback promised "within two working days" is due then; past it, it is escalated.
    due_at: datetime | None = Field(default=None, sa_column=_utc())
    escalated_at: datetime | None = Field(default=None, sa_column=_utc())
    # When the one reminder went: to staff (awaiting an outcome), to coordinators (escalated).
    reminded_at: datetime | None = Field(default=None, sa_column=_utc())
    handled_at: datetime | None = Field(default=None, sa_column=_utc())
    handled_by: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)
