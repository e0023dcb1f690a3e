"""Assign each invitation of an experiment to a variant: random, reproducible, stratified.

At launch every queued invitation gets a variant by permuted blocks within strata: the strata
are what targeting knows about a person (age band on the send date, municipality, and the
partner the person is credited to, store.partners), and within a stratum, in release order,
each block of k invitations holds each of the k variants once, in an order drawn from the
campaign's seed. So every stratum is balanced to within one at
any point of the release, whatever share of the list is sent, and the same seed and list give
the same assignment. The variant is stored on the invitation row.

Stopping a variant reassigns its invitations not yet sent, the same way, among the variants
still running; what was sent stays as it was assigned (the readout is by assigned variant).
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from datetime import date, datetime

import structlog
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from core.calendar import age_on
from outreach.errors import CampaignInputError, CampaignStateError
from outreach.schemas import SEED_MAX
from outreach.variants import active_keys, variants_of
from store.models import Campaign, Contact, Invitation
from store.partners import credited_partner
from store.types import CampaignStatus, DueStatus

log = structlog.get_logger(__name__)

AGE_BAND_YEARS = 5  # 40-44, 45-49, 50-54, 55-59, 60: the strata's age bands
Stratum = tuple[Hashable, ...]


def permuted_blocks(
    units: Iterable[tuple[Stratum, int]], *, keys: Sequence[str], seed: int, label: str = ""
) -> dict[int, str]:
    """Assign each unit (stratum, id), in the order given, a key by permuted blocks per stratum.

    `label` separates independent draws from one seed (launch, each stop).
    """
    if not keys:
        raise ValueError("at least one variant is needed")
    by_stratum: dict[Stratum, list[int]] = defaultdict(list)
    for stratum, unit in units:
        by_stratum[stratum].append(unit)
    assigned: dict[int, str] = {}
    for stratum, ids in by_stratum.items():
        # A string seed is hashed with SHA-512 by `random`: the same on every run and machine.
        rng = random.Random(f"{seed}:{label}:{stratum!r}")
        block: list[str] = []
        for unit in ids:
            if not block:
                block = list(keys)
                rng.shuffle(block)
            assigned[unit] = block.pop()
    return assigned


def age_band(*, birth_date: date | None, send_date: date, age_min: int) -> int | None:
    """Return the person's age band on the send date (0 for the youngest), None if unknown."""
    if birth_date is None:
        return None
    return max(0, age_on(birth_date, send_date) - age_min) // AGE_BAND_YEARS


def _units(
    *, session: Session, campaign: Campaign, send_date: date, variant: str | None
) -> list[tuple[Stratum, int]]:
    """Return the campaign's unsent invitations (of one variant) with their strata, in order."""
    # The partner stored at launch; the same rule for a row that has none (store.partners).
    partner = func.coalesce(
        col(Invitation.partner_id),
        credited_partner(contact_id=col(Invitation.contact_id), campaign_id=campaign.id or 0),
    )
    query = (
        select(
            col(Invitation.id),
            col(Contact.birth_date),
            col(Contact.municipality_id),
            partner,
        )
        .join(Contact, col(Contact.id) == col(Invitation.contact_id))
        .where(
            col(Invitation.campaign_id) == campaign.id,
            col(Invitation.status).in_((DueStatus.PENDING, DueStatus.SCHEDULED)),
        )
        .order_by(col(Invitation.position), col(Invitation.id))
    )
    if variant is not None:
        query = query.where(col(Invitation.variant) == variant)
    units: list[tuple[Stratum, int]] = []
    for invitation_id, born, municipality_id, partner_id in session.execute(query).all():
        band = age_band(birth_date=born, send_date=send_date, age_min=campaign.age_min)
        units.append(((band, municipality_id, partner_id), int(invitation_id)))
    return units


def _store(*, session: Session, assigned: dict[int, str]) -> None:
    if assigned:
        session.execute(
            update(Invitation), [{"id": i, "variant": key} for i, key in assigned.items()]
        )


def assign_at_launch(*, session: Session, campaign: Campaign, send_date: date) -> dict[str, int]:
    """Give every queued invitation of an experiment its variant; return the count per variant."""
    assert campaign.id is not None
    keys = active_keys(variants_of(session=session, campaign_id=campaign.id))
    if not keys:
        return {}
    if campaign.variant_seed is None:
        campaign.variant_seed = secrets.randbelow(SEED_MAX)
    units = _units(session=session, campaign=campaign, send_date=send_date, variant=None)
    assigned = permuted_blocks(units, keys=keys, seed=campaign.variant_seed, label="launch")
    _store(session=session, assigned=assigned)
    counts = dict.fromkeys(keys, 0)
    for key in assigned.values():
        counts[key] += 1
    log.info("experiment.assigned", campaign_id=campaign.id, **counts)
    return counts


def stop_variant(*, session: Session, campaign: Campaign, key: str, now: datetime) -> int:
    """Stop a variant: its invitations not yet sent go to the others; return how many moved."""
    assert campaign.id is not None
    variants = variants_of(session=session, campaign_id=campaign.id)
    found = next((variant for variant in variants if variant.key == key.upper()), None)
    if found is None:
        known = ", ".join(variant.key for variant in variants) or "none"
        raise CampaignInputError(f"campaign {campaign.id} has no variant {key}; it has {known}")
    if campaign.status not in (
        CampaignStatus.SCHEDULED,
        CampaignStatus.RUNNING,
        CampaignStatus.PAUSED,
    ):
        raise CampaignStateError(
            f"campaign {campaign.id} is {campaign.status}; a variant stops only while it runs"
        )
    if found.stopped_at is not None:
        raise CampaignStateError(f"variant {found.key} is already stopped")
    others = [k for k in active_keys(variants) if k != found.key]
    if not others:
        raise CampaignStateError(f"variant {found.key} is the last running; pause the campaign")
    found.stopped_at = now
    assert campaign.variant_seed is not None
    launched = campaign.launched_at or now
    units = _units(session=session, campaign=campaign, send_date=launched.date(), variant=found.key)
    moved = permuted_blocks(
        units, keys=others, seed=campaign.variant_seed, label=f"stop-{found.key}"
    )
    _store(session=session, assigned=moved)
    log.info("experiment.variant_stopped", campaign_id=campaign.id, key=found.key, moved=len(moved))
    return len(moved)
