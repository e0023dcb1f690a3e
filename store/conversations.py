"""Contacts and their conversations: the lookups the dialogue needs."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import Booking, Contact, Conversation, StaffMember
from store.types import ACTIVE_BOOKING_STATUSES, ConversationStatus


def contact_by_phone(*, session: Session, phone: str) -> Contact | None:
    """Find a contact by E.164 phone number."""
    return session.scalars(select(Contact).where(col(Contact.phone) == phone)).first()


def current_conversation(*, session: Session, contact_id: int) -> Conversation | None:
    """Return the open conversation, or else the latest closed one."""
    return session.scalars(
        select(Conversation)
        .where(col(Conversation.contact_id) == contact_id)
        .order_by(
            (col(Conversation.status) == ConversationStatus.OPEN).desc(),
            col(Conversation.created_at).desc(),
            col(Conversation.id).desc(),
        )
        .limit(1)
    ).first()


def lock(*, session: Session, conversation_id: int) -> Conversation:
    """Take the conversation's row lock and read it afresh: one dialogue step at a time.

    Two messages from one citizen handled at the same moment would otherwise both step from
    the same state, and one step would be lost (PostgreSQL; SQLite's write lock serialises).
    """
    return session.get_one(
        Conversation, conversation_id, with_for_update=True, populate_existing=True
    )


def active_booking(*, session: Session, conversation_id: int) -> Booking | None:
    """Return the booking that holds a slot in this conversation, if any."""
    return session.scalars(
        select(Booking)
        .where(
            col(Booking.conversation_id) == conversation_id,
            col(Booking.status).in_(ACTIVE_BOOKING_STATUSES),
        )
        .order_by(col(Booking.id).desc())
    ).first()


def staff_on_duty(*, session: Session, municipality_id: int) -> StaffMember | None:
    """Return the staff member who takes requests that are not about a booked slot."""
    return session.scalars(
        select(StaffMember)
        .where(col(StaffMember.municipality_id) == municipality_id)
        .order_by(col(StaffMember.id))
    ).first()
