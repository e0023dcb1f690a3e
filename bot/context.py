"""Load what the engine needs to know about one conversation from the store."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from booking.slots import FreeSlot, earliest_bookable, free_slots
from bot.types import Context, SlotOffer
from scheduler.window import SendWindow
from store import conversations
from store.models import Campaign, Contact, Conversation, Location, Municipality, Slot

# How many free slots the engine gets: three per offer, a few pages of "more".
SLOTS_LOADED = 12


def slot_offer(slot: Slot, location: Location) -> SlotOffer:
    """Describe a slot for the engine."""
    assert slot.id is not None
    return SlotOffer(
        slot_id=slot.id,
        starts_at=slot.starts_at,
        duration_min=slot.duration_min,
        location_name=location.name,
        address=location.address,
    )


def build_context(
    *,
    session: Session,
    conversation: Conversation,
    contact: Contact,
    campaign: Campaign,
    now: datetime,
    window: SendWindow,
) -> Context:
    """Gather the facts one step may need."""
    assert conversation.id is not None
    target = session.get_one(Municipality, campaign.municipality_id)
    home = session.get(Municipality, contact.municipality_id) if contact.municipality_id else None
    offers: list[FreeSlot] = list(
        free_slots(
            session=session,
            municipality_id=campaign.municipality_id,
            after=max(now, earliest_bookable(now=now, window=window)),
            limit=SLOTS_LOADED,
        )
    )
    booking = conversations.active_booking(session=session, conversation_id=conversation.id)
    booked: SlotOffer | None = None
    if booking is not None:
        slot = session.get_one(Slot, booking.slot_id)
        booked = slot_offer(slot, session.get_one(Location, slot.location_id))
    return Context(
        sender=campaign.sender,
        first_name=contact.name.split()[0] if contact.name.strip() else None,
        birth_date=contact.birth_date,
        age_min=campaign.age_min,
        age_max=campaign.age_max,
        municipality=home.name if home else None,
        target_municipality=target.name,
        free_slots=tuple(slot_offer(free.slot, free.location) for free in offers),
        booking=booked,
        phone_number=campaign.help_phone,
        # The campaign's own invitation in the contact's language; None: the flow's default.
        invitation_template=(
            campaign.template_en if contact.language == "en" else campaign.template_da
        ),
    )
