"""The project's recruitment goal per municipality, given with the request.

Goals are not stored: they are set by each municipality's project agreement and change
rarely, so a report takes them as parameters (`--goal` on the CLI, `?goal=` in the API).
A goal reads `N` — the goal of the one municipality the report covers — or `MUNICIPALITY=N`,
with the municipality by name or code, once per municipality: `--goal Roskilde=400`.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitoring.filters import FilterError
from store.municipalities import resolve_municipality

MAX_GOAL = 1_000_000


def parse_goals(values: Sequence[str], *, only_municipality: str | None) -> dict[str, int]:
    """Return goals by municipality code; a bare number needs one municipality in scope."""
    goals: dict[str, int] = {}
    for value in values:
        place, _, number = value.rpartition("=")
        code = _code(place) if place else only_municipality
        if code is None:
            raise FilterError(
                f"goal {value!r} names no municipality; write MUNICIPALITY=N when the report "
                "covers several"
            )
        goals[code] = _number(number)
    return goals


def _code(place: str) -> str:
    """Return the code of a municipality named by name or code."""
    ref = resolve_municipality(place)
    if ref is None:
        raise FilterError(f"{place!r} is not a Danish municipality")
    return ref.code


def _number(text: str) -> int:
    """Return a goal as a positive whole number."""
    stripped = text.strip()
    if not (stripped.isdecimal() and len(stripped) <= 7 and 0 < int(stripped) <= MAX_GOAL):
        raise FilterError(f"a goal is a whole number from 1 to {MAX_GOAL}, not {text!r}")
    return int(stripped)
