"""Load what the engine needs to know about one conversation from the store.

What every step reads (who writes, the age band, the municipalities, the invitation) comes with
the campaign in one query. What only some steps read (free slots, places, the booking, whether
a callback can be promised, the partner whose list the citizen is on) is loaded the first time
the engine reads it: a "ja" at the invitation never searches for free slots, choosing a time
offered reads only the times of that offer, and only a question about where the number came
from looks up the partner. The engine still sees a plain `Context`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlmodel import Session

from booking.directory import list_locations
from booking.slots import (
    FreeSlot,
    earliest_bookable,
    free_slots,
    free_slots_where,
    offered_slots,
)
from bot.fit import matches
from bot.types import Context, Place, SlotOffer, SlotWish, TelegramInvite
from core.calendar import SendWindow
from outreach.variants import invitation_template, variant_in_use
from store import conversations, inbox
from store.conversations import StepRow
from store.models import Campaign, Contact, Conversation, Location, Partner, Slot
from store.partners import partner_of

# How many free slots the engine gets: three per offer, a few pages of "more".
SLOTS_LOADED = 12
# The facts `StoreContext` loads only when the engine reads them.
LAZY_FACTS = (
    "free_slots",
    "wished_slots",
    "offered",
    "locations",
    "places",
    "booking",
    "callback_promise",
    "partner",
)


def slot_offer(slot: Slot, location: Location) -> SlotOffer:
    """Describe a slot for the engine."""
    assert slot.id is not None
    return SlotOffer(
        slot_id=slot.id,
        starts_at=slot.starts_at,
        duration_min=slot.duration_min,
        location_name=location.name,
        address=location.address,
        kind=location.kind,
    )


@dataclass
class _Store:
    """Where a `StoreContext` reads its lazy facts from, for one step."""

    session: Session
    conversation_id: int
    municipality_id: int
    contact_id: int
    campaign_id: int
    now: datetime
    window: SendWindow
    wish: Callable[[], SlotWish | None]
    offered_ids: tuple[int, ...] = ()  # the slots of the current offer, numbered 1..n
    # The slots read for the engine, held for the step: booking one finds it in the session.
    held: list[FreeSlot] = field(default_factory=list)

    @cached_property
    def after(self) -> datetime:
        return max(self.now, earliest_bookable(now=self.now, window=self.window))

    @cached_property
    def booked(self) -> conversations.BookedSlot | None:
        return conversations.active_booked_slot(
            session=self.session, conversation_id=self.conversation_id
        )


class StoreContext(Context):
    """A `Context` whose costly facts (LAZY_FACTS) are read from the store on first use.

    They are read in the step's transaction, before any effect is applied, as they were when
    they were all read up front; an engine that never reads them never pays for them.
    """

    _store: _Store

    @classmethod
    def loading(cls, store: _Store, **known: Any) -> StoreContext:
        """Build a context from the facts known now; the lazy ones come from `store`."""
        ctx = cls(**known)
        object.__setattr__(ctx, "_store", store)
        for name in LAZY_FACTS:  # the dataclass set their defaults: read them afresh instead
            ctx.__dict__.pop(name, None)
        return ctx

    @cached_property
    def free_slots(self) -> tuple[SlotOffer, ...]:
        found = free_slots(
            session=self._store.session,
            municipality_id=self._store.municipality_id,
            after=self._store.after,
            limit=SLOTS_LOADED,
        )
        self._store.held.extend(found)
        return tuple(slot_offer(free.slot, free.location) for free in found)

    @cached_property
    def wished_slots(self) -> tuple[SlotOffer, ...]:
        """Free slots that fit the wish, so "uge 51" finds times beyond the nearest dozen."""
        wish = self._store.wish()
        if wish is None:
            return ()
        found: list[FreeSlot] = free_slots_where(
            session=self._store.session,
            municipality_id=self._store.municipality_id,
            after=self._store.after,
            keep=lambda free: matches(wish, slot_offer(free.slot, free.location)),
            limit=SLOTS_LOADED,
        )
        self._store.held.extend(found)
        return tuple(slot_offer(free.slot, free.location) for free in found)

    @cached_property
    def offered(self) -> tuple[SlotOffer, ...]:
        """The slots of the current offer still free: choosing one reads no others."""
        found = offered_slots(
            session=self._store.session,
            municipality_id=self._store.municipality_id,
            after=self._store.after,
            slot_ids=self._store.offered_ids,
        )
        self._store.held.extend(found)
        return tuple(slot_offer(free.slot, free.location) for free in found)

    @cached_property
    def locations(self) -> tuple[str, ...]:
        places = list_locations(
            session=self._store.session, municipality_id=self._store.municipality_id
        )
        return tuple(location.name for location in places)

    @cached_property
    def places(self) -> tuple[Place, ...]:
        """The places in use (not retired), to say where the conversations are held."""
        found = list_locations(
            session=self._store.session, municipality_id=self._store.municipality_id
        )
        return tuple(
            Place(name=location.name, address=location.address)
            for location in found
            if location.retired_at is None
        )

    @cached_property
    def partner(self) -> str | None:
        """The partner whose list the citizen is on (the one they are credited to)."""
        partner_id = partner_of(
            session=self._store.session,
            contact_id=self._store.contact_id,
            campaign_id=self._store.campaign_id,
        )
        found = self._store.session.get(Partner, partner_id)
        return None if found is None else found.name

    @cached_property
    def booking(self) -> SlotOffer | None:
        booked = self._store.booked
        return None if booked is None else slot_offer(booked.slot, booked.location)

    @cached_property
    def callback_promise(self) -> bool:
        """A callback's taker gets the notice on a device: their booking's staff, else on duty."""
        booked = self._store.booked
        taker = (
            booked.staff
            if booked is not None
            else conversations.staff_on_duty(
                session=self._store.session, municipality_id=self._store.municipality_id
            )
        )
        return taker is not None and inbox.is_reachable(taker)


def build_context(
    *,
    session: Session,
    conversation: Conversation,
    contact: Contact,
    campaign: Campaign,
    facts: StepRow,
    now: datetime,
    window: SendWindow,
    wish: Callable[[], SlotWish | None] = lambda: None,
    telegram: TelegramInvite | None = None,
    wrote_first: bool = False,
    offered_slot_ids: tuple[int, ...] = (),
) -> Context:
    """Gather the facts one step may need; `wish` is what the citizen may be asking for now.

    The engine decides which slots fit and what to offer; the context only makes sure that
    slots fitting the wish are among those it can choose from, not just the nearest dozen.
    `facts` is the campaign's row with the names and the invitation's variant (`step_row`);
    `offered_slot_ids`, the slots of the offer the citizen may be answering.
    """
    assert conversation.id is not None and contact.id is not None and campaign.id is not None
    store = _Store(
        session=session,
        conversation_id=conversation.id,
        municipality_id=campaign.municipality_id,
        contact_id=contact.id,
        campaign_id=campaign.id,
        now=now,
        window=window,
        wish=wish,
        offered_ids=offered_slot_ids,
    )
    return StoreContext.loading(
        store,
        sender=campaign.sender,
        first_name=contact.name.split()[0] if contact.name.strip() else None,
        birth_date=contact.birth_date,
        age_min=campaign.age_min,
        age_max=campaign.age_max,
        municipality=facts.home_name,
        target_municipality=facts.target_name,
        closed_at=conversation.closed_at,
        phone_number=campaign.help_phone,
        # The variant's or campaign's own invitation in the contact's language; None: the flow's.
        invitation_template=invitation_template(
            campaign=campaign,
            variant=variant_in_use(campaign=campaign, variant=facts.variant),
            lang="en" if contact.language == "en" else "da",
        ),
        telegram=telegram,
        wrote_first=wrote_first,
    )
