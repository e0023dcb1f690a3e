"""The funnel (overall and per campaign, refreshed live) and the evaluation's tables, with CSV.

Open to the roles the report API accepts (evaluators and coordinators), within the key's
municipality; the CSV files are `monitoring.exports`, byte for byte what the API gives.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from api.deps import ServicesDep
from console import repository
from console.auth import DbDep, EvaluatorUser
from console.reports import Filters, funnel_view, read_filters, resolved
from console.routing import console_router, see_other
from console.sessions import ConsoleUser
from console.templating import PREFIX, SECURITY_HEADERS, page
from monitoring.exports import csv_filename, funnel_csv, tables_csv
from monitoring.filters import FilterError
from monitoring.goals import parse_goals
from monitoring.reports import funnel_report, tables_report
from monitoring.schemas import TablesReport
from outreach import campaign_setup

router = console_router()
LIVE_SECONDS = 30
FRAGMENT_HEADER = "X-Console-Fragment"


def _campaign_choices(session: Session, user: ConsoleUser) -> list[tuple[int, str]]:
    """Return the campaigns the filter offers: those of the key's municipality."""
    found = campaign_setup.list_campaigns(
        session=session, municipality_id=user.principal.municipality_id
    )
    return [(campaign.id or 0, campaign.name) for campaign in found]


def _filter_context(session: Session, user: ConsoleUser, filters: Filters) -> dict[str, object]:
    return {
        "filters": filters,
        "campaigns": _campaign_choices(session, user),
        "partners": [
            partner.name
            for partner in repository.partners(
                session=session, municipality_id=user.principal.municipality_id
            )
        ],
        "national": user.principal.municipality_id is None,
    }


@router.get("/funnel")
def funnel_page(
    request: Request, user: EvaluatorUser, session: DbDep, services: ServicesDep
) -> Response:
    """Show the funnel for the filter: charts, conversions, medians, slots and no-shows."""
    filters = read_filters(request.query_params)
    view = None
    if filters.query is not None:
        report_filter = resolved(session=session, user=user, services=services, query=filters.query)
        view = funnel_view(funnel_report(session=session, report_filter=report_filter))
    context: dict[str, Any] = {
        "view": view,
        "now": services.clock.now(),
        "live_seconds": LIVE_SECONDS,
    }
    if view is not None and request.headers.get(FRAGMENT_HEADER) == "figures":
        return page(request, "_funnel_figures.html", **context)
    return page(
        request,
        "funnel.html",
        status_code=200 if view else 422,
        active="funnel",
        **context,
        **_filter_context(session, user, filters),
    )


@router.get("/funnel.csv")
def funnel_download(
    request: Request, user: EvaluatorUser, session: DbDep, services: ServicesDep
) -> Response:
    """Download the funnel as the API's CSV."""
    filters = read_filters(request.query_params)
    if filters.query is None:
        return see_other(f"{PREFIX}/funnel?{request.url.query}")
    report_filter = resolved(session=session, user=user, services=services, query=filters.query)
    report = funnel_report(session=session, report_filter=report_filter)
    return _csv(funnel_csv(report), filename=csv_filename("funnel", report.scope))


def _tables(
    *, session: Session, user: ConsoleUser, services: ServicesDep, filters: Filters
) -> TablesReport | None:
    """Count the tables for the filter and its goal; a goal that cannot be read is noted."""
    if filters.query is None:
        return None
    report_filter = resolved(session=session, user=user, services=services, query=filters.query)
    goal_text = filters.values["goal"]
    try:
        goals = parse_goals(
            goal_text.replace(",", " ").split(), only_municipality=report_filter.municipality_code
        )
    except FilterError:
        filters.add(
            "goal",
            "Skriv målet som et helt tal, fx 400, eller som kommune=tal, fx Roskilde=400, "
            "når rapporten dækker flere kommuner.",
        )
        return None
    return tables_report(session=session, report_filter=report_filter, goals=goals)


@router.get("/tables")
def tables_page(
    request: Request, user: EvaluatorUser, session: DbDep, services: ServicesDep
) -> Response:
    """Show the evaluation's tables per municipality, with a CSV download."""
    filters = read_filters(request.query_params)
    report = _tables(session=session, user=user, services=services, filters=filters)
    return page(
        request,
        "tables.html",
        status_code=200 if report else 422,
        active="tables",
        report=report,
        **_filter_context(session, user, filters),
    )


@router.get("/tables.csv")
def tables_download(
    request: Request, user: EvaluatorUser, session: DbDep, services: ServicesDep
) -> Response:
    """Download the tables as the API's CSV."""
    filters = read_filters(request.query_params)
    report = _tables(session=session, user=user, services=services, filters=filters)
    if report is None:
        return see_other(f"{PREFIX}/tables?{request.url.query}")
    return _csv(tables_csv(report), filename=csv_filename("tables", report.scope))


def _csv(text: str, *, filename: str) -> Response:
    """Return CSV text as a download."""
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content=text, media_type="text/csv; charset=utf-8", headers=headers)
