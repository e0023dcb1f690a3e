"""The repository of what is held about one citizen: every row an export shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlmodel import Session, col

from privacy import scope
from privacy.repository import addresses, citizen_messages, opt_outs_of, staff_notices_about
from store.models import (
    Booking,
    Campaign,
    Contact,
    ContactChannel,
    Conversation,
    FollowUp,
    InboxItem,
    Invitation,
    Location,
    Membership,
    Message,
    MonitoringRecord,
    Municipality,
    OptOut,
    Partner,
    Slot,
    StaffMember,
    WaitlistEntry,
)


@dataclass(frozen=True)
class BookingRow:
    """A booking with where and with whom."""

    booking: Booking
    slot: Slot
    location: Location
    staff: StaffMember


@dataclass(frozen=True)
class Holdings:
    """Every row held about one citizen, as the export shows them."""

    contact: Contact
    municipality: str | None
    memberships: Sequence[tuple[Membership, str]]
    opt_outs: Sequence[OptOut]
    channels: Sequence[ContactChannel]
    invitations: Sequence[tuple[Invitation, str]]
    conversations: Sequence[tuple[Conversation, str]]
    messages: Sequence[Message]
    staff_notices: Sequence[tuple[Message, str]]
    inbox_items: Sequence[InboxItem]
    waitlist: Sequence[WaitlistEntry]
    bookings: Sequence[BookingRow]
    follow_ups: Sequence[FollowUp]
    monitoring_records: Sequence[MonitoringRecord]


def load(*, session: Session, contact: Contact, municipality_id: int | None = None) -> Holdings:
    """Load everything held about a citizen; with a municipality, only what it processed.

    The contact, its opt-outs and its linked chats are the person's, shared by every
    municipality that processes them (privacy.scope says whose each other row is).
    """
    assert contact.id is not None
    cid = contact.id
    m = municipality_id
    bookings = _bookings(session, cid, m)
    booking_ids = [row.booking.id for row in bookings if row.booking.id is not None]
    where = addresses(session=session, contacts=[contact])
    return Holdings(
        contact=contact,
        municipality=_municipality_name(session, contact.municipality_id),
        memberships=_memberships(session, cid, m),
        opt_outs=session.scalars(
            select(OptOut).where(opt_outs_of([cid], where)).order_by(col(OptOut.id))
        ).all(),
        channels=session.scalars(
            select(ContactChannel).where(col(ContactChannel.contact_id) == cid)
        ).all(),
        invitations=_with_campaign(session, Invitation, cid, scope.invitations_of(m)),
        conversations=_with_campaign(session, Conversation, cid, scope.conversations_of(m)),
        messages=session.scalars(
            select(Message)
            .where(citizen_messages([cid], where), scope.messages_of(m, contact))
            .order_by(col(Message.created_at), col(Message.id))
        ).all(),
        staff_notices=_staff_notices(session, contact, m),
        inbox_items=session.scalars(
            select(InboxItem)
            .where(col(InboxItem.contact_id) == cid, _in_municipality(InboxItem, m))
            .order_by(col(InboxItem.created_at), col(InboxItem.id))
        ).all(),
        waitlist=session.scalars(
            select(WaitlistEntry)
            .where(col(WaitlistEntry.contact_id) == cid, _in_municipality(WaitlistEntry, m))
            .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
        ).all(),
        bookings=bookings,
        follow_ups=session.scalars(
            select(FollowUp).where(col(FollowUp.booking_id).in_(booking_ids))
        ).all(),
        monitoring_records=session.scalars(
            select(MonitoringRecord).where(col(MonitoringRecord.booking_id).in_(booking_ids))
        ).all(),
    )


def _in_municipality(
    model: type[InboxItem] | type[WaitlistEntry], municipality_id: int | None
) -> ColumnElement[bool]:
    """Every row for a national export; a municipality's own rows for its export."""
    if municipality_id is None:
        return true()
    return col(model.municipality_id) == municipality_id


def _memberships(session: Session, contact_id: int, municipality_id: int | None) -> list[Any]:
    return _pairs(
        session,
        select(Membership, col(Partner.name))
        .join(Partner, col(Partner.id) == col(Membership.partner_id))
        .where(col(Membership.contact_id) == contact_id, scope.memberships_of(municipality_id))
        .order_by(col(Membership.id)),
    )


def _with_campaign(
    session: Session,
    model: type[Invitation] | type[Conversation],
    contact_id: int,
    scoped: ColumnElement[bool],
) -> list[Any]:
    return _pairs(
        session,
        select(model, col(Campaign.name))
        .join(Campaign, col(Campaign.id) == col(model.campaign_id))
        .where(col(model.contact_id) == contact_id, scoped)
        .order_by(col(model.id)),
    )


def _staff_notices(session: Session, contact: Contact, municipality_id: int | None) -> list[Any]:
    return _pairs(
        session,
        select(Message, col(StaffMember.name))
        .join(StaffMember, col(StaffMember.id) == col(Message.staff_member_id))
        .where(staff_notices_about([contact]), scope.staff_of(municipality_id))
        .order_by(col(Message.created_at), col(Message.id)),
    )


def _pairs(session: Session, statement: Any) -> list[Any]:
    return [tuple(row) for row in session.execute(statement).all()]


def _municipality_name(session: Session, municipality_id: int | None) -> str | None:
    if municipality_id is None:
        return None
    place = session.get(Municipality, municipality_id)
    return place.name if place else None


def _bookings(session: Session, contact_id: int, municipality_id: int | None) -> list[BookingRow]:
    rows = session.execute(
        select(Booking, Slot, Location, StaffMember)
        .join(Slot, col(Slot.id) == col(Booking.slot_id))
        .join(Location, col(Location.id) == col(Slot.location_id))
        .join(StaffMember, col(StaffMember.id) == col(Slot.staff_member_id))
        .where(col(Booking.contact_id) == contact_id, scope.bookings_of(municipality_id))
        .order_by(col(Booking.id))
    ).all()
    return [BookingRow(*row) for row in rows]
