"""The readout of an invitation experiment: per variant the funnel, then an honest comparison.

Counted by assigned variant (intention to treat): every invitation that was sent counts for
the variant it was assigned, whatever came of it. An invitation skipped on the day (the person
opted out or turned 61 meanwhile) was never sent and is not counted; the check that skips it
runs before any text is chosen, so it cannot favour a variant.

Each variant's invitations fall in exactly one of four cells — attended; booked, not
attended; replied, not booked; no reply. The booking rate is the experiment's outcome, so the
variants × (no reply, replied not booked, booked) table is suppressed first, as every table is
(`monitoring.suppression`), and decides what of replied and booked is shown; a rate, interval
or probability is computed only when every variant's booked and invited are shown there.
Attended splits booked in two: it is shown only when the four-cell table, suppressed the same
way, shows both of its parts, so a handful who booked and did not come never hide the outcome
and are never worked out from it. A count is shown only when shown cells already give it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, select
from sqlmodel import Session, col

from core.errors import NotFoundError
from monitoring.experiment_schemas import ArmPublic, ComparisonPublic, ExperimentReport
from monitoring.experiment_stats import Arm, Interval, difference, probability_best
from monitoring.experiment_stats import rate_interval as wilson
from monitoring.experiment_text import sentences
from monitoring.suppression import HIDDEN, suppress
from store.models import Booking, Campaign, CampaignVariant, Conversation, Invitation
from store.types import BookingStatus, DueStatus


@dataclass(frozen=True)
class VariantCounts:
    """One variant's invitations sent, split in the funnel's four disjoint cells."""

    key: str
    no_reply: int
    replied_not_booked: int
    booked_not_attended: int
    attended: int

    def cells(self) -> list[int]:
        return [self.no_reply, self.replied_not_booked, self.booked_not_attended, self.attended]

    @property
    def invited(self) -> int:
        return sum(self.cells())

    @property
    def booked(self) -> int:
        return self.booked_not_attended + self.attended


def count_variants(*, session: Session, campaign_id: int, keys: list[str]) -> list[VariantCounts]:
    """Count each variant's sent invitations in the four cells, in one grouped query."""
    booking = col(Booking.conversation_id) == col(Conversation.id)
    booked = exists().where(booking)
    attended = exists().where(booking, col(Booking.status) == BookingStatus.ATTENDED)
    replied = col(Conversation.replied_at).is_not(None)

    def cell(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(
        select(
            col(Invitation.variant),
            cell(and_(not_(replied), not_(booked))),
            cell(and_(replied, not_(booked))),
            cell(and_(booked, not_(attended))),
            cell(attended),
        )
        .select_from(Invitation)
        .outerjoin(Conversation, col(Conversation.id) == col(Invitation.conversation_id))
        .where(
            col(Invitation.campaign_id) == campaign_id,
            col(Invitation.status) == DueStatus.DONE,
            col(Invitation.conversation_id).is_not(None),
            col(Invitation.variant).in_(keys),
        )
        .group_by(col(Invitation.variant))
    ).all()
    found = {str(row[0]): [int(value) for value in row[1:]] for row in rows}
    return [VariantCounts(key, *found.get(key, [0, 0, 0, 0])) for key in keys]


def _shown(grid_row: list[str], cells: range) -> bool:
    """Whether the sum of `cells` is given by shown entries (the cells, or total minus rest)."""
    total_shown = grid_row[-1] != HIDDEN
    rest = [j for j in range(len(grid_row) - 1) if j not in cells]
    return all(grid_row[j] != HIDDEN for j in cells) or (
        total_shown and all(grid_row[j] != HIDDEN for j in rest)
    )


def experiment_report(
    *, session: Session, campaign_id: int, municipality_id: int | None = None
) -> ExperimentReport:
    """Build the readout of a campaign's experiment; another municipality's is not found."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or (
        municipality_id is not None and campaign.municipality_id != municipality_id
    ):
        raise NotFoundError(f"no campaign {campaign_id}")
    variants = list(
        session.scalars(
            select(CampaignVariant)
            .where(col(CampaignVariant.campaign_id) == campaign_id)
            .order_by(col(CampaignVariant.key))
        )
    )
    if not variants:
        raise NotFoundError(f"campaign {campaign_id} has no experiment: it has one invitation")
    counts = count_variants(
        session=session, campaign_id=campaign_id, keys=[v.key for v in variants]
    )
    # The outcome's table: no reply, replied not booked, booked.
    grid = suppress(counts=[[c.no_reply, c.replied_not_booked, c.booked] for c in counts])
    # The four cells, for attended: both parts of booked must be shown to show one of them.
    parts = suppress(counts=[c.cells() for c in counts])
    arms = [Arm(c.key, c.invited, c.booked) for c in counts]
    visible = [_shown(grid[i], range(2, 3)) and grid[i][-1] != HIDDEN for i in range(len(arms))]
    # A rate over nobody, or beside a hidden count, is not shown; nor is what rests on it.
    computable = all(visible) and all(arm.invited > 0 for arm in arms)
    best = probability_best(arms) if computable else [None] * len(arms)
    public = []
    for i, (variant, count, arm) in enumerate(zip(variants, counts, arms, strict=True)):
        row = grid[i]
        interval = wilson(arm) if computable else None
        public.append(
            ArmPublic(
                key=variant.key,
                label=variant.label,
                stopped_at=variant.stopped_at,
                invited=row[-1],
                replied=str(count.invited - count.no_reply) if _shown(row, range(1, 3)) else HIDDEN,
                booked=str(count.booked) if _shown(row, range(2, 3)) else HIDDEN,
                attended=(
                    str(count.attended)
                    if _shown(parts[i], range(2, 3)) and _shown(parts[i], range(3, 4))
                    else HIDDEN
                ),
                booking_rate=arm.rate if computable else None,
                booking_rate_low=interval.low if interval else None,
                booking_rate_high=interval.high if interval else None,
                probability_best=best[i],
            )
        )
    comparisons = [_compare(arm, arms[0], computable=computable) for arm in arms[1:]]
    verdict, da, en = sentences(
        arms=arms, comparisons=comparisons, computable=computable, labels=_labels(variants)
    )
    return ExperimentReport(
        campaign_id=campaign_id,
        campaign=campaign.name,
        seed=campaign.variant_seed,
        arms=public,
        comparisons=comparisons,
        verdict=verdict,
        sentence_da=da,
        sentence_en=en,
    )


def _labels(variants: list[CampaignVariant]) -> dict[str, str]:
    return {v.key: f"{v.key} ({v.label})" if v.label else v.key for v in variants}


def _compare(arm: Arm, reference: Arm, *, computable: bool) -> ComparisonPublic:
    found: tuple[float, Interval] | None = difference(arm, reference) if computable else None
    if found is None:
        return ComparisonPublic(
            variant=arm.key, reference=reference.key, difference=None, low=None, high=None
        )
    value, interval = found
    return ComparisonPublic(
        variant=arm.key,
        reference=reference.key,
        difference=value,
        low=interval.low,
        high=interval.high,
        excludes_zero=interval.excludes_zero(),
    )
