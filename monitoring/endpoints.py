"""GET /api/v1/reports/funnel and /tables: the suppressed reports, as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Response
from pydantic import StringConstraints

from api.deps import EvaluatorDep, ServicesDep, SessionDep
from api.routing import secured_router
from api.schemas import SAFE_TEXT_PATTERN, DbId
from core.errors import InvalidInputError
from core.principal import Principal
from monitoring.experiment import experiment_report
from monitoring.experiment_schemas import ExperimentReport
from monitoring.exports import csv_filename, experiment_csv, funnel_csv, tables_csv
from monitoring.filters import FilterError, ReportFilter
from monitoring.goals import parse_goals
from monitoring.reports import funnel_report, tables_report
from monitoring.schemas import FunnelReport, TablesReport
from monitoring.service import ReportQuery, resolve_filter

router = secured_router(prefix="/reports", tags=["reports"])

ReportFormat = Literal["json", "csv"]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report; with `format=csv`, one value a row as `text/csv`.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def report_query(
    campaign: Annotated[DbId | None, Query(description="A campaign's id.")] = None,
    partner: Annotated[
        str | None,
        Query(max_length=120, pattern=SAFE_TEXT_PATTERN, description="A partner's name."),
    ] = None,
    channel: Annotated[
        str | None, Query(pattern=r"^[a-z0-9_-]{1,16}$", description="e.g. `sms`.")
    ] = None,
    municipality: Annotated[
        str | None,
        Query(max_length=64, pattern=SAFE_TEXT_PATTERN, description="Name or 3-digit code."),
    ] = None,
    period_from: Annotated[
        date | None, Query(alias="from", description="First day of the period, included.")
    ] = None,
    period_to: Annotated[
        date | None, Query(alias="to", description="Last day of the period, included.")
    ] = None,
) -> ReportQuery:
    """Collect the filter's query parameters."""
    return ReportQuery(
        campaign=campaign,
        partner=partner,
        channel=channel,
        municipality=municipality,
        period_from=period_from,
        period_to=period_to,
    )


QueryDep = Annotated[ReportQuery, Depends(report_query)]
FormatParam = Annotated[
    ReportFormat, Query(alias="format", description="`json` (default) or `csv`.")
]


def _filter(
    *, session: SessionDep, services: ServicesDep, principal: Principal, query: ReportQuery
) -> ReportFilter:
    """Resolve the query within the key's municipality."""
    return resolve_filter(
        session=session,
        query=query,
        scope_municipality_id=principal.municipality_id,
        tz=services.window.tz,
    )


@router.get(
    "/funnel",
    summary="The recruitment funnel",
    response_model=FunnelReport,
    responses=_CSV,
)
def get_funnel(
    principal: EvaluatorDep,
    session: SessionDep,
    services: ServicesDep,
    query: QueryDep,
    report_format: FormatParam = "json",
) -> FunnelReport | Response:
    """Count the people invited in the period at each step, with timing and capacity.

    Counts of 1-4 people show as "<5"; a key limited to a municipality sees only its own.
    """
    report_filter = _filter(session=session, services=services, principal=principal, query=query)
    report = funnel_report(session=session, report_filter=report_filter)
    if report_format == "csv":
        return _csv(funnel_csv(report), filename=csv_filename("funnel", report.scope))
    return report


@router.get(
    "/tables",
    summary="The evaluation's tables per municipality",
    response_model=TablesReport,
    responses=_CSV,
)
def get_tables(
    principal: EvaluatorDep,
    session: SessionDep,
    services: ServicesDep,
    query: QueryDep,
    report_format: FormatParam = "json",
    goal: Annotated[
        list[Annotated[str, StringConstraints(max_length=80, pattern=SAFE_TEXT_PATTERN)]] | None,
        Query(
            max_length=98,
            description="The project's goal: `N` for the one municipality in scope, or "
            "`MUNICIPALITY=N`, repeated.",
        ),
    ] = None,
) -> TablesReport | Response:
    """Count the health checks held in the period per municipality of residence.

    Age band by education with secondary suppression; referrals, GP advice, agreed courses;
    health checks in the target group against the goal.
    """
    report_filter = _filter(session=session, services=services, principal=principal, query=query)
    try:
        goals = parse_goals(goal or [], only_municipality=report_filter.municipality_code)
    except FilterError as error:
        raise InvalidInputError(str(error)) from error
    report = tables_report(session=session, report_filter=report_filter, goals=goals)
    if report_format == "csv":
        return _csv(tables_csv(report), filename=csv_filename("tables", report.scope))
    return report


@router.get(
    "/experiment/{campaign_id}",
    summary="An invitation experiment's readout",
    response_model=ExperimentReport,
    responses=_CSV,
)
def get_experiment(
    campaign_id: Annotated[DbId, Path(description="The campaign's id.")],
    principal: EvaluatorDep,
    session: SessionDep,
    report_format: FormatParam = "json",
) -> ExperimentReport | Response:
    """Per variant the funnel, the difference in booking rate with its 95 % interval, and the
    probability that each variant is best; counts of 1-4 show as "<5" (docs/experiments.md).
    """
    report = experiment_report(
        session=session, campaign_id=campaign_id, municipality_id=principal.municipality_id
    )
    if report_format == "csv":
        return _csv(experiment_csv(report), filename=f"experiment_campaign{campaign_id}.csv")
    return report


def _csv(text: str, *, filename: str) -> Response:
    """Return CSV text as a download."""
    return Response(
        content=text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
