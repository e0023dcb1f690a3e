"""Measure the reading on a labelled corpus: accuracy per step and class, and opt-out figures.

A line is {"text", "step", "intent"} with optional "value", "wish", "lang", "options",
"municipality", "split" ("tuned" or "held_out") and "batch" (held-out lines were written in
batches, each before the reader was run on it; a line without one is batch "b1").
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import typer

from bot.reading import read_at_step
from bot.types import Step

# Birth years and wished dates in the corpus are read against this day (a Wednesday), so the
# figures never drift.
CORPUS_DAY = date(2026, 12, 2)


@dataclass
class Report:
    """Counts from one evaluation."""

    total: int = 0
    right: int = 0
    stops: int = 0
    stops_caught: int = 0
    not_stops: int = 0
    false_stops: int = 0
    wrong_slots: int = 0
    by_step: Counter[str] = field(default_factory=Counter)
    right_by_step: Counter[str] = field(default_factory=Counter)
    by_class: Counter[str] = field(default_factory=Counter)
    right_by_class: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, object]] = field(default_factory=list)

    def add(self, line: dict[str, object], got: dict[str, object]) -> None:
        """Count one labelled reply and how it was read."""
        step, wanted = str(line["step"]), str(line["intent"])
        ok = (
            got.get("intent") == wanted
            and ("value" not in line or got.get("value") == line["value"])
            and ("wish" not in line or got.get("wish") == line["wish"])
        )
        self.total += 1
        self.right += ok
        self.by_step[step] += 1
        self.right_by_step[step] += ok
        self.by_class[wanted] += 1
        self.right_by_class[wanted] += ok
        if wanted == "stop":
            self.stops += 1
            self.stops_caught += got.get("intent") == "stop"
        else:
            self.not_stops += 1
            self.false_stops += got.get("intent") == "stop"
        # A slot booked that the citizen did not ask for: a choice read where none, or another.
        if step == Step.CHOOSING_SLOT.value and got.get("intent") == "choice" and not ok:
            self.wrong_slots += 1
        if not ok:
            self.misses.append({"step": step, "text": line["text"], "want": wanted, "got": got})

    def figures(self) -> dict[str, float]:
        """The headline figures, as fractions."""
        return {
            "accuracy": self.right / self.total if self.total else 1.0,
            "opt_out_recall": self.stops_caught / self.stops if self.stops else 1.0,
            "false_opt_out_rate": self.false_stops / self.not_stops if self.not_stops else 0.0,
            "wrong_slots": float(self.wrong_slots),
        }


FIRST_BATCH = "b1"


def evaluate(lines: Iterable[str], *, split: str | None = None, batch: str | None = None) -> Report:
    """Read every labelled line (optionally one split, one batch) as the engine would; count."""
    report = Report()
    for raw in lines:
        if not raw.strip():
            continue
        line = json.loads(raw)
        if split is not None and line.get("split") != split:
            continue
        if batch is not None and line.get("batch", FIRST_BATCH) != batch:
            continue
        reading = read_at_step(
            line["text"],
            Step(line["step"]),
            today=CORPUS_DAY,
            options=line.get("options"),
            lang=line.get("lang", "da"),
            target_municipality=line.get("municipality"),
        )
        report.add(line, reading.as_dict())
    return report


def _share(right: int, total: int) -> str:
    return f"{right}/{total} ({100 * right / total:.1f} %)" if total else "-"


def _batches(lines: list[str]) -> list[str]:
    found = {
        json.loads(raw).get("batch", FIRST_BATCH)
        for raw in lines
        if raw.strip() and json.loads(raw).get("split") == "held_out"
    }
    return sorted(found)


def print_report(lines: list[str]) -> None:
    """Print the figures for the whole corpus, each split and each held-out batch."""
    parts: list[tuple[str | None, str | None]] = [(None, None), ("tuned", None), ("held_out", None)]
    batches = _batches(lines)
    if len(batches) > 1:
        parts += [("held_out", batch) for batch in batches]
    for split, batch in parts:
        report = evaluate(lines, split=split, batch=batch)
        if not report.total:
            continue
        name = f"{split} {batch}" if batch else split or "all"
        typer.echo(f"== {name}: {report.total} replies")
        typer.echo(f"read right        {_share(report.right, report.total)}")
        typer.echo(f"opt-outs caught   {_share(report.stops_caught, report.stops)}")
        typer.echo(f"false opt-outs    {_share(report.false_stops, report.not_stops)}")
        typer.echo(f"wrong slot booked {report.wrong_slots}")
        for step in sorted(report.by_step):
            typer.echo(
                f"  step {step:<14} {_share(report.right_by_step[step], report.by_step[step])}"
            )
        for name in sorted(report.by_class):
            typer.echo(
                f"  class {name:<13} {_share(report.right_by_class[name], report.by_class[name])}"
            )
    misses = evaluate(lines).misses
    for miss in misses:
        typer.echo(json.dumps(miss, ensure_ascii=False))
