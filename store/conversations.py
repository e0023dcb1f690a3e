"""Contacts and their conversations: the lookups the dialogue needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from store import inbox
from store.booking_models import HOLDS_PLACE
from store.models import (
    Booking,
    Campaign,
    CampaignVariant,
    Contact,
    Conversation,
    Invitation,
    Location,
    Municipality,
    Slot,
    StaffMember,
    WaitlistEntry,
)
from store.types import ConversationStatus, holds_slot, written_out

# Built once per process (every inbound message runs them): each run only binds its values.
_CONTACT_BY_PHONE = select(Contact).where(col(Contact.phone) == bindparam("phone"))
_CURRENT_FIRST = (
    written_out(col(Conversation.status), ConversationStatus.OPEN).desc(),
    col(Conversation.created_at).desc(),
    col(Conversation.id).desc(),
)
_CURRENT_CONVERSATION = (
    select(Conversation)
    .where(col(Conversation.contact_id) == bindparam("contact_id"))
    .order_by(*_CURRENT_FIRST)
    .limit(1)
)


def contact_by_phone(*, session: Session, phone: str) -> Contact | None:
    """Find a contact by E.164 phone number."""
    return session.scalars(_CONTACT_BY_PHONE, {"phone": phone}).first()


def current_conversation(*, session: Session, contact_id: int) -> Conversation | None:
    """Return the open conversation, or else the latest closed one."""
    return session.scalars(_CURRENT_CONVERSATION, {"contact_id": contact_id}).first()


def lock(*, session: Session, conversation_id: int) -> Conversation:
    """Take the conversation's row lock and read it afresh: one dialogue step at a time.

    Two messages from one citizen handled at the same moment would otherwise both step from
    the same state, and one step would be lost (PostgreSQL; SQLite's write lock serialises).
    """
    return session.get_one(
        Conversation, conversation_id, with_for_update=True, populate_existing=True
    )


@dataclass(frozen=True)
class LockedStep:
    """A citizen's current conversation, locked, with all else a dialogue step reads first."""

    contact: Contact
    conversation: Conversation
    facts: StepRow  # of the conversation's campaign


def lock_current(*, session: Session, contact_id: int) -> LockedStep | None:
    """Return the current conversation (`current_conversation`) with its row lock (`lock`).

    With it come the contact and the step's facts (`step_row`): one query for the three.
    """
    return _locked_step(session, _LOCKED_STEP_BY_CONTACT, {"contact_id": contact_id})


def lock_current_by_phone(*, session: Session, phone: str) -> LockedStep | None:
    """Return `lock_current` of the contact with this phone number.

    One query for `contact_by_phone`, `current_conversation`, `lock` and `step_row`; None when
    the number has no contact, or the contact no conversation.
    """
    return _locked_step(session, _LOCKED_STEP_BY_PHONE, {"phone": phone})


def _locked_step(session: Session, statement: Any, values: dict[str, Any]) -> LockedStep | None:
    row = session.execute(statement, values).first()
    if row is None:
        return None
    contact, conversation, campaign, target_name, home_name, variant, waiting = row
    facts = StepRow(
        campaign=campaign,
        target_name=target_name,
        home_name=home_name,
        variant=variant,
        waiting=waiting,
    )
    return LockedStep(contact=contact, conversation=conversation, facts=facts)


def active_booking(*, session: Session, conversation_id: int) -> Booking | None:
    """Return the booking that holds a slot in this conversation, if any."""
    return session.scalars(
        select(Booking)
        .where(
            col(Booking.conversation_id) == conversation_id,
            holds_slot(col(Booking.status)),
        )
        .order_by(col(Booking.id).desc())
    ).first()


def staff_on_duty(*, session: Session, municipality_id: int) -> StaffMember | None:
    """Return the staff member who takes requests that are not about a booked slot.

    The first one a notice can reach (Telegram or SMS), else the first one at all.
    """
    members = session.scalars(
        select(StaffMember)
        .where(col(StaffMember.municipality_id) == municipality_id)
        .order_by(col(StaffMember.id))
    ).all()
    return next((m for m in members if inbox.is_reachable(m)), members[0] if members else None)


def callback_taker(
    *, session: Session, conversation_id: int, municipality_id: int
) -> StaffMember | None:
    """Return who gets a citizen's request: their booking's staff member, else the one on duty."""
    booking = active_booking(session=session, conversation_id=conversation_id)
    if booking is not None:
        slot = session.get_one(Slot, booking.slot_id)
        return session.get_one(StaffMember, slot.staff_member_id)
    return staff_on_duty(session=session, municipality_id=municipality_id)


def close_open_for_contact(
    *, session: Session, contact_id: int, reason: str, now: datetime
) -> None:
    """Close every open conversation of a contact, giving the reason."""
    session.execute(
        update(Conversation)
        .where(
            col(Conversation.contact_id) == contact_id,
            written_out(col(Conversation.status), ConversationStatus.OPEN),
        )
        .values(status=ConversationStatus.CLOSED, close_reason=reason, closed_at=now)
    )


# The statements one dialogue step runs, built once per process: each run only binds its values.
_HOME = aliased(Municipality)
# What `StepRow` holds: the campaign, its municipality's name, the contact's home municipality's
# name and the variant of the contact's invitation (`_with_step_facts` joins them).
_STEP_FACTS = (Campaign, col(Municipality.name), col(_HOME.name), CampaignVariant)


def _with_step_facts(query: Any, *, contact_id: Any, home_id: Any) -> Any:
    """Join `_STEP_FACTS` to a query that has the campaign, for this contact and home."""
    return (
        query.join(Municipality, col(Municipality.id) == col(Campaign.municipality_id))
        .outerjoin(_HOME, col(_HOME.id) == home_id)
        .outerjoin(
            Invitation,
            and_(
                col(Invitation.campaign_id) == col(Campaign.id),
                col(Invitation.contact_id) == contact_id,
            ),
        )
        .outerjoin(
            CampaignVariant,
            and_(
                col(CampaignVariant.campaign_id) == col(Campaign.id),
                col(CampaignVariant.key) == col(Invitation.variant),
            ),
        )
    )


_STEP_ROW = _with_step_facts(
    select(*_STEP_FACTS), contact_id=bindparam("contact_id"), home_id=bindparam("home_id")
).where(col(Campaign.id) == bindparam("campaign_id"))


def _locked_step_statement(where: Any) -> Any:
    """The current conversation of the contact `where` picks, locked, with `_STEP_ROW`'s facts."""
    # Whether the conversation holds a place on the waitlist: a booking ends it, and need not
    # look for one when it holds none.
    waiting = exists().where(
        col(WaitlistEntry.conversation_id) == col(Conversation.id), HOLDS_PLACE
    )
    query = (
        select(Contact, Conversation, *_STEP_FACTS, waiting.label("waiting"))
        .join(Conversation, col(Conversation.contact_id) == col(Contact.id))
        .join(Campaign, col(Campaign.id) == col(Conversation.campaign_id))
    )
    return (
        _with_step_facts(query, contact_id=col(Contact.id), home_id=col(Contact.municipality_id))
        .where(where)
        .order_by(*_CURRENT_FIRST)
        .limit(1)
        .with_for_update(of=Conversation)
        .execution_options(populate_existing=True)  # the conversation read afresh (`lock`)
    )


_LOCKED_STEP_BY_PHONE = _locked_step_statement(col(Contact.phone) == bindparam("phone"))
_LOCKED_STEP_BY_CONTACT = _locked_step_statement(col(Contact.id) == bindparam("contact_id"))
_BOOKED_SLOT = (
    select(Booking, Slot, Location, StaffMember)
    .join(Slot, col(Slot.id) == col(Booking.slot_id))
    .join(Location, col(Location.id) == col(Slot.location_id))
    .join(StaffMember, col(StaffMember.id) == col(Slot.staff_member_id))
    .where(
        col(Booking.conversation_id) == bindparam("conversation_id"),
        holds_slot(col(Booking.status)),
    )
    .order_by(col(Booking.id).desc())
    .limit(1)
)


@dataclass(frozen=True)
class StepRow:
    """What every dialogue step reads besides the conversation and the contact."""

    campaign: Campaign
    target_name: str  # the campaign's municipality
    home_name: str | None  # the contact's municipality of residence, when known
    variant: CampaignVariant | None  # the variant the contact's invitation was assigned, if any
    # Whether the conversation holds a place on the waitlist; None: not read (`step_row`).
    waiting: bool | None = None


def step_row(
    *, session: Session, campaign_id: int, contact_id: int, home_id: int | None
) -> StepRow:
    """Read the campaign, both municipalities' names and the invitation's variant at once."""
    row = session.execute(
        _STEP_ROW, {"campaign_id": campaign_id, "contact_id": contact_id, "home_id": home_id}
    ).one()
    campaign, target_name, home_name, variant = row
    return StepRow(campaign=campaign, target_name=target_name, home_name=home_name, variant=variant)


@dataclass(frozen=True)
class BookedSlot:
    """The booking that holds a slot in a conversation, with its slot, place and staff member."""

    booking: Booking
    slot: Slot
    location: Location
    staff: StaffMember


def active_booked_slot(*, session: Session, conversation_id: int) -> BookedSlot | None:
    """Return the active booking with its slot, place and staff member (`active_booking`)."""
    row = session.execute(_BOOKED_SLOT, {"conversation_id": conversation_id}).first()
    if row is None:
        return None
    booking, slot, location, staff = row
    return BookedSlot(booking=booking, slot=slot, location=location, staff=staff)
