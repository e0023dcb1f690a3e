"""Bar charts as server-drawn SVG: no chart library, no script, readable with CSS off.

A hidden count ("<5") draws a short grey stub and says "<5": its size must not show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROW = 30  # pixels per bar, with the gap
BAR = 22
LABEL_WIDTH = 250
BAR_AREA = 380
VALUE_WIDTH = 90
STUB = 4  # the width of a hidden value's bar


@dataclass(frozen=True)
class Bar:
    """One bar: its label, what its value says, and where it is drawn."""

    label: str
    shown: str
    y: int
    width: float
    hidden: bool


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart, ready to draw."""

    title: str
    description: str
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA
    bar_height: int = BAR

    @property
    def width(self) -> int:
        return self.label_width + self.bar_area + VALUE_WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * ROW + 8


def bar_chart(
    *,
    title: str,
    items: Sequence[tuple[str, float | None, str]],
    maximum: float | None = None,
) -> BarChart:
    """Draw `(label, value, shown)` items; a value of None is hidden and drawn as a stub."""
    values = [value for _, value, _ in items if value is not None]
    top = maximum if maximum is not None else max(values, default=0)
    bars = tuple(
        Bar(
            label=label,
            shown=shown,
            y=4 + index * ROW,
            width=STUB if value is None else _length(value, top),
            hidden=value is None,
        )
        for index, (label, value, shown) in enumerate(items)
    )
    description = "; ".join(f"{label}: {shown}" for label, _, shown in items)
    return BarChart(title=title, description=description, bars=bars)


def _length(value: float, top: float) -> float:
    """Return a bar's length in pixels, rounded to a tenth; a zero value draws nothing."""
    if top <= 0 or value <= 0:
        return 0.0
    return round(min(value / top, 1.0) * BAR_AREA, 1)
