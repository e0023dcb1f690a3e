"""The reports evaluators read: counted in SQL, then suppressed before anyone sees them."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

from sqlmodel import Session

from monitoring.filters import ReportFilter
from monitoring.funnel import FUNNEL_STEPS, Funnel, compute_funnel
from monitoring.schemas import (
    CrossRow,
    CrossTable,
    FunnelCounts,
    FunnelReport,
    GoalProgress,
    MunicipalityTables,
    Outcomes,
    ReportScope,
    TablesReport,
)
from monitoring.suppression import HIDDEN, THRESHOLD, suppress, suppress_count, suppress_part
from monitoring.tables import (
    AGE_BANDS,
    EDUCATION_GROUPS,
    AgeBand,
    EvaluationTables,
    evaluation_tables_by_municipality,
)
from monitoring.timing import Median, Timing, compute_timing
from store.municipalities import resolve_municipality

TOTAL = "total"


def funnel_report(*, session: Session, report_filter: ReportFilter) -> FunnelReport:
    """Count the funnel and its timing for a filter, and suppress it."""
    funnel = compute_funnel(session=session, report_filter=report_filter)
    timing = compute_timing(session=session, report_filter=report_filter)
    return shown_funnel(funnel=funnel, timing=timing, scope=scope_of(report_filter))


def tables_report(
    *, session: Session, report_filter: ReportFilter, goals: Mapping[str, int]
) -> TablesReport:
    """Count the evaluation's tables per municipality for a filter, and suppress them."""
    by_code = evaluation_tables_by_municipality(session=session, report_filter=report_filter)
    wanted = {report_filter.municipality_code} if report_filter.municipality_code else set()
    if not report_filter.municipality_code:
        wanted |= set(by_code) | set(goals)
    municipalities = [
        shown_tables(
            tables=by_code.get(code) or _empty(code, report_filter.campaign_id),
            goal=goals.get(code),
        )
        for code in sorted(wanted)
    ]
    return TablesReport(scope=scope_of(report_filter), municipalities=municipalities)


def scope_of(report_filter: ReportFilter) -> ReportScope:
    """Describe a filter for a report's header."""
    return ReportScope(
        campaign=report_filter.campaign_id,
        partner=report_filter.partner_name,
        channel=report_filter.channel,
        municipality=report_filter.municipality_code,
        period_from=report_filter.period_from,
        period_to=report_filter.period_to,
    )


def shown_funnel(*, funnel: Funnel, timing: Timing, scope: ReportScope) -> FunnelReport:
    """Suppress the funnel: small counts hidden, and every figure that would reveal one."""
    counts = funnel.as_dict()
    conversions = {
        later: _share(counts[later], counts[earlier]) for earlier, later in pairwise(FUNNEL_STEPS)
    }
    no_show_rate = (
        _share(timing.no_show, timing.attended + timing.no_show)
        if _shown(timing.attended)
        else None
    )
    return FunnelReport(
        scope=scope,
        counts=FunnelCounts(**{step: suppress_count(count=n) for step, n in counts.items()}),
        conversions=conversions,
        median_hours_to_reply=_hours(timing.to_reply),
        median_hours_to_booking=_hours(timing.to_booking),
        slots=timing.slots,  # slots are not people
        booked_slots=suppress_count(count=timing.booked_slots),
        slot_utilisation=_share(timing.booked_slots, timing.slots, people_below=False),
        no_show_rate=no_show_rate,
    )


def shown_tables(*, tables: EvaluationTables, goal: int | None) -> MunicipalityTables:
    """Suppress one municipality's tables: the cross table with secondary suppression."""
    shown = suppress(counts=tables.matrix())
    recruited = shown[AGE_BANDS.index(AgeBand.TARGET)][-1]
    code = tables.municipality_code or ""
    ref = resolve_municipality(code) if code else None
    return MunicipalityTables(
        municipality_code=code,
        municipality=ref.name if ref else code,
        age_by_education=_cross_table(shown),
        outcomes=_outcomes(tables, total_shown=shown[-1][-1]),
        recruited_against_goal=GoalProgress(
            goal=goal,
            recruited=recruited,
            share=round(int(recruited) / goal, 4) if goal and recruited != HIDDEN else None,
        ),
    )


def _cross_table(shown: list[list[str]]) -> CrossTable:
    """Label the suppressed age × education table and its totals."""
    labels = [band.value for band in AGE_BANDS] + [TOTAL]
    return CrossTable(
        columns=[group.value for group in EDUCATION_GROUPS] + [TOTAL],
        rows=[
            CrossRow(age_band=label, cells=row) for label, row in zip(labels, shown, strict=True)
        ],
    )


def _outcomes(tables: EvaluationTables, *, total_shown: str) -> Outcomes:
    """Show what came of the health checks; each count protects the rest of the total too."""
    total = tables.total
    return Outcomes(
        health_checks=total_shown,  # as the cross table shows it: it may hide it for a cell
        referred_municipal=suppress_part(count=tables.referred_municipal, total=total),
        referred_non_municipal=suppress_part(count=tables.referred_non_municipal, total=total),
        gp_advice=suppress_part(count=tables.gp_advice, total=total),
        further_course=suppress_part(count=tables.further_course, total=total),
    )


def _shown(count: int) -> bool:
    """Tell whether a count of people is shown as it is."""
    return suppress_count(count=count) != HIDDEN


def _share(numerator: int, denominator: int, *, people_below: bool = True) -> float | None:
    """Return a share rounded to 4 places, None over 0 or when it would reveal a hidden count."""
    if not denominator or not _shown(numerator):
        return None
    if people_below and not _shown(denominator):
        return None
    return round(numerator / denominator, 4)


def _hours(median: Median) -> float | None:
    """Return a median in hours, None when it rests on fewer than the threshold."""
    if median.seconds is None or median.count < THRESHOLD:
        return None
    return round(median.seconds / 3600, 2)


def _empty(code: str, campaign_id: int | None) -> EvaluationTables:
    """Return tables of zeros for a municipality without health checks."""
    zeros = tuple(tuple(0 for _ in EDUCATION_GROUPS) for _ in AGE_BANDS)
    return EvaluationTables(
        municipality_code=code,
        campaign_id=campaign_id,
        cells=zeros,
        referred_municipal=0,
        referred_non_municipal=0,
        gp_advice=0,
        further_course=0,
    )
