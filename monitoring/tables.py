"""The national evaluation's tables of held health checks, grouped in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, func, literal, select
from sqlalchemy import case as sql_case
from sqlmodel import Session, col

from monitoring import scope
from monitoring.filters import ReportFilter
from store.models import MonitoringRecord
from store.types import Education


class AgeBand(StrEnum):
    """The evaluation's age bands at the health check."""

    YOUNG = "17-39"
    TARGET = "40-60"
    OLDER = "61+"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """Return the Danish row heading."""
        return _AGE_LABELS[self]


class EducationGroup(StrEnum):
    """The evaluation's education groups, plus one for records that lack it."""

    GRUNDSKOLE = Education.GRUNDSKOLE.value
    KORT = Education.KORT.value
    LANG = Education.LANG.value
    ANDEN = Education.ANDEN.value
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """Return the Danish column heading."""
        return _EDUCATION_LABELS[self]


_AGE_LABELS = {
    AgeBand.YOUNG: "17–39 år",
    AgeBand.TARGET: "40–60 år",
    AgeBand.OLDER: "61+ år",
    AgeBand.UNKNOWN: "Uoplyst",
}
_EDUCATION_LABELS = {
    EducationGroup.GRUNDSKOLE: "Grundskole",
    EducationGroup.KORT: "Kort uddannelse",
    EducationGroup.LANG: "Lang uddannelse",
    EducationGroup.ANDEN: "Anden",
    EducationGroup.UNKNOWN: "Uoplyst",
}
AGE_BANDS = tuple(AgeBand)
EDUCATION_GROUPS = tuple(EducationGroup)


@dataclass(frozen=True, slots=True)
class EvaluationTables:
    """Held health checks by age band and education, and what came of them."""

    municipality_code: str | None
    campaign_id: int | None
    cells: tuple[tuple[int, ...], ...]  # rows in AGE_BANDS order, columns in EDUCATION_GROUPS
    referred_municipal: int
    referred_non_municipal: int
    gp_advice: int
    further_course: int

    @property
    def total(self) -> int:
        """Return the number of health checks."""
        return sum(sum(row) for row in self.cells)

    def by_age(self) -> dict[AgeBand, int]:
        """Return health checks per age band, every band present."""
        return {band: sum(row) for band, row in zip(AGE_BANDS, self.cells, strict=True)}

    def by_education(self) -> dict[EducationGroup, int]:
        """Return health checks per education group, every group present."""
        columns = zip(*self.cells, strict=True)
        return {group: sum(column) for group, column in zip(EDUCATION_GROUPS, columns, strict=True)}

    def cross(self) -> dict[tuple[AgeBand, EducationGroup], int]:
        """Return health checks per age band and education group, every pair present."""
        return {
            (band, group): self.cells[i][j]
            for i, band in enumerate(AGE_BANDS)
            for j, group in enumerate(EDUCATION_GROUPS)
        }

    def matrix(self) -> list[list[int]]:
        """Return the age × education counts as a fresh matrix, for suppression."""
        return [list(row) for row in self.cells]


def evaluation_tables(
    *,
    session: Session,
    municipality_code: str | None = None,
    campaign_id: int | None = None,
    report_filter: ReportFilter | None = None,
) -> EvaluationTables:
    """Count held health checks for one municipality (or all) and campaign (or all)."""
    report_filter = _merged(report_filter, municipality_code, campaign_id)
    tables = evaluation_tables_by_municipality(session=session, report_filter=report_filter)
    combined = _combine(tables.values())
    return EvaluationTables(
        municipality_code=report_filter.municipality_code,
        campaign_id=report_filter.campaign_id,
        cells=combined.cells,
        referred_municipal=combined.referred_municipal,
        referred_non_municipal=combined.referred_non_municipal,
        gp_advice=combined.gp_advice,
        further_course=combined.further_course,
    )


def evaluation_tables_by_municipality(
    *, session: Session, report_filter: ReportFilter
) -> dict[str, EvaluationTables]:
    """Count held health checks per municipality of residence, in code order, in one query."""
    session.flush()  # the ORM's autoflush is bypassed by running on the connection
    rows = session.connection().execute(_grouped(report_filter)).all()
    builders: dict[str, _Builder] = {}
    for code, band, group, count, *flags in rows:  # one row per cell, never per record
        builder = builders.setdefault(code, _Builder())
        builder.add(band=AgeBand(band), group=EducationGroup(group), count=int(count), flags=flags)
    return {
        code: builders[code].build(municipality_code=code, campaign_id=report_filter.campaign_id)
        for code in sorted(builders)
    }


class _Builder:
    """Collect the grouped rows of one municipality."""

    def __init__(self) -> None:
        self.cells = [[0] * len(EDUCATION_GROUPS) for _ in AGE_BANDS]
        self.sums = [0, 0, 0, 0]

    def add(
        self, *, band: AgeBand, group: EducationGroup, count: int, flags: Sequence[Any]
    ) -> None:
        self.cells[AGE_BANDS.index(band)][EDUCATION_GROUPS.index(group)] = count
        self.sums = [total + int(flag or 0) for total, flag in zip(self.sums, flags, strict=True)]

    def build(self, *, municipality_code: str | None, campaign_id: int | None) -> EvaluationTables:
        return EvaluationTables(
            municipality_code=municipality_code,
            campaign_id=campaign_id,
            cells=tuple(tuple(row) for row in self.cells),
            referred_municipal=self.sums[0],
            referred_non_municipal=self.sums[1],
            gp_advice=self.sums[2],
            further_course=self.sums[3],
        )


def _combine(tables: Iterable[EvaluationTables]) -> EvaluationTables:
    """Add tables up, cell by cell."""
    builder = _Builder()
    for table in tables:
        builder.cells = [
            [a + b for a, b in zip(mine, theirs, strict=True)]
            for mine, theirs in zip(builder.cells, table.cells, strict=True)
        ]
        outcomes = (
            table.referred_municipal,
            table.referred_non_municipal,
            table.gp_advice,
            table.further_course,
        )
        builder.sums = [a + b for a, b in zip(builder.sums, outcomes, strict=True)]
    return builder.build(municipality_code=None, campaign_id=None)


def _merged(
    report_filter: ReportFilter | None, municipality_code: str | None, campaign_id: int | None
) -> ReportFilter:
    """Fold the older keyword arguments into a filter."""
    merged = report_filter or ReportFilter()
    if municipality_code is not None:
        merged = merged.with_(municipality_code=municipality_code)
    if campaign_id is not None:
        merged = merged.with_(campaign_id=campaign_id)
    return merged


def _grouped(report_filter: ReportFilter) -> Select[*tuple[Any, ...]]:
    """Return the query: per municipality, age band and education, records and outcomes."""
    sub = (
        select(
            # An expression, not the bare column: SQLite would otherwise walk the whole table
            # in municipality-index order to save a sort, and that costs more than the sort.
            col(MonitoringRecord.municipality_code).concat("").label("municipality"),
            _age_band().label("age_band"),
            _education_group().label("education"),
            _flag(func.trim(col(MonitoringRecord.referrals_municipal)) != "").label("municipal"),
            _flag(func.trim(col(MonitoringRecord.referrals_non_municipal)) != "").label("other"),
            _flag(col(MonitoringRecord.gp_advice).is_(True)).label("gp_advice"),
            _flag(col(MonitoringRecord.further_course).is_(True)).label("further_course"),
        )
        .where(*scope.records(report_filter))
        .subquery()
    )
    # Grouping on a subquery's columns, not on the CASE itself: PostgreSQL would not match
    # the GROUP BY expression to the selected one once their bound parameters differ.
    return select(
        sub.c.municipality,
        sub.c.age_band,
        sub.c.education,
        func.count(),
        func.sum(sub.c.municipal),
        func.sum(sub.c.other),
        func.sum(sub.c.gp_advice),
        func.sum(sub.c.further_course),
    ).group_by(sub.c.municipality, sub.c.age_band, sub.c.education)


def _age_band() -> ColumnElement[str]:
    """Return the CASE that puts a record's age in its band; under 17 or missing is unknown."""
    age = col(MonitoringRecord.age)
    return sql_case(
        (age.between(17, 39), literal(AgeBand.YOUNG.value)),
        (age.between(40, 60), literal(AgeBand.TARGET.value)),
        (age >= 61, literal(AgeBand.OLDER.value)),
        else_=literal(AgeBand.UNKNOWN.value),
    )


def _education_group() -> ColumnElement[str]:
    """Return the CASE that maps a record's education to a group; anything else is unknown."""
    education = func.lower(func.trim(col(MonitoringRecord.education)))
    known = [group.value for group in EDUCATION_GROUPS if group is not EducationGroup.UNKNOWN]
    return sql_case(
        (education.in_(known), education),
        else_=literal(EducationGroup.UNKNOWN.value),
    )


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Return 1 where `condition` holds, else 0, as an integer on every database."""
    return sql_case((condition, literal(1, Integer)), else_=literal(0, Integer))
