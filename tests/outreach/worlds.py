"""Small campaign worlds on top of tests.factories."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from outreach.contacts import validating
from store.models import CampaignBlackout
from tests.factories import MONDAY, World, add_contact, make_world


def world_with_members(
    session: Session, *, members: int, now: datetime = MONDAY, **campaign: object
) -> World:
    """The factory world with `members` people aged 50 on its partner's list."""
    world = make_world(session, now=now)
    for name, value in campaign.items():
        setattr(world.campaign, name, value)
    for n in range(members):
        add_contact(session, world, phone=f"+4521{n:06d}", name=f"Person{n} Jensen")
    session.flush()
    return world


def add_blackout(session: Session, world: World, first: date, last: date) -> None:
    assert world.campaign.id is not None
    session.add(CampaignBlackout(campaign_id=world.campaign.id, first_day=first, last_day=last))
    session.flush()


def recorded_pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of each pool a member import starts (outreach.contacts.validating)."""
    pools: list[int] = []

    class Recorded(ProcessPoolExecutor):
        def __init__(self, *, max_workers: int, **options: Any) -> None:
            pools.append(max_workers)
            super().__init__(max_workers=max_workers, **options)

    monkeypatch.setattr(validating, "ProcessPoolExecutor", Recorded)
    return pools
