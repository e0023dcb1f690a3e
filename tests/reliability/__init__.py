"""Faults and abuse: nothing lost, nothing doubled, nobody let in.

Each test here runs a short version in `make test` and the full size in `make soak`
(`RECRUITBOT_SOAK=1`). `size(short, full)` picks the figure for the run.
"""

from __future__ import annotations

import os

SOAK = os.environ.get("RECRUITBOT_SOAK", "") not in ("", "0")


def size(short: int, full: int) -> int:
    """Return the short figure in `make test`, the full one in `make soak`."""
    return full if SOAK else short


def write_figures(name: str, **figures: object) -> None:
    """Keep what a run found where `make soak` asks (RECRUITBOT_FIGURES), for the README."""
    import json
    from pathlib import Path

    folder = os.environ.get("RECRUITBOT_FIGURES")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{name}{'-soak' if SOAK else ''}.json").write_text(
        json.dumps(figures, indent=2) + "\n"
    )
