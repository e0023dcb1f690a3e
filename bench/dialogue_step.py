"""Row: the CPU one dialogue step costs, in this process, per step kind.

One inbound message through `conversation.intake.receive_text` in the webhook's own unit of
work (`store.db.unit_of_work`, committed), on a store with the small world's slots and one
invited conversation per citizen. Three kinds of step, each on citizens of its own:

- "ja" at the invitation (the consent question comes back; no times are shown),
- a screening answer ("3" at the health question; the chronic-disease question comes back),
- choosing a time ("1" among the times offered; the booking is made and confirmed, and the
  staff member is told by SMS, as staff are in production).

The citizens are brought to the step first (not measured). Each figure is `time.process_time()`
around the whole message, so it is this process's CPU, not waiting for the database; the
figure is the median, with p95, the dialogue's own share (`conversation.service.advance`) and
the statements sent in the details. The reference is the least any message costs here: a unit of
work with one SELECT, committed. `python -m bench.dialogue_step --profile KIND` prints a
cProfile of one kind instead.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

import conversation.intake
from bench.databases import analyze, fresh_database
from bench.figures import Figure, Target
from bench.fixtures import (
    NOW,
    add_contacts,
    add_invited_conversations,
    mark_campaign_running,
    phone,
    small_world,
)
from conversation.intake import receive_text
from conversation.service import Dialogue
from core.calendar import SendWindow
from store.db import make_engine, unit_of_work

STEP_CPU = Target(text="≤ 2.5 ms CPU", bound=2.5, on="figure", better="lower")
WARM_UP = 10  # steps per kind before measuring: imports, caches, statement compilation
DIALOGUE = Dialogue(window=SendWindow())
STAFF = "+4520999999"  # the staff member's own phone


@dataclass(frozen=True)
class Kind:
    """A kind of step: what the citizen said before (not measured), and the step measured."""

    name: str
    what: str
    before: tuple[str, ...]
    text: str


KINDS = (
    Kind("ja", '"ja" at the invitation', (), "ja"),
    Kind("screening", 'a screening answer ("3" for health)', ("ja", "ja", "ja"), "3"),
    Kind("choose", 'choosing a time ("1")', ("ja", "nej"), "1"),
)


@dataclass
class Steps:
    """CPU milliseconds of each measured step, and of its `advance` within it."""

    total: list[float]
    advance: list[float]
    statements: list[int]

    @staticmethod
    def percentile(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(*, backend: str, size: int, workdir: Path) -> list[Figure]:
    """Measure `size` steps of each kind on a fresh database."""
    per_kind = size + WARM_UP
    with fresh_database(backend, workdir=workdir) as url:
        engine = make_engine(url)
        try:
            _fixture(engine, count=per_kind * len(KINDS))
            figures = []
            for index, kind in enumerate(KINDS):
                citizens = range(index * per_kind + 1, (index + 1) * per_kind + 1)
                steps = _measure(engine, kind, list(citizens))
                figures.append(_figure(backend, kind, steps, size=size))
            bare = _bare_unit_of_work(engine, count=per_kind)
            figures = [replace(f, reference=bare, reference_what=BARE) for f in figures]
        finally:
            engine.dispose()
    return figures


def _figure(backend: str, kind: Kind, steps: Steps, *, size: int) -> Figure:
    total, advance = steps.total[WARM_UP:], steps.advance[WARM_UP:]
    return Figure(
        row="step",
        backend=backend,
        what=f"dialogue step CPU, {kind.what} ({size:,} steps)",
        figure=Steps.percentile(total, 0.5),
        unit="ms",
        target=STEP_CPU,
        details={
            "p95_ms": Steps.percentile(total, 0.95),
            "advance_p50_ms": Steps.percentile(advance, 0.5),
            "advance_p95_ms": Steps.percentile(advance, 0.95),
            "statements": Steps.percentile([float(n) for n in steps.statements[WARM_UP:]], 0.5),
        },
    )


BARE = "one unit of work with a single SELECT, committed"


def _bare_unit_of_work(engine: Engine, *, count: int) -> float:
    """The median CPU of the least a message can cost: open, one statement, commit."""
    spent = []
    for _ in range(count):
        started = time.process_time()
        with unit_of_work(engine, busy_timeout_ms=3_000) as session:
            session.execute(text("SELECT 1"))
        spent.append(1000 * (time.process_time() - started))
    return Steps.percentile(spent[WARM_UP:], 0.5)


def _fixture(engine: Engine, *, count: int) -> None:
    # Four slots a working day: enough for every citizen who chooses to get a time of their own.
    # Staff get their notices by SMS, as in production: a booking's notice opens no inbox item.
    world = small_world(engine, channel="console", slot_days=14 + count // 2, staff_phone=STAFF)
    mark_campaign_running(engine, world=world)
    add_contacts(engine, count=count, world=world)
    add_invited_conversations(engine, count=count, world=world, channel="console")
    analyze(engine)


def _say(engine: Engine, citizen: int, text: str, serial: str) -> None:
    with unit_of_work(engine, busy_timeout_ms=3_000) as session:
        receive_text(
            session=session,
            dialogue=DIALOGUE,
            channel="console",
            address=phone(citizen),
            text=text,
            provider_id=f"bench-{citizen}-{serial}",
            now=NOW,
        )


def _measure(engine: Engine, kind: Kind, citizens: list[int]) -> Steps:
    """Bring each citizen to the step, then measure it: each chooser is offered times still free."""
    steps = Steps(total=[], advance=[], statements=[])
    with _timed_advance(steps.advance), _counted(engine) as statements:
        for citizen in citizens:
            for n, text in enumerate(kind.before):
                _say(engine, citizen, text, f"before{n}")
            before = len(statements)
            del steps.advance[len(steps.total) :]  # the steps before are not measured
            started = time.process_time()
            _say(engine, citizen, kind.text, "measured")
            steps.total.append(1000 * (time.process_time() - started))
            steps.statements.append(len(statements) - before)
    return steps


@contextmanager
def _counted(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL each step sends (BEGIN and COMMIT are not statements here)."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def _timed_advance(into: list[float]) -> Iterator[None]:
    """Note the CPU of each `advance` the intake calls (the dialogue's own share)."""
    names = vars(conversation.intake)  # the intake calls `advance` by its module-level name
    original: Callable[..., Any] = names["advance"]

    def timed(**kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(**kwargs)
        finally:
            into.append(1000 * (time.process_time() - started))

    names["advance"] = timed
    try:
        yield
    finally:
        names["advance"] = original


def profile(*, backend: str, kind_name: str, size: int, top: int, sort: str) -> None:
    """Print where the CPU of `size` steps of one kind goes (cProfile, cumulative)."""
    kind = next(k for k in KINDS if k.name == kind_name)
    with (
        tempfile.TemporaryDirectory() as scratch,
        fresh_database(backend, workdir=Path(scratch)) as url,
    ):
        engine = make_engine(url)
        try:
            _fixture(engine, count=size + WARM_UP)
            profiler = cProfile.Profile(time.process_time)
            for citizen in range(1, size + WARM_UP + 1):
                for n, text in enumerate(kind.before):
                    _say(engine, citizen, text, f"before{n}")
                if citizen > WARM_UP:
                    profiler.enable()
                _say(engine, citizen, kind.text, "measured")
                profiler.disable()
        finally:
            engine.dispose()
    pstats.Stats(profiler).sort_stats(sort).print_stats(top)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.dialogue_step [--profile KIND [--sort KEY]] [--backend B] [--size N]`."""
    parser = argparse.ArgumentParser(prog="python -m bench.dialogue_step")
    parser.add_argument("--profile", choices=[k.name for k in KINDS])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", choices=("cumulative", "tottime", "ncalls"), default="cumulative")
    args = parser.parse_args(argv)
    from recruitbot.logs import configure_logging

    configure_logging(level="WARNING")  # as `python -m bench` does
    if args.profile:
        profile(
            backend=args.backend,
            kind_name=args.profile,
            size=args.size,
            top=args.top,
            sort=args.sort,
        )
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        for figure in run(backend=args.backend, size=args.size, workdir=Path(scratch)):
            details = ", ".join(f"{k} {v:.2f}" for k, v in figure.details.items() if k)
            print(
                f"{figure.backend:10} {figure.what}: p50 {figure.figure:.2f} ms; {details}; "
                f"bare {figure.reference or 0:.2f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
