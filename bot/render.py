"""Render slots for citizens in Danish or English, in Danish local time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.types import Language, SlotOffer

LOCAL = ZoneInfo("Europe/Copenhagen")

_WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS: dict[Language, tuple[str, ...]] = {
    "da": (
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def local_time(moment: datetime) -> datetime:
    """Convert to Danish local time; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL)


def render_when(moment: datetime, lang: Language) -> str:
    """Render a time: "tirsdag d. 3. december kl. 10.00", "Tuesday 3 December at 10:00"."""
    local = local_time(moment)
    weekday = _WEEKDAYS[lang][local.weekday()]
    month = _MONTHS[lang][local.month - 1]
    if lang == "en":
        return f"{weekday} {local.day} {month} at {local:%H:%M}"
    return f"{weekday} d. {local.day}. {month} kl. {local:%H.%M}"


def render_place(slot: SlotOffer) -> str:
    """Render where a slot is: the location's name and address."""
    return ", ".join(part.strip() for part in (slot.location_name, slot.address) if part.strip())


def render_slot(slot: SlotOffer, lang: Language) -> str:
    """Render a slot as one line: when, then where."""
    place = render_place(slot)
    when = render_when(slot.starts_at, lang)
    return f"{when}, {place}" if place else when
