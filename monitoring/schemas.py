"""The reports as evaluators see them: every count of people suppressed, as JSON models.

A count is a string: the number, or "<5" when it is hidden. Shares and medians are numbers,
or null when they would reveal a hidden count or rest on fewer than five people.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from monitoring.suppression import HIDDEN, THRESHOLD

SHOWN = f'A count of people, as a string: the number, or "{HIDDEN}" when it is hidden.'


class SuppressionNote(BaseModel):
    """How small counts are hidden."""

    threshold: int = THRESHOLD
    hidden_as: str = HIDDEN
    rule: str = (
        f"Counts of 1 to {THRESHOLD - 1} people are shown as {HIDDEN}, and so are counts from "
        "which a hidden one could be worked out through the totals (secondary suppression). "
        "0 is shown. A share or median is null when it would reveal a hidden count or rests "
        f"on fewer than {THRESHOLD} people."
    )


class ReportScope(BaseModel):
    """What the report covers; null means no restriction."""

    model_config = ConfigDict(populate_by_name=True)

    campaign: int | None = None
    partner: str | None = None
    channel: str | None = None
    municipality: str | None = Field(default=None, description="Three-digit municipality code.")
    period_from: date | None = Field(default=None, alias="from")
    period_to: date | None = Field(default=None, alias="to")


class FunnelCounts(BaseModel):
    """People at each step of the funnel, and beside it those who opted out."""

    invited: str = Field(description=SHOWN)
    delivered: str = Field(description=SHOWN)
    replied: str = Field(description=SHOWN)
    screened_in: str = Field(description=SHOWN)
    booked: str = Field(description=SHOWN)
    attended: str = Field(description=SHOWN)
    referred: str = Field(description=SHOWN)
    followed_up: str = Field(description=SHOWN)
    opted_out: str = Field(description=SHOWN)


class FunnelReport(BaseModel):
    """The recruitment funnel of the conversations invited in the period."""

    scope: ReportScope
    counts: FunnelCounts
    conversions: dict[str, float | None] = Field(
        description="Each step over the step before it, keyed by the later step."
    )
    median_hours_to_reply: float | None = Field(
        description="Median time from the invitation to the citizen's first reply."
    )
    median_hours_to_booking: float | None = Field(
        description="Median time from the invitation to the first booking."
    )
    slots: int = Field(description="Slots starting in the period at the municipalities' places.")
    booked_slots: str = Field(description=SHOWN)
    slot_utilisation: float | None = Field(description="Booked slots over slots.")
    no_show_rate: float | None = Field(
        description="Bookings not attended over bookings that took place (attended + no-show)."
    )
    suppression: SuppressionNote = SuppressionNote()


class CrossRow(BaseModel):
    """One age band's health checks by education group, with its total last."""

    age_band: str = Field(description='"17-39", "40-60", "61+", "unknown" or "total".')
    cells: list[str] = Field(description=SHOWN)


class CrossTable(BaseModel):
    """Health checks by age band and education, with totals."""

    columns: list[str]
    rows: list[CrossRow]


class Outcomes(BaseModel):
    """What came of the health checks."""

    health_checks: str = Field(description=SHOWN)
    referred_municipal: str = Field(description=SHOWN)
    referred_non_municipal: str = Field(description=SHOWN)
    gp_advice: str = Field(description=SHOWN)
    further_course: str = Field(description=SHOWN)


class GoalProgress(BaseModel):
    """Health checks in the target group (aged 40-60) against the project's goal."""

    goal: int | None = Field(description="The goal given with the request; null if none.")
    recruited: str = Field(description=SHOWN)
    share: float | None = Field(description="Recruited over the goal.")


class MunicipalityTables(BaseModel):
    """The evaluation's tables for one municipality of residence."""

    municipality_code: str
    municipality: str
    age_by_education: CrossTable
    outcomes: Outcomes
    recruited_against_goal: GoalProgress


class TablesReport(BaseModel):
    """The evaluation's tables, one set per municipality, of the health checks in the period."""

    scope: ReportScope
    municipalities: list[MunicipalityTables]
    suppression: SuppressionNote = SuppressionNote()
