"""What one municipality processed about a citizen: the line a shared citizen's data never crosses.

A citizen on two municipalities' lists is one contact (one phone, one pseudonym) with processing
per municipality (docs/privacy.md, "A citizen shared by two municipalities"). Each condition here
selects the rows of one kind that a municipality processed; `municipality_id=None` (a national
key, a command on the server) selects them all.

- invitations and conversations (the screening answers): the campaign's municipality;
- messages: the conversation's campaign's municipality; a message outside any conversation (a
  text from the number before it was on a list, a reply to no conversation) belongs to the
  municipality the citizen lives in;
- notices to staff: the staff member's municipality;
- bookings, and their follow-ups, reminders and monitoring records: the booking's conversation's
  campaign's municipality;
- memberships: the partner's municipality; a national partner's list is shared, like the contact;
- audit entries: an entry made by another municipality's key, or about another municipality's
  booking, is that municipality's (privacy.service filters those).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlmodel import col

from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    Invitation,
    Membership,
    Message,
    Partner,
    StaffMember,
)


def _campaigns_of(municipality_id: int) -> ColumnElement[bool]:
    return col(Campaign.municipality_id) == municipality_id


def conversations_of(municipality_id: int | None) -> ColumnElement[bool]:
    """The conversations of the municipality's campaigns."""
    if municipality_id is None:
        return true()
    ids = select(col(Campaign.id)).where(_campaigns_of(municipality_id))
    return col(Conversation.campaign_id).in_(ids)


def invitations_of(municipality_id: int | None) -> ColumnElement[bool]:
    """The invitations of the municipality's campaigns."""
    if municipality_id is None:
        return true()
    ids = select(col(Campaign.id)).where(_campaigns_of(municipality_id))
    return col(Invitation.campaign_id).in_(ids)


def messages_of(municipality_id: int | None, contact: Contact) -> ColumnElement[bool]:
    """The messages of the municipality's conversations, and those outside any if it is home."""
    if municipality_id is None:
        return true()
    in_its_conversations = col(Message.conversation_id).in_(
        select(col(Conversation.id)).where(conversations_of(municipality_id))
    )
    if contact.municipality_id != municipality_id:
        return in_its_conversations
    return or_(in_its_conversations, col(Message.conversation_id).is_(None))


def staff_of(municipality_id: int | None) -> ColumnElement[bool]:
    """Notices to the municipality's staff."""
    if municipality_id is None:
        return true()
    staff = select(col(StaffMember.id)).where(col(StaffMember.municipality_id) == municipality_id)
    return col(Message.staff_member_id).in_(staff)


def bookings_of(municipality_id: int | None) -> ColumnElement[bool]:
    """The bookings made in the municipality's conversations."""
    if municipality_id is None:
        return true()
    conversations = select(col(Conversation.id)).where(conversations_of(municipality_id))
    return col(Booking.conversation_id).in_(conversations)


def memberships_of(municipality_id: int | None) -> ColumnElement[bool]:
    """Memberships of the municipality's partners and of national partners."""
    if municipality_id is None:
        return true()
    partners = select(col(Partner.id)).where(
        or_(col(Partner.municipality_id) == municipality_id, col(Partner.municipality_id).is_(None))
    )
    return col(Membership.partner_id).in_(partners)


def own_memberships(municipality_id: int) -> ColumnElement[bool]:
    """Memberships of the municipality's own partners (a scoped erasure removes only those)."""
    partners = select(col(Partner.id)).where(col(Partner.municipality_id) == municipality_id)
    return col(Membership.partner_id).in_(partners)


def held_elsewhere(contact: Contact, municipality_id: int) -> ColumnElement[bool]:
    """True when another municipality processed the citizen, or has them on a partner's list.

    Where the citizen lives alone does not count: a list's address is not processing.
    """
    elsewhere = and_(
        col(Campaign.municipality_id) != municipality_id,
        or_(
            exists().where(
                col(Invitation.campaign_id) == col(Campaign.id),
                col(Invitation.contact_id) == contact.id,
            ),
            exists().where(
                col(Conversation.campaign_id) == col(Campaign.id),
                col(Conversation.contact_id) == contact.id,
            ),
        ),
    )
    other_lists = exists().where(
        col(Membership.contact_id) == contact.id,
        col(Partner.id) == col(Membership.partner_id),
        col(Partner.municipality_id).is_not(None),
        col(Partner.municipality_id) != municipality_id,
    )
    return or_(exists().where(elsewhere), other_lists)
