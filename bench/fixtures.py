"""Worlds and bulk rows for the bench: the real small world, then many rows loaded raw."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, Table
from sqlmodel import Session, SQLModel

from bot.types import ConversationState
from core.calendar import COPENHAGEN, local
from store.models import Campaign
from tests.factories import World, make_world

# A Monday at 10:00 in Copenhagen: inside every window, so scheduled work is due and sendable.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=COPENHAGEN).astimezone(UTC)
TODAY = local(NOW).date()
INVITED = ConversationState().to_json()  # the state after an invitation went out
REMINDER_TEXT = (
    "Hej! Vi har sendt dig en invitation til et gratis sundhedstjek hos Roskilde Kommune. "
    "Svar JA for at få tider, eller NEJ, hvis du ikke ønsker det. Skriv STOP for at afmelde."
)


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


@dataclass(frozen=True)
class BenchWorld:
    """The small world's ids the bulk rows refer to."""

    municipality_id: int
    other_municipality_id: int
    partner_id: int
    campaign_id: int


def small_world(
    engine: Engine, *, channel: str = "console", slot_days: int = 10, staff_phone: str | None = None
) -> BenchWorld:
    """Roskilde, a union, staff, slots and a draft campaign, through the tests' real factory.

    With `staff_phone` the staff member gets notices by SMS, as staff do in production; without
    it a notice reaches nobody and opens an "undelivered" item in the inbox.
    """
    with Session(engine, expire_on_commit=False) as session:
        world: World = make_world(session, now=NOW, slot_days=slot_days)
        if staff_phone:
            world.staff.phone = staff_phone
        campaign: Campaign = world.campaign
        campaign.channel = channel
        session.commit()
    ids = (world.municipality.id, world.other_municipality.id, world.partner.id, campaign.id)
    assert all(i is not None for i in ids)
    return BenchWorld(*(int(i or 0) for i in ids))


def phone(index: int) -> str:
    """A valid Danish mobile number for the index-th contact (+45 20 00 00 00 onwards)."""
    return f"+45{20_000_000 + index}"


def birth_date_in_band(index: int) -> date:
    """Aged 41 to 59 on TODAY, spread over the band."""
    return date(TODAY.year - 59, 1, 1) + timedelta(days=(index * 37) % (18 * 365))


def contact_rows(*, count: int, world: BenchWorld, first: int = 1) -> Iterator[tuple[object, ...]]:
    """Contacts in the campaign's municipality and age band."""
    for index in range(first, first + count):
        yield (
            index,
            f"c-bench{index:09d}",
            "Anne Jensen",
            phone(index),
            birth_date_in_band(index),
            world.municipality_id,
            "da",
            NOW,
            NOW,
        )


CONTACT_COLUMNS = (
    "id", "public_id", "name", "phone", "birth_date", "municipality_id", "language",
    "created_at", "updated_at",
)  # fmt: skip


def add_contacts(engine: Engine, *, count: int, world: BenchWorld, first: int = 1) -> None:
    """Load `count` contacts, each on the world's partner's list."""
    from bench.databases import bulk_insert

    bulk_insert(
        engine, table("contact"), contact_rows(count=count, world=world, first=first),
        CONTACT_COLUMNS,
    )  # fmt: skip
    bulk_insert(
        engine,
        table("membership"),
        ((i, world.partner_id, NOW) for i in range(first, first + count)),
        ("contact_id", "partner_id", "created_at"),
    )


def add_invited_conversations(
    engine: Engine, *, count: int, world: BenchWorld, channel: str
) -> None:
    """Open one conversation per contact 1..count, each waiting for the answer to its invitation."""
    from bench.databases import bulk_insert

    bulk_insert(
        engine,
        table("conversation"),
        (
            (i, i, world.campaign_id, channel, INVITED, "open", NOW - timedelta(days=4))
            for i in range(1, count + 1)
        ),
        ("id", "contact_id", "campaign_id", "channel", "state", "status", "created_at"),
    )


def mark_campaign_running(engine: Engine, *, world: BenchWorld) -> None:
    """Set the campaign running, as a launch would have."""
    with Session(engine) as session:
        campaign = session.get_one(Campaign, world.campaign_id)
        campaign.status = "running"
        campaign.launched_at = NOW - timedelta(days=4)
        session.commit()
