"""Say which free slots fit a citizen's wish, and combine or relax wishes.

A slot fits when its Danish local day, week, time and place (name, address or kind) agree with
every part of the wish that is set; the engine offers only slots that fit, or says plainly that
none do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from difflib import SequenceMatcher

from bot import parsing
from bot.places import KIND_WORDS
from bot.types import SlotOffer, SlotWish
from core.calendar import local


def iso_week(day: date) -> str:
    """Name the ISO week of a date: "2026-W51"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _place_fits(place: str, names: Iterable[str]) -> bool:
    for name in names:
        if place == name or (min(len(place), len(name)) >= 4 and place.startswith(name)):
            return True
        if min(len(place), len(name)) >= 4 and name.startswith(place):
            return True
        if SequenceMatcher(None, place, name).ratio() >= 0.85:
            return True
    return False


def place_words(slot: SlotOffer) -> parsing.Tokens:
    """Key the name, address and kind of a slot's place for matching.

    The kind gives its words ("workplace": "arbejdsplads"), so "på arbejdspladsen" finds a
    workplace whose name does not say so.
    """
    return (*parsing.tokens(f"{slot.location_name} {slot.address}"), *KIND_WORDS.get(slot.kind, ()))


def matches(wish: SlotWish | None, slot: SlotOffer) -> bool:
    """Say whether a slot fits the wish (any slot fits no wish)."""
    if wish is None:
        return True
    when = local(slot.starts_at)
    weekday = when.weekday()
    if weekday in wish.not_weekdays:
        return False
    if (wish.weekdays or wish.dates) and (
        weekday not in wish.weekdays and when.date().isoformat() not in wish.dates
    ):
        return False
    if wish.weeks and iso_week(when.date()) not in wish.weeks:
        return False
    moment = f"{when:%H:%M}"
    if (wish.after and moment < wish.after) or (wish.before and moment >= wish.before):
        return False
    if wish.places:
        names = place_words(slot)
        return any(_place_fits(place, names) for place in wish.places)
    return True


def merge(old: SlotWish | None, new: SlotWish | None) -> SlotWish | None:
    """Add a new wish to an earlier one: what the new one names replaces, exclusions add up."""
    if old is None or new is None:
        return new or old
    days = bool(new.weekdays or new.dates)
    times = new.after is not None or new.before is not None
    excluded = (set(old.not_weekdays) | set(new.not_weekdays)) - set(new.weekdays)
    return replace(
        old,
        weekdays=new.weekdays if days else old.weekdays,
        dates=new.dates if days else old.dates,
        not_weekdays=tuple(sorted(excluded)),
        weeks=new.weeks or old.weeks,
        after=new.after if times else old.after,
        before=new.before if times else old.before,
        places=new.places or old.places,
    )


def relaxed(wish: SlotWish | None) -> SlotWish | None:
    """The wish with only its exclusions ("ikke tirsdag"), for offering the nearest others."""
    if wish is None or not wish.not_weekdays:
        return None
    kept = SlotWish(not_weekdays=wish.not_weekdays)
    return None if kept == wish else kept
