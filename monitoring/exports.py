"""The suppressed reports as CSV: one value a row, so a spreadsheet or a script reads them alike.

UTF-8, comma-separated, a dot for decimals, an empty value where JSON has null.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from monitoring.experiment_schemas import ExperimentReport
from monitoring.schemas import FunnelReport, ReportScope, TablesReport

Row = Sequence[str | int | float | None]


def funnel_csv(report: FunnelReport) -> str:
    """Return the funnel as rows of measure and value."""
    rows: list[Row] = [(step, count) for step, count in report.counts.model_dump().items()]
    rows += [(f"conversion_{step}", share) for step, share in report.conversions.items()]
    rows += [
        ("median_hours_to_reply", report.median_hours_to_reply),
        ("median_hours_to_booking", report.median_hours_to_booking),
        ("slots", report.slots),
        ("booked_slots", report.booked_slots),
        ("slot_utilisation", report.slot_utilisation),
        ("no_show_rate", report.no_show_rate),
    ]
    return _write(("measure", "value"), rows)


def tables_csv(report: TablesReport) -> str:
    """Return the tables as rows of municipality, table, row, column and value."""
    rows: list[Row] = []
    for place in report.municipalities:
        head = (place.municipality_code, place.municipality)
        table = place.age_by_education
        for row in table.rows:
            rows += [
                (*head, "age_by_education", row.age_band, column, cell)
                for column, cell in zip(table.columns, row.cells, strict=True)
            ]
        rows += [
            (*head, "outcomes", name, "count", value)
            for name, value in place.outcomes.model_dump().items()
        ]
        rows += [
            (*head, "recruited_against_goal", name, "value", value)
            for name, value in place.recruited_against_goal.model_dump().items()
        ]
    return _write(("municipality_code", "municipality", "table", "row", "column", "value"), rows)


def csv_filename(kind: str, scope: ReportScope) -> str:
    """Return a file name that says what the report covers, e.g. `funnel_265_2026-01-01.csv`."""
    parts: Iterable[object] = (
        kind,
        scope.municipality or "all",
        f"campaign{scope.campaign}" if scope.campaign is not None else None,
        _slug(scope.partner) if scope.partner else None,
        scope.channel,
        scope.period_from,
        scope.period_to,
    )
    return "_".join(str(part) for part in parts if part is not None) + ".csv"


def _slug(name: str) -> str:
    """Return a name as ASCII letters and digits joined by "-", e.g. "FOA-Kobenhavn"."""
    plain = name.translate(_DANISH).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[A-Za-z0-9]+", plain)) or "partner"


_DANISH = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "Æ": "Ae", "Ø": "O", "Å": "Aa"})
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Return the value with a text that a spreadsheet would run as a formula quoted by "'"."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _write(header: Sequence[str], rows: Iterable[Row]) -> str:
    """Write rows as CSV text; None becomes an empty value."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        ["" if value is None else spreadsheet_safe(value) for value in row] for row in rows
    )
    return buffer.getvalue()


def experiment_csv(report: ExperimentReport) -> str:
    """Return an experiment's readout as rows of variant, measure and value."""
    rows: list[Row] = []
    for arm in report.arms:
        values = arm.model_dump(exclude={"key", "label", "stopped_at"})
        rows += [(arm.key, name, value) for name, value in values.items()]
    for c in report.comparisons:
        vs = f"{c.variant}-{c.reference}"
        rows += [(vs, "difference", c.difference), (vs, "low", c.low), (vs, "high", c.high)]
    rows += [("", "verdict", report.verdict), ("", "sentence_da", report.sentence_da)]
    return _write(("variant", "measure", "value"), rows)
