"""What the inbox API takes and gives. Times are Danish local time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas import SAFE_TEXT_PATTERN, InputModel
from core.calendar import local
from inbox.repository import ItemView
from store.inbox import route_for
from store.models import Message, StaffMember


class ItemKind(StrEnum):
    """What needs a person."""

    CALLBACK = "callback"  # RING, or no free times: the citizen waits for a call
    UNREADABLE = "unreadable"  # two replies the dialogue could not read
    QUESTION = "question"  # a question the dialogue could not answer
    CANCELLATION = "cancellation"
    MOVED = "moved"
    NO_SHOW = "no_show"
    FOLLOW_UP = "follow_up"  # a reply to the follow-up (needing help, or just an answer)
    FOLLOW_UP_UNANSWERED = "follow_up_unanswered"
    AWAITING_OUTCOME = "awaiting_outcome"  # the conversation was held, no outcome recorded
    REPLY = "reply"  # the citizen wrote while a person holds the conversation
    NOTICE = "notice"  # a notice (a new booking) that reached nobody
    WROTE_FIRST = "wrote_first"  # someone not invited wrote, and was not taken in (no list, age)


LABELS_DA: dict[str, str] = {
    ItemKind.CALLBACK: "Ønsker opkald",
    ItemKind.UNREADABLE: "Svar ikke forstået",
    ItemKind.QUESTION: "Spørgsmål",
    ItemKind.CANCELLATION: "Aflyst",
    ItemKind.MOVED: "Flyttet",
    ItemKind.NO_SHOW: "Udeblevet",
    ItemKind.FOLLOW_UP: "Svar på opfølgning",
    ItemKind.FOLLOW_UP_UNANSWERED: "Opfølgning ubesvaret",
    ItemKind.AWAITING_OUTCOME: "Mangler resultat",
    ItemKind.REPLY: "Borger har svaret",
    ItemKind.NOTICE: "Besked ikke leveret",
    ItemKind.WROTE_FIRST: "Skrev uden invitation",
}


class ItemStatus(StrEnum):
    OPEN = "open"
    HANDLED = "handled"
    ALL = "all"


Note = Annotated[str, Field(min_length=1, max_length=500, pattern=SAFE_TEXT_PATTERN)]
# One SMS worth a few segments; a person writes more by phone.
ReplyText = Annotated[str, Field(min_length=1, max_length=640, pattern=SAFE_TEXT_PATTERN)]


class HandleRequest(InputModel):
    note: Note = Field(description="What was done, e.g. 'Ringet op, tid aftalt'.")


class ReplyRequest(InputModel):
    text: ReplyText


class ItemPublic(BaseModel):
    id: int
    kind: str
    label: str
    status: str
    created_at: datetime
    campaign: str | None
    text: str
    first_name: str | None
    phone: str | None
    citizen_ref: str | None
    conversation_id: int | None
    booking_id: int | None
    staff: str | None
    notice: str = Field(description='How the staff member was told: "telegram", "sms", "none".')
    delivered: bool
    due_at: datetime | None
    escalated: bool
    handled_at: datetime | None
    handled_by: str | None
    note: str | None

    @classmethod
    def of(cls, view: ItemView) -> ItemPublic:
        item, contact = view.item, view.contact
        assert item.id is not None
        return cls(
            id=item.id,
            kind=item.kind,
            label=LABELS_DA.get(item.kind, item.kind),
            status=item.status,
            created_at=local(item.created_at),
            campaign=view.campaign.name if view.campaign else None,
            text=item.text,
            first_name=_first_name(contact.name) if contact else None,
            phone=contact.phone if contact else item.address,
            citizen_ref=contact.public_id if contact else None,
            conversation_id=item.conversation_id,
            booking_id=item.booking_id,
            staff=view.staff.name if view.staff else None,
            notice=item.notice,
            delivered=view.delivered,
            due_at=local(item.due_at) if item.due_at else None,
            escalated=item.escalated_at is not None,
            handled_at=local(item.handled_at) if item.handled_at else None,
            handled_by=item.handled_by,
            note=item.note,
        )


class InboxCount(BaseModel):
    open: int


class MessagePublic(BaseModel):
    direction: str
    kind: str
    text: str
    status: str
    at: datetime
    by_staff: bool = Field(description="Written by a person (a takeover reply).")

    @classmethod
    def of(cls, message: Message) -> MessagePublic:
        return cls(
            direction=message.direction,
            kind=message.kind,
            text=message.text,
            status=message.status,
            at=local(message.created_at),
            by_staff=message.kind == STAFF_REPLY_KIND,
        )


STAFF_REPLY_KIND = "person_reply"  # a message a person wrote in a takeover


class ConversationPublic(BaseModel):
    id: int
    channel: str
    status: str
    held_by: str | None
    held_at: datetime | None
    first_name: str | None
    messages: list[MessagePublic]


def _first_name(name: str) -> str | None:
    parts = name.split()
    return parts[0] if parts else None


class NotifyBy(StrEnum):
    """How notices reach a staff member; "auto" (the default) picks the first that works."""

    AUTO = "auto"  # Telegram when linked, else SMS when a phone is set, else the inbox only
    TELEGRAM = "telegram"
    SMS = "sms"
    INBOX = "inbox"  # no device: the inbox only (the coordinator sees it as undelivered)


PhoneText = Annotated[str, Field(max_length=40, pattern=SAFE_TEXT_PATTERN)]


class NoticesUpdate(InputModel):
    phone: PhoneText | None = Field(default=None, description='The own phone; "" removes it.')
    notify_by: NotifyBy | None = None
    coordinator: bool | None = Field(
        default=None, description="The coordinator's own entry: told of escalated callbacks."
    )


class StaffNoticesPublic(BaseModel):
    id: int
    name: str
    phone: str
    notify_by: str
    route: str = Field(description='Where a notice goes now: "telegram", "sms" or "none".')
    coordinator: bool

    @classmethod
    def of(cls, member: StaffMember) -> StaffNoticesPublic:
        assert member.id is not None
        return cls(
            id=member.id,
            name=member.name,
            phone=member.phone,
            notify_by=member.notify_by,
            route=route_for(member),
            coordinator=member.coordinator,
        )
