"""Row 6: the evaluation's tables (`monitoring.tables_report`) over many monitoring records."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session

from bench.databases import analyze, bulk_insert, fresh_database
from bench.figures import Figure, Target
from bench.fixtures import NOW, table
from monitoring.filters import ReportFilter
from monitoring.reports import tables_report
from store.db import make_engine

TARGET = Target(text="under 2 s", bound=2.0, on="figure", better="lower")
# Ten municipalities, health checks over two years, the evaluation's rough mixes.
CODES = ("101", "147", "151", "153", "157", "159", "161", "163", "165", "265")
EDUCATION = ("grundskole", "kort", "kort", "kort", "lang", "anden", None)
HEALTH = ("fremragende", "vaeldig_godt", "godt", "mindre_godt", "daarligt", None)
COLUMNS = (
    "citizen_key", "channel", "municipality_code", "health_check_date", "age", "education",
    "recruited_from", "chronic_diseases", "self_rated_health", "referrals_municipal",
    "referrals_non_municipal", "gp_advice", "further_course", "created_at",
)  # fmt: skip


def run(*, backend: str, size: int, workdir: Path) -> list[Figure]:
    """Load `size` records; time the report for all municipalities and for one, for a year."""
    with fresh_database(backend, workdir=workdir) as url:
        engine = make_engine(url)
        bulk_insert(engine, table("monitoring_record"), _records(size), COLUMNS)
        analyze(engine)
        everything = _timed(engine, ReportFilter())
        one = _timed(
            engine,
            ReportFilter(
                municipality_code="265", period_from=date(2026, 1, 1), period_to=date(2026, 12, 31)
            ),
        )
        engine.dispose()
    return [
        Figure(
            row="tables",
            backend=backend,
            what=f"evaluation tables over {size:,} monitoring records, all municipalities",
            figure=everything,
            unit="s",
            target=TARGET,
        ),
        Figure(
            row="tables",
            backend=backend,
            what=f"the same for one municipality and one year ({size:,} records)",
            figure=one,
            unit="s",
            target=TARGET,
        ),
    ]


def _timed(engine: object, report_filter: ReportFilter) -> float:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    start = time.perf_counter()
    with Session(engine) as session:
        report = tables_report(session=session, report_filter=report_filter, goals={})
    seconds = time.perf_counter() - start
    if not report.municipalities:
        raise RuntimeError("the report came back empty")
    return seconds


def _records(count: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(6)
    first = date(2025, 1, 1)
    for i in range(count):
        referred = rng.random() < 0.62
        yield (
            f"r-{i:012d}",
            "sms",
            rng.choice(CODES),
            first + timedelta(days=rng.randrange(730)),
            rng.choice((rng.randrange(40, 61), rng.randrange(40, 61), rng.randrange(20, 80))),
            rng.choice(EDUCATION),
            "sms_campaign",
            rng.choice(("", "muskler", "hjerte,diabetes", "")),
            rng.choice(HEALTH),
            "rygestop" if referred else "",
            "egen_laege" if referred and rng.random() < 0.14 else "",
            rng.random() < 0.25,
            referred and rng.random() < 0.5,
            NOW,
        )
