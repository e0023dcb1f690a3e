"""The evaluators' reports as pages: the filter form, the funnel's figures and the tables.

The figures are `monitoring.reports.funnel_report` / `tables_report` for a filter resolved by
`monitoring.service.resolve_filter` within the key's municipality, as the report API does;
suppressed counts stay "<5" all the way to the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from sqlmodel import Session

from api.deps import Services
from api.schemas import DB_INT_MAX
from console import formatting
from console.charts import BarChart, bar_chart
from console.labels import STEPS
from console.sessions import ConsoleUser
from monitoring.filters import EARLIEST, LATEST, ReportFilter
from monitoring.funnel import FUNNEL_STEPS
from monitoring.reports import funnel_report
from monitoring.schemas import FunnelReport
from monitoring.service import ReportQuery, resolve_filter
from monitoring.suppression import HIDDEN
from store.models import Campaign
from store.municipalities import resolve_municipality

FILTER_FIELDS = ("campaign", "partner", "from", "to", "municipality", "goal")


def campaign_funnel(
    *, session: Session, user: ConsoleUser, services: Services, campaign: Campaign
) -> FunnelReport:
    """Return one campaign's suppressed funnel, as the report API gives it."""
    query = ReportQuery(campaign=campaign.id)
    report_filter = resolved(session=session, user=user, services=services, query=query)
    return funnel_report(session=session, report_filter=report_filter)


@dataclass
class Filters:
    """The report filter as typed, the problems found, and the query when there are none."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    query: ReportQuery | None = None

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def query_string(self) -> str:
        """Return the filter as a query string, for the CSV link."""
        return urlencode({k: v for k, v in self.values.items() if v})


def read_filters(params: Mapping[str, str]) -> Filters:
    """Read the filter form; each problem is named beside its field."""
    filters = Filters(values={name: params.get(name, "").strip()[:120] for name in FILTER_FIELDS})
    values = filters.values
    campaign = None
    if values["campaign"]:
        text = values["campaign"]
        if text.isdecimal() and 0 < int(text) <= DB_INT_MAX:
            campaign = int(text)
        else:
            filters.add("campaign", "Vælg en kampagne på listen.")
    first, last = _day(filters, "from"), _day(filters, "to")
    if first and last and first > last:
        filters.add("to", "Slutdatoen ligger før startdatoen.")
    if values["municipality"] and resolve_municipality(values["municipality"]) is None:
        filters.add("municipality", "Det er ikke en dansk kommune. Skriv fx Roskilde eller 265.")
    if not filters.errors:
        filters.query = ReportQuery(
            campaign=campaign,
            partner=values["partner"] or None,  # the members credited to it (store.partners)
            municipality=values["municipality"] or None,
            period_from=first,
            period_to=last,
        )
    return filters


def _day(filters: Filters, name: str) -> date | None:
    text = filters.values[name]
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        filters.add(name, "Skriv en dato som 2026-11-23.")
        return None
    if not EARLIEST <= day <= LATEST:
        filters.add(name, f"Vælg en dato mellem {EARLIEST.year} og {LATEST.year}.")
        return None
    return day


def resolved(
    *, session: Session, user: ConsoleUser, services: Services, query: ReportQuery
) -> ReportFilter:
    """Resolve a query within the key's municipality, as the report API does."""
    return resolve_filter(
        session=session,
        query=query,
        scope_municipality_id=user.principal.municipality_id,
        tz=services.window.tz,
    )


@dataclass(frozen=True)
class FunnelView:
    """What the funnel page shows: the steps, two charts and the key figures."""

    report: FunnelReport
    steps: list[tuple[str, str, str]]  # label, count, share of the step before
    counts: BarChart
    conversions: BarChart


def funnel_view(report: FunnelReport) -> FunnelView:
    """Lay out a suppressed funnel for the page."""
    counts = report.counts.model_dump()
    steps = [
        (STEPS[step], counts[step], formatting.percent(report.conversions.get(step)))
        for step in FUNNEL_STEPS
    ]
    steps[0] = (steps[0][0], steps[0][1], formatting.NONE)
    count_items = [
        (STEPS[step], _count(counts[step]), _shown(counts[step])) for step in FUNNEL_STEPS
    ]
    # A share not shown draws no bar: unlike a hidden count, it has no size to hint at.
    share_items = [
        (STEPS[step], report.conversions.get(step) or 0.0, _share(report, step))
        for step in FUNNEL_STEPS[1:]
    ]
    return FunnelView(
        report=report,
        steps=steps,
        counts=bar_chart(title="Antal personer på hvert trin", items=count_items),
        conversions=bar_chart(title="Andel af forrige trin", items=share_items, maximum=1.0),
    )


def _count(shown: str) -> float | None:
    return None if shown == HIDDEN else float(shown)


def _shown(shown: str) -> str:
    return shown if shown == HIDDEN else formatting.number(int(shown))


def _share(report: FunnelReport, step: str) -> str:
    return formatting.percent(report.conversions.get(step))
