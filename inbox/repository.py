"""The reads and locks behind the inbox and the takeover. All inbox SQL lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlmodel import Session, col

from booking.access import Scope
from store.inbox import OPEN
from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    InboxItem,
    Message,
    OptOut,
    Slot,
    StaffMember,
)
from store.types import BookingStatus, MessageStatus

# A notice whose message ended in one of these reached nobody.
UNDELIVERED_STATUSES = (MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELLED)


@dataclass(frozen=True)
class ItemView:
    """An inbox item with what the list shows beside it."""

    item: InboxItem
    contact: Contact | None
    campaign: Campaign | None
    staff: StaffMember | None
    notice_status: str | None  # the notice message's status; None when none was sent

    @property
    def delivered(self) -> bool:
        """Tell whether the notice reached a device (sent, delivered, or still on its way).

        A notice purged by retention since (no status) went out long ago.
        """
        if self.item.notice == "none":
            return False
        return self.notice_status not in UNDELIVERED_STATUSES


def _scoped(query: Select[InboxItem], scope: Scope) -> Select[InboxItem]:
    """A staff member sees their own items; a coordinator every item of the municipality."""
    if scope.staff_member_id is not None:
        return query.where(col(InboxItem.staff_member_id) == scope.staff_member_id)
    if scope.municipality_id is not None:
        return query.where(col(InboxItem.municipality_id) == scope.municipality_id)
    return query


def list_items(
    *,
    session: Session,
    scope: Scope,
    status: str | None = OPEN,
    kind: str | None = None,
    limit: int = 100,
) -> list[ItemView]:
    """Return the items in scope, escalated first among the open ones, then newest first."""
    query = _scoped(select(InboxItem), scope)
    if status is not None:
        query = query.where(col(InboxItem.status) == status)
    if kind is not None:
        query = query.where(col(InboxItem.kind) == kind)
    query = query.order_by(
        or_(col(InboxItem.status) != OPEN, col(InboxItem.escalated_at).is_(None)),
        col(InboxItem.created_at).desc(),
        col(InboxItem.id).desc(),
    ).limit(limit)
    return _views(session, session.scalars(query).all())


def count_open(*, session: Session, scope: Scope) -> int:
    """Count the open items in scope (the console's menu shows it)."""
    query = _scoped(select(InboxItem), scope).where(col(InboxItem.status) == OPEN)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def get_item(
    *, session: Session, scope: Scope, item_id: int, lock: bool = False
) -> InboxItem | None:
    """Return an item in scope, or None (another's item does not exist)."""
    query = _scoped(select(InboxItem).where(col(InboxItem.id) == item_id), scope)
    return session.scalars(query.with_for_update() if lock else query).first()


def view_of(*, session: Session, item: InboxItem) -> ItemView:
    """Return one item's view."""
    return _views(session, [item])[0]


def _views(session: Session, items: Sequence[InboxItem]) -> list[ItemView]:
    notices = [i.notice_message_id for i in items if i.notice_message_id is not None]
    rows = session.execute(
        select(col(Message.id), col(Message.status)).where(col(Message.id).in_(notices))
    ).all()
    statuses: dict[int | None, str] = {message_id: status for message_id, status in rows}  # noqa: C416 (typed rows)
    return [
        ItemView(
            item=item,
            contact=session.get(Contact, item.contact_id) if item.contact_id else None,
            campaign=session.get(Campaign, item.campaign_id) if item.campaign_id else None,
            staff=session.get(StaffMember, item.staff_member_id) if item.staff_member_id else None,
            notice_status=statuses.get(item.notice_message_id) if item.notice_message_id else None,
        )
        for item in items
    ]


def conversation_in_scope(
    *, session: Session, scope: Scope, conversation_id: int, lock: bool = False
) -> Conversation | None:
    """Return a conversation the caller may read and answer, or None.

    A coordinator: any conversation of the municipality's campaigns. A staff member: one with an
    item in their inbox, or a booking on one of their slots.
    """
    query = (
        select(Conversation)
        .join(Campaign, col(Campaign.id) == col(Conversation.campaign_id))
        .where(col(Conversation.id) == conversation_id)
    )
    if scope.municipality_id is not None:
        query = query.where(col(Campaign.municipality_id) == scope.municipality_id)
    if scope.staff_member_id is not None:
        has_item = exists().where(
            col(InboxItem.conversation_id) == col(Conversation.id),
            col(InboxItem.staff_member_id) == scope.staff_member_id,
        )
        has_booking = exists().where(
            col(Booking.conversation_id) == col(Conversation.id),
            col(Slot.id) == col(Booking.slot_id),
            col(Slot.staff_member_id) == scope.staff_member_id,
        )
        query = query.where(or_(has_item, has_booking))
    return session.scalars(query.with_for_update(of=Conversation) if lock else query).first()


def messages_of(*, session: Session, conversation_id: int) -> Sequence[Message]:
    """Return a conversation's messages in time order."""
    return session.scalars(
        select(Message)
        .where(col(Message.conversation_id) == conversation_id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()


def is_opted_out(*, session: Session, contact_id: int, channel: str) -> bool:
    """Tell whether the citizen has opted out of this channel (or of every channel)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    col(OptOut.contact_id) == contact_id,
                    col(OptOut.revoked_at).is_(None),
                    or_(col(OptOut.channel).is_(None), col(OptOut.channel) == channel),
                )
            )
        )
    )


def open_item_for(*, session: Session, conversation_id: int, kind: str) -> InboxItem | None:
    """Return the open item of this kind about a conversation, if there is one."""
    return session.scalars(
        select(InboxItem).where(
            col(InboxItem.conversation_id) == conversation_id,
            col(InboxItem.kind) == kind,
            col(InboxItem.status) == OPEN,
        )
    ).first()


def open_wrote_first(
    *, session: Session, municipality_id: int, contact_id: int | None, address: str
) -> InboxItem | None:
    """Return the open "wrote first" item about this person in a municipality, if any."""
    who = (
        col(InboxItem.contact_id) == contact_id
        if contact_id is not None
        else col(InboxItem.address) == address
    )
    return session.scalars(
        select(InboxItem).where(
            col(InboxItem.municipality_id) == municipality_id,
            col(InboxItem.kind) == "wrote_first",
            col(InboxItem.status) == OPEN,
            who,
        )
    ).first()


def overdue_callbacks(*, session: Session, now: datetime, limit: int) -> Sequence[InboxItem]:
    """Open items whose promised time frame has passed and that are not escalated yet."""
    return session.scalars(
        select(InboxItem)
        .where(
            col(InboxItem.status) == OPEN,
            col(InboxItem.due_at) < now,
            col(InboxItem.escalated_at).is_(None),
        )
        .order_by(col(InboxItem.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def escalated_untold(*, session: Session, limit: int) -> Sequence[InboxItem]:
    """Open escalated items whose coordinators have not been told yet (`reminded_at`)."""
    return session.scalars(
        select(InboxItem)
        .where(
            col(InboxItem.status) == OPEN,
            col(InboxItem.escalated_at).is_not(None),
            col(InboxItem.reminded_at).is_(None),
        )
        .order_by(col(InboxItem.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def coordinators(*, session: Session, municipality_id: int) -> Sequence[StaffMember]:
    """The municipality's coordinator entries (`StaffMember.coordinator`)."""
    return session.scalars(
        select(StaffMember)
        .where(
            col(StaffMember.municipality_id) == municipality_id,
            col(StaffMember.coordinator).is_(True),
        )
        .order_by(col(StaffMember.id))
    ).all()


def awaiting_outcome(
    *, session: Session, ended_before: datetime, limit: int
) -> Sequence[tuple[Booking, Slot]]:
    """Bookings still "booked" whose conversation ended before then, without an item for it."""
    listed = exists().where(
        col(InboxItem.booking_id) == col(Booking.id),
        col(InboxItem.kind) == "awaiting_outcome",
    )
    rows = session.execute(
        select(Booking, Slot)
        .join(Slot, col(Slot.id) == col(Booking.slot_id))
        .where(
            and_(
                col(Booking.status) == BookingStatus.BOOKED,
                col(Slot.starts_at) < ended_before,
                ~listed,
            )
        )
        .order_by(col(Booking.id))
        .limit(limit)
        .with_for_update(of=Booking, skip_locked=True)
    ).all()
    return [(booking, slot) for booking, slot in rows]
