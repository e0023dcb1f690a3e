"""The experiment readout as the API, the CLI and the console show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from monitoring.schemas import SuppressionNote

SHOWN = 'A count of people; "<5" for 1-4, or where it would give one away.'
PRIMARY_OUTCOME = "booking rate: invitations sent that led to a booking, by assigned variant"
ANALYSIS = (
    "Intention to treat: every invitation sent counts for the variant it was assigned at "
    "launch, whatever happened next. Intervals are 95 %, not adjusted for looking more than "
    "once; a variant stopped early is no evidence that it was worse."
)


class ArmPublic(BaseModel):
    """One variant's funnel and primary outcome."""

    key: str
    label: str
    stopped_at: datetime | None
    invited: str = Field(description=SHOWN)
    replied: str = Field(description=SHOWN)
    booked: str = Field(description=SHOWN)
    attended: str = Field(description=SHOWN)
    booking_rate: float | None = Field(description="Booked over invited; null where hidden.")
    booking_rate_low: float | None = Field(description="Wilson 95 % interval, lower end.")
    booking_rate_high: float | None = None
    probability_best: float | None = Field(
        description="Posterior probability that this variant has the highest booking rate."
    )


class ComparisonPublic(BaseModel):
    """A variant's booking rate against the reference variant's."""

    variant: str
    reference: str
    difference: float | None = Field(description="Rate of `variant` minus rate of `reference`.")
    low: float | None = Field(description="Newcombe hybrid score 95 % interval, lower end.")
    high: float | None = None
    excludes_zero: bool | None = None


class ExperimentReport(BaseModel):
    """Which invitation works: the per-variant funnel and an honest comparison."""

    campaign_id: int
    campaign: str
    primary_outcome: str = PRIMARY_OUTCOME
    analysis: str = ANALYSIS
    seed: int | None = Field(description="The seed the assignment was drawn from.")
    arms: list[ArmPublic]
    comparisons: list[ComparisonPublic]
    verdict: str = Field(description="too_few, not_apart or apart.")
    sentence_da: str
    sentence_en: str
    interval_method: str = "Newcombe hybrid score (method 10), statsmodels"
    posterior_method: str = "Beta(1 + booked, 1 + not booked), 200,000 draws, fixed seed"
    suppression: SuppressionNote = SuppressionNote()
