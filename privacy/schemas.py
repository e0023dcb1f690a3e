"""What a citizen's export, an erasure and a retention run give back. Times are Danish local."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

EXPORT_FORMAT = "recruitbot.citizen-export/1"

PublicId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=24,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The citizen's pseudonym, as in bookings (`citizen.ref`) and exports.",
    ),
]


class ContactPart(BaseModel):
    ref: str = Field(description="The pseudonym used in exports.")
    name: str
    phone: str
    birth_date: date | None
    municipality: str | None
    education: str | None
    language: str
    workplace: str | None
    cpr: str = Field(description="What is held about the CPR number; never the number itself.")
    created_at: datetime
    updated_at: datetime


class MembershipPart(BaseModel):
    partner: str
    since: datetime


class OptOutPart(BaseModel):
    at: datetime
    source: str
    channel: str | None = Field(description="None: every channel.")
    revoked_at: datetime | None


class ChannelPart(BaseModel):
    channel: str
    address: str
    linked_at: datetime


class InvitationPart(BaseModel):
    campaign_id: int
    campaign: str
    status: str
    skip_reason: str | None
    due_at: datetime | None
    done_at: datetime | None


class ConversationPart(BaseModel):
    id: int
    campaign_id: int
    campaign: str
    channel: str
    status: str
    step: str
    language: str
    consent: bool | None
    screening: dict[str, Any] = Field(description="The answers to the health questions.")
    screened_out_reason: str | None
    close_reason: str | None
    created_at: datetime
    replied_at: datetime | None
    closed_at: datetime | None


class MessagePart(BaseModel):
    time: datetime
    direction: str
    channel: str
    kind: str
    text: str
    status: str
    conversation_id: int | None


class InboxItemPart(BaseModel):
    time: datetime
    kind: str
    status: str
    text: str = Field(description="What caused it: the citizen's words, or the notice's text.")
    handled_at: datetime | None
    note: str | None = Field(description="What the person who handled it wrote.")


class WaitlistPart(BaseModel):
    joined: datetime
    until: datetime
    status: str
    offers: int


class StaffNoticePart(BaseModel):
    time: datetime
    staff_member: str
    kind: str
    text: str


class BookingPart(BaseModel):
    id: int
    status: str
    starts_at: datetime
    location: str
    address: str
    staff_member: str
    created_at: datetime
    ended_at: datetime | None


class FollowUpPart(BaseModel):
    booking_id: int
    due_at: datetime
    status: str
    done_at: datetime | None
    answered_at: datetime | None
    needs_help: bool


class MonitoringPart(BaseModel):
    """The outcome of a health check as the evaluation's monitoring scheme keeps it."""

    booking_id: int | None
    health_check_date: date
    municipality_code: str
    age: int | None
    education: str | None
    recruited_from: str
    chronic_diseases: list[str]
    self_rated_health: str | None
    referrals_municipal: list[str]
    referrals_non_municipal: list[str]
    waiting_days: int | None
    gp_advice: bool
    further_course: bool
    follow_up_date: date | None


class Actor(BaseModel):
    """Who read or did something: an API key (never the key itself), a command, a channel."""

    kind: str = Field(description="`api_key`, `cli` (a command on the server), `telegram`, …")
    key_id: int | None = None
    role: str | None = None
    name: str | None = Field(default=None, description="The key's label.")
    municipality: str | None = None


class AccessEntry(BaseModel):
    at: datetime
    actor: Actor
    action: str
    subject_type: str
    subject_id: int | None
    detail: str


class CitizenExport(BaseModel):
    """Everything held about one citizen, and who has looked at it."""

    format: str = EXPORT_FORMAT
    generated_at: datetime
    contact: ContactPart
    memberships: list[MembershipPart]
    opt_outs: list[OptOutPart]
    channels: list[ChannelPart] = Field(description="Linked chats, e.g. Telegram.")
    invitations: list[InvitationPart]
    conversations: list[ConversationPart]
    messages: list[MessagePart]
    staff_notices: list[StaffNoticePart] = Field(
        description="What staff were told about the citizen (bookings, callbacks)."
    )
    inbox_items: list[InboxItemPart] = Field(
        description="Items in the staff's inbox about the citizen (callbacks, questions)."
    )
    waitlist: list[WaitlistPart] = Field(description="Places on a waitlist for a free time.")
    bookings: list[BookingPart]
    follow_ups: list[FollowUpPart]
    monitoring_records: list[MonitoringPart]
    access_log: list[AccessEntry] = Field(description="Every audit entry about the citizen.")


class ErasurePublic(BaseModel):
    """What an erasure deleted; nothing in it identifies the person."""

    erased: bool
    deleted: dict[str, int] = Field(description="Rows deleted, by kind.")
    suppressed: bool = Field(description="The number stays on the suppression list (hashed).")
    held_elsewhere: bool = Field(
        default=False,
        description="Another municipality also holds the citizen: only this municipality's part "
        "was erased, and the contact stays for the other (a national key erases the whole person).",
    )
