"""Row 2: launch a campaign to 100,000 contacts (targeting, one invitation row each).

Reference: one hand-written INSERT … SELECT with the same targeting, run first and rolled back,
so both see the same rows and a warm cache.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from bench.databases import analyze, bulk_insert, fresh_database
from bench.figures import Figure, Target
from bench.fixtures import NOW, BenchWorld, add_contacts, small_world, table
from core.calendar import SendWindow
from outreach.campaigns import launch
from outreach.caps import CampaignCaps
from store.db import make_engine
from store.models import Campaign

TARGET = Target(text="≤ 2× the reference", bound=2.0, better="lower")
# Around the targeted contacts: members who are out of band, elsewhere, or opted out.
NOISE_SHARE = 0.1
# The bench launches one campaign far above the default caps on purpose; the caps are still
# checked (the pricing pass is part of what a launch costs), just set out of the way.
NO_CAPS = CampaignCaps(max_recipients=10**9, max_cost_dkk=float("inf"))

REFERENCE = """
INSERT INTO invitation (campaign_id, contact_id, position, status)
SELECT :campaign_id, c.id, row_number() OVER (ORDER BY c.id) - 1, 'pending'
FROM contact c
WHERE EXISTS (SELECT 1 FROM membership m WHERE m.contact_id = c.id
        AND (m.partner_id = :partner_id OR m.partner_id IN
            (SELECT partner_id FROM campaign_partner WHERE campaign_id = :campaign_id)))
  AND (c.municipality_id = :municipality_id OR c.municipality_id IS NULL)
  AND c.birth_date >= :oldest AND c.birth_date <= :youngest
  AND NOT EXISTS (SELECT 1 FROM opt_out o WHERE (o.contact_id = c.id OR o.address = c.phone)
        AND o.revoked_at IS NULL AND o.channel IS NULL)
  AND NOT EXISTS (SELECT 1 FROM conversation v WHERE v.contact_id = c.id AND v.status = 'open')
  AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.contact_id = c.id
        AND b.status IN ('booked', 'attended', 'no_show'))
  AND NOT EXISTS (SELECT 1 FROM invitation i WHERE i.contact_id = c.id
        AND (i.status IN ('pending', 'scheduled') OR (i.status = 'done' AND i.done_at >= :recent)))
"""


def run(*, backend: str, size: int, workdir: Path) -> list[Figure]:
    """Launch to `size` targeted contacts among some that are not."""
    with fresh_database(backend, workdir=workdir) as url:
        engine = make_engine(url)
        world = small_world(engine)
        _members(engine, world=world, size=size)
        reference = _reference(engine, world=world)
        seconds, invited = _launch(engine, world=world)
        engine.dispose()
    return [
        Figure(
            row="launch",
            backend=backend,
            what=f"launch a campaign to {size:,} contacts (targeting + invitation rows)",
            figure=seconds,
            unit="s",
            reference=reference,
            reference_what="one hand-written INSERT … SELECT",
            target=TARGET,
            details={"invitations": invited},
        )
    ]


def _members(engine: Engine, *, world: BenchWorld, size: int) -> None:
    add_contacts(engine, count=size, world=world)
    noise = max(1, int(size * NOISE_SHARE))
    add_contacts(engine, count=noise, world=world, first=size + 1)
    with engine.begin() as connection:
        # The noise: a third too old, a third in Lejre, a third opted out.
        third = noise // 3
        connection.execute(
            text("UPDATE contact SET birth_date = :old WHERE id > :a AND id <= :b"),
            {"old": NOW.date() - timedelta(days=70 * 365), "a": size, "b": size + third},
        )
        connection.execute(
            text("UPDATE contact SET municipality_id = :m WHERE id > :a AND id <= :b"),
            {"m": world.other_municipality_id, "a": size + third, "b": size + 2 * third},
        )
    bulk_insert(
        engine,
        table("opt_out"),
        (
            (i, f"+45{20_000_000 + i}", "keyword", NOW)
            for i in range(size + 2 * third + 1, size + noise + 1)
        ),
        ("contact_id", "address", "source", "created_at"),
    )
    analyze(engine)


def _parameters(campaign: Campaign) -> dict[str, object]:
    from outreach.targeting import years_before

    send_date = NOW.date()  # a Monday inside the window: the first send date is today
    return {
        "campaign_id": campaign.id,
        "partner_id": campaign.partner_id,
        "municipality_id": campaign.municipality_id,
        "oldest": years_before(send_date, campaign.age_max + 1) + timedelta(days=1),
        "youngest": years_before(send_date, campaign.age_min),
        "recent": NOW - timedelta(days=campaign.reinvite_after_days),
    }


def _reference(engine: Engine, *, world: BenchWorld) -> float:
    with Session(engine) as session:
        parameters = _parameters(session.get_one(Campaign, world.campaign_id))
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM contact")).scalar_one()  # warm the cache
        connection.rollback()
        start = time.perf_counter()
        connection.execute(text(REFERENCE), parameters)
        seconds = time.perf_counter() - start
        connection.rollback()
    return seconds


def _launch(engine: Engine, *, world: BenchWorld) -> tuple[float, int]:
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        campaign = session.get_one(Campaign, world.campaign_id)
        result = launch(
            session=session, campaign=campaign, now=NOW, window=SendWindow(), caps=NO_CAPS
        )
        session.commit()
    return time.perf_counter() - start, result.invitations
