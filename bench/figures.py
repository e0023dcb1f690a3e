"""One measured figure beside its reference, and whether it meets its target."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Target:
    """A bound on the figure, or on its ratio to the reference."""

    text: str  # as the issue states it, e.g. "≥ 50 % of the reference"
    bound: float
    on: Literal["figure", "ratio"] = "ratio"
    better: Better = "higher"

    def met(self, *, figure: float, ratio: float | None) -> bool | None:
        """Say whether the target is met; None when its ratio could not be measured."""
        value = figure if self.on == "figure" else ratio
        if value is None:
            return None
        return value >= self.bound if self.better == "higher" else value <= self.bound


@dataclass(frozen=True)
class Figure:
    """A row of the bench's table, for one database."""

    row: str  # the module that measured it: import, launch, send, webhook, reminders, tables
    backend: str
    what: str
    figure: float
    unit: str
    reference: float | None = None
    reference_what: str = ""
    target: Target | None = None
    details: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """The figure over its reference."""
        if self.reference is None or self.reference == 0:
            return None
        return self.figure / self.reference

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None: no target, or not measurable)."""
        if self.target is None:
            return None
        return self.target.met(figure=self.figure, ratio=self.ratio)

    def as_json(self) -> dict[str, object]:
        """Return the figure as JSON-ready data, with its ratio and verdict."""
        return {
            "row": self.row,
            "backend": self.backend,
            "what": self.what,
            "figure": _significant(self.figure),
            "unit": self.unit,
            "reference": None if self.reference is None else _significant(self.reference),
            "reference_what": self.reference_what,
            "ratio": None if self.ratio is None else _significant(self.ratio),
            "target": None if self.target is None else asdict(self.target),
            "met": self.met,
            "details": self.details,
        }


def _significant(value: float) -> float:
    """Keep six significant digits: enough for any figure here, and ratios still add up."""
    return float(f"{value:.6g}")
