"""A municipality's erasure of a citizen another municipality also holds: only its own part.

The contact stays, with what the other municipality processed; this municipality's conversations
(the screening answers), invitations, messages, notices to its staff, bookings with their
reminders and follow-ups, the audit entries about those bookings and the memberships of its own
partners are deleted, and its monitoring records cut loose (privacy.scope says whose each row is).
Opt-outs, linked chats and the lists of national partners are the person's: they stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from privacy import scope
from privacy.erasure import delete_where, delink, ids_of
from privacy.repository import BOOKING, citizen_messages, staff_notices_about
from store.models import (
    AuditEvent,
    Booking,
    Contact,
    Conversation,
    FollowUp,
    InboxItem,
    Invitation,
    Membership,
    Message,
    MonitoringRecord,
    ProviderCallback,
    Reminder,
)


def own_booking_ids(*, session: Session, contact: Contact, municipality_id: int) -> list[int]:
    """The citizen's bookings made in this municipality's conversations."""
    return ids_of(
        session,
        select(col(Booking.id)).where(
            col(Booking.contact_id) == contact.id, scope.bookings_of(municipality_id)
        ),
    )


def erase_own_rows(
    *, session: Session, contact: Contact, addresses: Sequence[str], municipality_id: int
) -> dict[str, int]:
    """Delete what this municipality processed about the citizen; return counts by kind."""
    m = municipality_id
    conversations = ids_of(
        session,
        select(col(Conversation.id)).where(
            col(Conversation.contact_id) == contact.id, scope.conversations_of(m)
        ),
    )
    bookings = own_booking_ids(session=session, contact=contact, municipality_id=m)
    assert contact.id is not None
    said = and_(citizen_messages([contact.id], addresses), scope.messages_of(m, contact))
    notices = and_(staff_notices_about([contact]), scope.staff_of(m))
    in_its_conversations = col(Message.conversation_id).in_(conversations)
    messages = ids_of(
        session, select(col(Message.id)).where(or_(said, in_its_conversations, notices))
    )
    notice_count = len(ids_of(session, select(col(Message.id)).where(notices)))
    records = ids_of(
        session,
        select(col(MonitoringRecord.id)).where(col(MonitoringRecord.booking_id).in_(bookings)),
    )
    counts = {"monitoring_records_delinked": delink(session, records)}
    for name, model, condition in _steps(contact, m, conversations, bookings, messages):
        counts[name] = delete_where(session, model, condition)
    counts["messages"] -= notice_count
    counts["staff_notices"] = notice_count
    return counts


def _steps(
    contact: Contact,
    municipality_id: int,
    conversations: Sequence[int],
    bookings: Sequence[int],
    messages: Sequence[int],
) -> list[tuple[str, type[Any], Any]]:
    """What to delete, in an order no foreign key objects to."""
    return [
        ("provider_callbacks", ProviderCallback, col(ProviderCallback.message_id).in_(messages)),
        (
            "follow_ups",
            FollowUp,
            or_(
                col(FollowUp.booking_id).in_(bookings),
                col(FollowUp.conversation_id).in_(conversations),
            ),
        ),
        (
            "reminders",
            Reminder,
            or_(
                col(Reminder.booking_id).in_(bookings),
                col(Reminder.conversation_id).in_(conversations),
            ),
        ),
        (
            "invitations",
            Invitation,
            and_(col(Invitation.contact_id) == contact.id, scope.invitations_of(municipality_id)),
        ),
        (
            "inbox_items",
            InboxItem,
            or_(
                and_(
                    col(InboxItem.contact_id) == contact.id,
                    col(InboxItem.municipality_id) == municipality_id,
                ),
                col(InboxItem.conversation_id).in_(conversations),
                col(InboxItem.booking_id).in_(bookings),
            ),
        ),
        ("messages", Message, col(Message.id).in_(messages)),
        ("bookings", Booking, col(Booking.id).in_(bookings)),
        ("conversations", Conversation, col(Conversation.id).in_(conversations)),
        (
            "memberships",
            Membership,
            and_(
                col(Membership.contact_id) == contact.id,
                scope.own_memberships(municipality_id),
            ),
        ),
        (
            "audit_entries",
            AuditEvent,
            and_(col(AuditEvent.subject_type) == BOOKING, col(AuditEvent.subject_id).in_(bookings)),
        ),
    ]
