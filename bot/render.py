"""Render slots for citizens in Danish or English, in Danish local time.

A confirmation says it in full ("tirsdag d. 3. december kl. 10.00, Sundhedscenter Roskilde,
Køgevej 1"); a list of three times may be shorter ("tirs. 3. dec. kl. 10.00, Sundhedscenter
Roskilde") so that the offer fits in two SMS.
"""

from __future__ import annotations

from datetime import datetime

from bot.types import Language, SlotOffer
from core.calendar import local as to_local

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


_SHORT_WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "da": ("man.", "tirs.", "ons.", "tors.", "fre.", "lør.", "søn."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_SHORT_MONTHS: dict[Language, tuple[str, ...]] = {
    "da": (
        *("jan.", "feb.", "mar.", "apr.", "maj", "jun."),
        *("jul.", "aug.", "sep.", "okt.", "nov.", "dec."),
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def render_when(moment: datetime, lang: Language, *, short: bool = False) -> str:
    """Render a time: "tirsdag d. 3. december kl. 10.00", short "tirs. 3. dec. kl. 10.00"."""
    local = to_local(moment)
    if short:
        weekday = _SHORT_WEEKDAYS[lang][local.weekday()]
        month = _SHORT_MONTHS[lang][local.month - 1]
        if lang == "en":
            return f"{weekday} {local.day} {month} at {local:%H:%M}"
        return f"{weekday} {local.day}. {month} kl. {local:%H.%M}"
    weekday = _WEEKDAYS[lang][local.weekday()]
    month = _MONTHS[lang][local.month - 1]
    if lang == "en":
        return f"{weekday} {local.day} {month} at {local:%H:%M}"
    return f"{weekday} d. {local.day}. {month} kl. {local:%H.%M}"


def render_place(slot: SlotOffer) -> str:
    """Render where a slot is: the location's name and address."""
    return ", ".join(part.strip() for part in (slot.location_name, slot.address) if part.strip())


def render_where(slot: SlotOffer, limit: int | None = None) -> str:
    """Name the location of a slot (its address if it has no name), cut to `limit` characters."""
    name = " ".join((slot.location_name.strip() or slot.address.strip()).split())
    if limit is None or len(name) <= limit:
        return name
    # Cut at a word boundary; a first word longer than the limit is shortened with a full stop
    # ("Sundhedsc."), so that a municipality's places can still be told apart.
    cut = name[: limit + 1].rsplit(" ", 1)[0].rstrip(",.-")
    if len(cut) <= limit:
        return cut
    return name[: limit - 1].rstrip(",.- ") + "." if limit >= 4 else ""


def render_slot(
    slot: SlotOffer, lang: Language, *, short: bool = False, limit: int | None = None
) -> str:
    """Render a slot as one line of an offer: when, then the location's name."""
    where = render_where(slot, limit)
    when = render_when(slot.starts_at, lang, short=short)
    return f"{when}, {where}" if where else when
