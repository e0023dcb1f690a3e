"""The wish a place on the waitlist waits for, and which free times fit it.

The wish is the citizen's own (`bot.types.SlotWish`), stored as JSON with the place; a free
time fits it as it fits an offer (`bot.fit.matches`): day, week, time of day and place, the
location's kind included.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session

from booking.slots import free_slots, free_slots_where
from bot.fit import matches
from bot.types import SlotOffer, SlotWish
from store.models import WaitlistEntry

# The nearest free times matched against the places' wishes on each run of the job.
MAX_FREE_LOOKED_AT = 200


def stored(wish: SlotWish | None) -> str | None:
    """Write a wish as the place stores it (None: any time)."""
    return None if wish is None else json.dumps(asdict(wish), sort_keys=True)


def of(entry: WaitlistEntry) -> SlotWish | None:
    """Read back the wish the place waits for (None: any time)."""
    return None if entry.wish is None else SlotWish.from_dict(json.loads(entry.wish))


def free_times(*, session: Session, municipality_id: int, after: datetime) -> list[SlotOffer]:
    """The nearest free times of the municipality, as a wish is matched against them."""
    found = free_slots(
        session=session, municipality_id=municipality_id, after=after, limit=MAX_FREE_LOOKED_AT
    )
    return [free.offer() for free in found]


def claim(unclaimed: dict[int, SlotOffer], wish: SlotWish | None) -> bool:
    """Take the nearest unclaimed time that fits the wish; say whether there was one."""
    for slot_id, slot in unclaimed.items():
        if matches(wish, slot):
            del unclaimed[slot_id]
            return True
    return False


def fits_any(
    *,
    session: Session,
    municipality_id: int,
    after: datetime,
    wish: SlotWish | None,
    nearest: Sequence[SlotOffer],
) -> bool:
    """Say whether any free time fits the wish: among the nearest, else further on."""
    if any(matches(wish, slot) for slot in nearest):
        return True
    if len(nearest) < MAX_FREE_LOOKED_AT:
        return False  # the nearest are all there is
    further = free_slots_where(
        session=session,
        municipality_id=municipality_id,
        after=after,
        keep=lambda free: matches(wish, free.offer()),
        limit=1,
    )
    return bool(further)
