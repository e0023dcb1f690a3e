"""Read the commands out of a guide's ```console blocks, in order, with what the doc shows.

A line `$ command` is typed at the prompt (a trailing backslash continues it); a line `you  text`
after it is what the person types into that command (a `recruitbot chat`); any other line is the
output the guide shows. A comment `<!-- clock: 2027-01-11 10:00 -->` sets the Copenhagen time the
commands after it run at, for the test only: a reader runs them at their own time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from core.calendar import COPENHAGEN

_FENCE = re.compile(r"^```(\w*)\s*$")
_CLOCK = re.compile(r"^<!--\s*clock:\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2})\s*-->\s*$")
PROMPT = "$ "
TYPED = "you  "


@dataclass
class Step:
    """One command of the guide, as typed."""

    command: str
    line: int
    clock: datetime | None
    typed: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)


def read_steps(path: Path) -> list[Step]:
    """Return the guide's commands in the order a reader types them."""
    steps: list[Step] = []
    clock: datetime | None = None
    language: str | None = None  # inside a fenced block: its language
    current: Step | None = None
    continued = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence:
            language = fence.group(1) if language is None else None
            current, continued = None, False
            continue
        if language is None:
            if moment := _CLOCK.match(line):
                clock = datetime.strptime(moment.group(1), "%Y-%m-%d %H:%M").replace(
                    tzinfo=COPENHAGEN
                )
            continue
        if language != "console":
            continue
        if continued and current is not None:
            current.command += " " + line.strip().removesuffix("\\").strip()
            continued = line.rstrip().endswith("\\")
        elif line.startswith(PROMPT):
            text = line[len(PROMPT) :].rstrip()
            command = text.removesuffix("\\").strip()
            current = Step(command=command, line=number, clock=clock)
            continued = text.endswith("\\")
            steps.append(current)
        elif current is not None and line.startswith(TYPED):
            current.typed.append(line[len(TYPED) :])
        elif current is not None:
            current.shown.append(line)
    return steps
