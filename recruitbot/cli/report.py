"""`recruitbot report funnel|tables|experiment`: the evaluators' reports, small counts hidden."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from sqlmodel import Session

from core.errors import AppError, InvalidInputError
from core.settings import get_settings
from monitoring.experiment import experiment_report
from monitoring.exports import experiment_csv, funnel_csv, tables_csv
from monitoring.filters import FilterError, ReportFilter
from monitoring.goals import parse_goals
from monitoring.reports import funnel_report, tables_report
from monitoring.schemas import FunnelReport, TablesReport
from monitoring.service import ReportQuery, resolve_filter
from recruitbot.runtime import build_runtime
from store.db import unit_of_work

report_app = typer.Typer(
    help="Reports for evaluators: counts of 1-4 people show as <5.", no_args_is_help=True
)
console = Console(stderr=True)
R = TypeVar("R")


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[Format, typer.Option("--format", help="json or csv.")]
CampaignOption = Annotated[int | None, typer.Option(help="A campaign's id.", min=1)]
PartnerOption = Annotated[str | None, typer.Option(help="A partner's name.")]
ChannelOption = Annotated[str | None, typer.Option(help="A channel, e.g. sms.")]
MunicipalityOption = Annotated[str | None, typer.Option(help="A municipality's name or code.")]
FromOption = Annotated[
    datetime | None,
    typer.Option("--from", formats=["%Y-%m-%d"], help="First day of the period, included."),
]
ToOption = Annotated[
    datetime | None,
    typer.Option("--to", formats=["%Y-%m-%d"], help="Last day of the period, included."),
]
OutOption = Annotated[Path | None, typer.Option(help="Write to this file, not to the screen.")]


@report_app.command("funnel")
def funnel(
    report_format: FormatOption = Format.JSON,
    campaign: CampaignOption = None,
    partner: PartnerOption = None,
    channel: ChannelOption = None,
    municipality: MunicipalityOption = None,
    period_from: FromOption = None,
    period_to: ToOption = None,
    out: OutOption = None,
) -> None:
    """The funnel of the citizens invited in the period, with timing and capacity."""
    query = _query(campaign, partner, channel, municipality, period_from, period_to)

    def build(session: Session, report_filter: ReportFilter) -> FunnelReport:
        return funnel_report(session=session, report_filter=report_filter)

    report = _run(query, build)
    _emit(report, funnel_csv(report) if report_format is Format.CSV else None, out=out)


@report_app.command("tables")
def tables(
    report_format: FormatOption = Format.JSON,
    campaign: CampaignOption = None,
    partner: PartnerOption = None,
    channel: ChannelOption = None,
    municipality: MunicipalityOption = None,
    period_from: FromOption = None,
    period_to: ToOption = None,
    out: OutOption = None,
    goal: Annotated[
        list[str] | None,
        typer.Option(help="The project's goal: N, or MUNICIPALITY=N for each municipality."),
    ] = None,
) -> None:
    """The evaluation's tables per municipality for the health checks held in the period."""
    query = _query(campaign, partner, channel, municipality, period_from, period_to)

    def build(session: Session, report_filter: ReportFilter) -> TablesReport:
        try:
            goals = parse_goals(goal or [], only_municipality=report_filter.municipality_code)
        except FilterError as error:
            raise InvalidInputError(str(error)) from error
        return tables_report(session=session, report_filter=report_filter, goals=goals)

    report = _run(query, build)
    _emit(report, tables_csv(report) if report_format is Format.CSV else None, out=out)


@report_app.command("experiment")
def experiment(
    campaign: Annotated[int, typer.Argument(help="The campaign's id.", min=1)],
    report_format: FormatOption = Format.JSON,
    out: OutOption = None,
) -> None:
    """An invitation experiment: per variant the funnel, the difference in booking rate with
    its 95 % interval, the probability each is best, and whether the data can tell them apart.
    """
    runtime = build_runtime(get_settings())
    try:
        with unit_of_work(runtime.engine) as session:
            report = experiment_report(session=session, campaign_id=campaign)
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1 if error.status_code == 404 else 2) from error
    finally:
        runtime.engine.dispose()
    _emit(report, experiment_csv(report) if report_format is Format.CSV else None, out=out)


def _query(
    campaign: int | None,
    partner: str | None,
    channel: str | None,
    municipality: str | None,
    period_from: datetime | None,
    period_to: datetime | None,
) -> ReportQuery:
    """Collect the options into a query."""
    return ReportQuery(
        campaign=campaign,
        partner=partner,
        channel=channel,
        municipality=municipality,
        period_from=period_from.date() if period_from else None,
        period_to=period_to.date() if period_to else None,
    )


def _run(query: ReportQuery, build: Callable[[Session, ReportFilter], R]) -> R:
    """Resolve the query and build the report in one read, or exit with the reason."""
    runtime = build_runtime(get_settings())
    try:
        with unit_of_work(runtime.engine) as session:
            report_filter = resolve_filter(
                session=session, query=query, scope_municipality_id=None, tz=runtime.window.tz
            )
            return build(session, report_filter)
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(2) from error
    finally:
        runtime.engine.dispose()


def _emit(report: BaseModel, csv_text: str | None, *, out: Path | None) -> None:
    """Print the report, or write it to a file."""
    text = csv_text if csv_text is not None else report.model_dump_json(indent=2, by_alias=True)
    if out is None:
        typer.echo(text.rstrip("\n"))
        return
    out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    console.print(f"Wrote {out}")
