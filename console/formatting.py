"""How the console writes numbers, shares, days and times: the Danish way, in Copenhagen time."""

from __future__ import annotations

from datetime import date, datetime

from core.calendar import local

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
NONE = "–"


def number(value: int | float | str | None) -> str:
    """Write a number with a dot between thousands and a comma for decimals."""
    if value is None:
        return NONE
    if isinstance(value, str):
        return number(int(value)) if value.isdecimal() else value
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    whole, _, decimals = f"{value:,.1f}".partition(".")
    return whole.replace(",", ".") + "," + decimals


def percent(share: float | None) -> str:
    """Write a share as a percentage with one decimal, or a dash when it is not shown."""
    if share is None:
        return NONE
    return f"{share * 100:.1f} %".replace(".", ",")


def hours(value: float | None) -> str:
    """Write a number of hours, or a dash."""
    if value is None:
        return NONE
    return f"{value:.1f} timer".replace(".", ",")


def money(value: float) -> str:
    """Write an amount in Danish kroner."""
    whole, _, decimals = f"{value:,.2f}".partition(".")
    return f"{whole.replace(',', '.')},{decimals} kr."


def day(value: date | datetime | None) -> str:
    """Write a day as 24.11.2026; a moment counts by its Copenhagen day."""
    if value is None:
        return NONE
    if isinstance(value, datetime):
        value = local(value)
    return f"{value:%d.%m.%Y}"


def long_day(value: date | datetime) -> str:
    """Write a day as "tirsdag 24. november 2026"."""
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{WEEKDAYS[value.weekday()]} {value.day}. {MONTHS[value.month - 1]} {value.year}"


def clock(moment: datetime) -> str:
    """Write a moment's Copenhagen time of day as 09.45."""
    return f"{local(moment):%H.%M}"


def when(moment: datetime | None) -> str:
    """Write a moment as "24.11.2026 kl. 09.45" in Copenhagen time."""
    if moment is None:
        return NONE
    return f"{day(moment)} kl. {clock(moment)}"
