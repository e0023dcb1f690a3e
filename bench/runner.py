"""Run every row on SQLite and PostgreSQL, print the table, write var/bench.json."""

from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import (
    dialogue_step,
    importing,
    launch,
    reminders,
    reply_latency,
    sending,
    tables,
    webhook,
)
from bench.databases import postgres_admin_url
from bench.figures import Figure
from bench.machine import machine_info

ROWS = ("import", "launch", "send", "webhook", "reply", "step", "reminders", "tables")


@dataclass(frozen=True)
class Sizes:
    """How much each row measures; the issue's figures by default, small ones with --quick."""

    import_: int = 100_000
    launch: int = 100_000
    send: int = 100_000
    webhook: int = 4_000
    reply: int = 300
    step: int = 300  # dialogue steps of each kind
    reminders: int = 100_000
    reminders_scheduled: tuple[int, int] = (10_000, 1_000_000)
    reminders_handled: int = 10_000
    tables: int = 1_000_000
    # API worker processes behind the webhook and reply rows (`recruitbot serve --workers N`);
    # the bare endpoint they are compared with gets as many.
    workers: int = 1

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            import_=1_000,
            launch=20_001,  # one above the default size cap: the full-size launch must get past it
            send=200,
            webhook=100,
            reply=20,
            step=20,
            reminders=100,
            reminders_scheduled=(200, 2_000),
            reminders_handled=100,
            tables=5_000,
        )

    def with_overrides(self, overrides: dict[str, int]) -> Sizes:
        """Replace the sizes of some rows (`import=20000`)."""
        names = {"import": "import_"}
        changes: dict[str, Any] = {names.get(k, k): v for k, v in overrides.items()}
        return replace(self, **changes)


@dataclass
class Run:
    """The outcome of a whole bench run."""

    quick: bool
    sizes: Sizes
    figures: list[Figure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def measurements(sizes: Sizes) -> dict[str, Callable[[str, Path], list[Figure]]]:
    """Each row's measurement, for a backend and a scratch directory."""
    return {
        "import": lambda b, d: importing.run(backend=b, size=sizes.import_, workdir=d),
        "launch": lambda b, d: launch.run(backend=b, size=sizes.launch, workdir=d),
        "send": lambda b, d: sending.run(backend=b, size=sizes.send, workdir=d),
        "webhook": lambda b, d: webhook.run(
            backend=b, size=sizes.webhook, workdir=d, workers=sizes.workers
        ),
        "reply": lambda b, d: reply_latency.run(
            backend=b, size=sizes.reply, workdir=d, workers=sizes.workers
        ),
        "step": lambda b, d: dialogue_step.run(backend=b, size=sizes.step, workdir=d),
        "reminders": lambda b, d: reminders.run(
            backend=b,
            size=sizes.reminders,
            workdir=d,
            scheduled=sizes.reminders_scheduled,
            handled=sizes.reminders_handled,
        ),
        "tables": lambda b, d: tables.run(backend=b, size=sizes.tables, workdir=d),
    }


def run_all(
    *, sizes: Sizes, quick: bool, rows: Sequence[str], backends: Sequence[str], console: Console
) -> Run:
    """Measure the chosen rows on the chosen backends; a row that fails is reported, not fatal."""
    run = Run(quick=quick, sizes=sizes)
    if "postgresql" in backends and postgres_admin_url() is None:
        run.skipped.append("postgresql: no server reachable (RECRUITBOT_BENCH_POSTGRES_URL)")
        console.print("[yellow]PostgreSQL is not reachable: measuring SQLite only.[/yellow]")
        backends = [b for b in backends if b != "postgresql"]
    table = measurements(sizes)
    with tempfile.TemporaryDirectory(prefix="recruitbot-bench-") as scratch:
        for row in rows:
            for backend in backends:
                with console.status(f"{row} on {backend} …"):
                    started = time.perf_counter()
                    try:
                        figures = table[row](backend, Path(scratch))
                    except Exception as error:
                        run.failed.append(f"{row} on {backend}: {error!r}")
                        console.print(f"[red]{row} on {backend} failed[/red]")
                        console.print(traceback.format_exc())
                        continue
                run.figures.extend(figures)
                took = time.perf_counter() - started
                console.print(f"{row} on {backend}: done in {took:.0f} s")
    return run


def render(run: Run, *, console: Console) -> None:
    """Print the figures as a table."""
    table = Table(title="recruitbot bench" + (" (--quick)" if run.quick else ""))
    for name in ("what", "db", "figure", "reference (same run)", "ratio", "target", "met"):
        table.add_column(name, justify="right" if name in ("figure", "ratio") else "left")
    for f in run.figures:
        reference = "—" if f.reference is None else f"{_number(f.reference)} {f.unit}"
        table.add_row(
            f.what,
            f.backend,
            f"{_number(f.figure)} {f.unit}",
            f"{reference}\n{f.reference_what}" if f.reference_what else reference,
            "—" if f.ratio is None else f"{f.ratio:.2f}",
            f.target.text if f.target else "—",
            {True: "[green]yes[/green]", False: "[red]no[/red]", None: "—"}[f.met],
        )
    console.print(table)
    for line in run.skipped:
        console.print(f"[yellow]skipped: {line}[/yellow]")
    for line in run.failed:
        console.print(f"[red]failed: {line}[/red]")


def write_json(run: Run, path: Path) -> None:
    """Write the run, with the machine it ran on, as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": run.quick,
        "machine": {**machine_info(), "load_average": os.getloadavg()},
        "sizes": {k.rstrip("_"): v for k, v in run.sizes.__dict__.items()},
        "figures": [f.as_json() for f in run.figures],
        "skipped": run.skipped,
        "failed": run.failed,
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"
