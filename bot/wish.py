"""Read when and where a citizen would like their time, and say which free slots fit it.

"tirsdag eller onsdag", "ikke tirsdag", "den 14.", "14/12", "om eftermiddagen", "efter kl 16",
"morgen", "i næste uge", "uge 51", "i Vejle", "på sundhedscentret": each becomes a part of a
`SlotWish`. Like the rest of the reading this is total, pure and offline: any text goes in, and
the worst that comes out is None (no wish). Dates and weeks are resolved against `today`, the
Danish local date the reply was written.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from bot import parsing
from bot.fit import iso_week
from bot.places import find_places, take
from bot.types import SlotWish

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})

_WEEKDAY_NAMES = (
    ("mandag", "monday", "mon"),
    ("tirsdag", "tirs", "tir", "tuesday", "tue", "tues"),
    ("onsdag", "ons", "wednesday", "wed"),
    ("torsdag", "tors", "tor", "thursday", "thu", "thur", "thurs"),
    ("fredag", "fre", "friday", "fri"),
    ("loerdag", "lordag", "saturday", "sat"),
    ("soendag", "sondag", "sunday", "sun"),
)
_WEEKDAYS = {parsing.key(name): day for day, names in enumerate(_WEEKDAY_NAMES) for name in names}
# "tirsdage", "tirsdagen", "mondays": the plural and the definite are the same day.
_SUFFIXES = ("ene", "en", "e", "s")

# Parts of the day: the words, then "starts at or after-starts before", Danish local time.
# Phrases come first, so "sen eftermiddag" is read before "eftermiddag".
_PART_TABLE = """
sen eftermiddag, late afternoon: 15:00-
sidst paa dagen, late in the day: 14:00-
senere paa dagen, later in the day: 12:00-
foerst paa dagen, early in the day: -10:00
efter arbejde, efter arbejdstid, efter fyraften, after work: 16:00-
efter frokost, after lunch: 12:00-
foer frokost, before lunch: -12:00
eftermiddag, afternoon: 12:00-
formiddag: -12:00
morgen, morgnen, morning, tidlig, tidligt, early: -10:00
middag, middagstid, frokost, frokosttid, lunch, noon: 11:00-13:30
aften, evening: 17:00-
sent, late: 15:00-
"""


def _part_table(table: str) -> tuple[tuple[str, tuple[str | None, str | None]], ...]:
    rows: list[tuple[str, tuple[str | None, str | None]]] = []
    for line in filter(None, table.splitlines()):
        names, hours = line.rsplit(": ", 1)
        after, before = hours.split("-")
        rows.extend((name.strip(), (after or None, before or None)) for name in names.split(","))
    return tuple(rows)


_PARTS = _part_table(_PART_TABLE)
_PART_FORMS = ("", "en", "e", "ne", "s")
# English words take only a plural: "noon" + "e" would key as "none" ("none of those").
_ENGLISH_PARTS = frozenset({"afternoon", "morning", "early", "lunch", "noon", "evening", "late"})
# Keyed as replies are: "eftermiddagen" is "eftermidagen" once repeated letters are squeezed.
_PART_WORDS = {
    parsing.key(name + form): hours
    for name, hours in _PARTS
    if " " not in name
    for form in (("", "s") if name in _ENGLISH_PARTS else _PART_FORMS)
}
_WEEK_PARTS = tuple(
    (phrase.strip(), days)
    for phrases, days in (
        ("foerst paa ugen, i starten af ugen, start of the week, early in the week", (0, 1)),
        ("midt paa ugen, midt i ugen, midweek", (1, 2, 3)),
        ("sidst paa ugen, i slutningen af ugen, end of the week, late in the week", (3, 4)),
        ("weekend, weekenden", (5, 6)),
    )
    for phrase in phrases.split(",")
)
# Days from today, and weeks from this week.
_DAYS = (("i overmorgen", 2), ("overmorgen", 2), ("i morgen", 1), ("imorgen", 1),
         ("tomorrow", 1), ("i dag", 0), ("idag", 0), ("today", 0))  # fmt: skip
_WEEKS = (("naeste uge", 1), ("next week", 1), ("ugen efter", 1), ("denne uge", 0),
          ("this week", 0), ("i ugen", 0), ("om en uge", 1), ("in a week", 1))  # fmt: skip
_COUNTS = {"en": 1, "et": 1, "a": 1, "one": 1, "to": 2, "two": 2, "tre": 3, "three": 3}
_COUNTS |= {"fire": 4, "four": 4, **{str(n): n for n in range(1, 9)}}

_MONTH_NAMES = (
    "januar january jan|februar february feb|marts march mar|april apr|maj may|juni june jun|"
    "juli july jul|august aug|september sept sep|oktober october okt oct|november nov|december dec"
)
_MONTHS = {name: n for n, names in enumerate(_MONTH_NAMES.split("|"), 1) for name in names.split()}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_HOUR = r"(\d{1,2})(?:[.:](\d{2}))?"
_CLOCK = r"(?:kl\.?\s*|klokken\s+)"
_BETWEEN = re.compile(
    rf"\b(?:mellem|between|fra|from)\s+{_CLOCK}?{_HOUR}\s*(?:og|and|til|to|-)\s*{_CLOCK}?{_HOUR}\b"
)
_AFTER = re.compile(rf"\b(ikke\s+|not\s+)?(?:efter|senere end|after|later than|fra|from)\s+"
                    rf"{_CLOCK}?{_HOUR}(?![\d./-])")  # fmt: skip
_BEFORE = re.compile(rf"\b(ikke\s+|not\s+)?(?:foer|inden|tidligere end|before|earlier than)\s+"
                     rf"{_CLOCK}?{_HOUR}(?![\d./-])")  # fmt: skip
_AT = re.compile(rf"\b(?:kl\.?|klokken|at|omkring|around)\s*{_HOUR}\b(?![./-]\d)")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s*[./-]\s*(\d{1,2})(?:\s*[./-]\s*(\d{4}|\d{2}))?\b")
_NAMED_DATE = re.compile(rf"\b(\d{{1,2}})\.?\s*(?:of\s+)?({_MONTH})\b\.?")
_ENGLISH_DATE = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")
_DAY_ONLY = re.compile(r"\b(?:den|d\.|the)\s*(\d{1,2})(?:\.|st|nd|rd|th)?(?!\s*[./:-]?\s*\d)")
_WEEK_NUMBER = re.compile(r"\b(?:uge|week|wk)\s*(\d{1,2})\b")
_WEEKS_AHEAD = re.compile(r"\b(?:om|in)\s+(\w+)\s+(?:uger|weeks)\b")

_NEGATORS = parsing.word_set(parsing.spaced("ikke not aldrig never undtagen except dont cant"))
# "har I ikke noget om eftermiddagen?" asks; it does not rule the afternoon out.
_ASKING_NOT = tuple(parsing.tokens(p) for p in ("har i ikke", "er der ikke", "kan i ikke",
                    "har de ikke", "have you not", "do you not"))  # fmt: skip
_CLAUSE_BREAK = re.compile(r"[,;!?()\n]|\b(?:men|but|og|and|eller|or|ellers)\b")

_MIN_HOUR, _MAX_HOUR = 6, 21


def _plain(text: str) -> str:
    """Lower-case and fold Danish letters, keeping the punctuation dates and times need."""
    text = unicodedata.normalize("NFKC", text[: parsing.MAX_CHARS].translate(_INVISIBLE)).lower()
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _clock(hour: str | None, minute: str | None) -> str | None:
    if hour is None:
        return None
    h, m = int(hour), int(minute or 0)
    return f"{h:02d}:{m:02d}" if _MIN_HOUR <= h <= _MAX_HOUR and m < 60 else None


def _next_hour(moment: str) -> str:
    return f"{int(moment[:2]) + 1:02d}:{moment[3:]}"


def _on_or_after(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """The first date with this day (and month) on or after today; None if there is none."""
    years = (year,) if year is not None else (today.year, today.year + 1)
    for y in years:
        for m in (month,) if month else (*range(today.month, 13), *range(1, 13)):
            try:
                found = date(y, m, day)
            except ValueError:
                continue
            if found >= today or year is not None:
                return found
    return None


class _Found:
    """The parts of a wish as they are found."""

    def __init__(self) -> None:
        self.weekdays: set[int] = set()
        self.not_weekdays: set[int] = set()
        self.dates: set[date] = set()
        self.weeks: set[str] = set()
        self.parts: list[tuple[str | None, str | None]] = []
        self.after: str | None = None
        self.before: str | None = None
        self.places: list[str] = []

    def limit(self, after: str | None, before: str | None) -> None:
        if after is not None:
            self.after = max(self.after or after, after)
        if before is not None:
            self.before = min(self.before or before, before)

    def wish(self) -> SlotWish | None:
        after, before = self.after, self.before
        if self.parts:
            starts = [p[0] for p in self.parts]
            ends = [p[1] for p in self.parts]
            union_after = None if None in starts else min(s for s in starts if s)
            union_before = None if None in ends else max(e for e in ends if e)
            after = max(filter(None, (after, union_after)), default=None)
            before = min(filter(None, (before, union_before)), default=None)
        wish = SlotWish(
            weekdays=tuple(sorted(self.weekdays)),
            not_weekdays=tuple(sorted(self.not_weekdays - self.weekdays)),
            dates=tuple(sorted(d.isoformat() for d in self.dates)),
            weeks=tuple(sorted(self.weeks)),
            after=after,
            before=before,
            places=tuple(dict.fromkeys(self.places)),
        )
        return None if wish == SlotWish() else wish


def _times(text: str, found: _Found) -> str:
    """Take clock times out of the text; return what is left."""
    for match in _BETWEEN.finditer(text):
        start, end = _clock(match[1], match[2]), _clock(match[3], match[4])
        if start and end and start < end:
            found.limit(start, end)
    text = _BETWEEN.sub(" ", text)
    for pattern, is_after in ((_AFTER, True), (_BEFORE, False)):
        for match in pattern.finditer(text):
            moment = _clock(match[2], match[3])
            if moment is None:
                continue
            # "ikke før kl 10" is after ten; "ikke efter 16" is before four.
            if is_after != bool(match[1]):
                found.limit(moment, None)
            else:
                found.limit(None, moment)
        text = pattern.sub(" ", text)
    for match in _AT.finditer(text):
        moment = _clock(match[1], match[2])
        if moment is not None:
            found.limit(moment, _next_hour(moment))
    return _AT.sub(" ", text)


def _dates(text: str, today: date, found: _Found) -> str:
    """Take dates and week numbers out of the text; return what is left."""
    for match in _NUMERIC_DATE.finditer(text):
        day, month = int(match[1]), int(match[2])
        year = int(match[3]) if match[3] else None
        if year is not None and year < 100:
            year += 2000
        if 1 <= month <= 12 and (day_date := _on_or_after(today, month, day, year)):
            found.dates.add(day_date)
    text = _NUMERIC_DATE.sub(" ", text)
    for match in _NAMED_DATE.finditer(text):
        if day_date := _on_or_after(today, _MONTHS[match[2]], int(match[1])):
            found.dates.add(day_date)
    text = _NAMED_DATE.sub(" ", text)
    for match in _ENGLISH_DATE.finditer(text):
        if day_date := _on_or_after(today, _MONTHS[match[1]], int(match[2])):
            found.dates.add(day_date)
    text = _ENGLISH_DATE.sub(" ", text)
    for match in _DAY_ONLY.finditer(text):
        if day_date := _on_or_after(today, 0, int(match[1])):
            found.dates.add(day_date)
    text = _DAY_ONLY.sub(" ", text)
    for match in _WEEK_NUMBER.finditer(text):
        week = int(match[1])
        for year in (today.year, today.year + 1):
            try:
                monday = date.fromisocalendar(year, week, 1)
            except ValueError:
                continue
            if monday + timedelta(days=6) >= today:
                found.weeks.add(iso_week(monday))
                break
    text = _WEEK_NUMBER.sub(" ", text)
    for match in _WEEKS_AHEAD.finditer(text):
        count = _COUNTS.get(parsing.key(match[1]))
        if count is not None:
            found.weeks.add(iso_week(today + timedelta(weeks=count)))
    return _WEEKS_AHEAD.sub(" ", text)


def _weekday(word: str) -> int | None:
    if word in _WEEKDAYS:
        return _WEEKDAYS[word]
    for suffix in _SUFFIXES:
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 5 and stem in _WEEKDAYS:
            return _WEEKDAYS[stem]
    return None


def _part(word: str) -> tuple[str | None, str | None] | None:
    return _PART_WORDS.get(word)


def _complement(hours: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """Not in the morning is after it; not in the afternoon is before it."""
    after, before = hours
    if after is None:
        return (before, None)
    return (None, after)


# Keyed once: the phrases each clause is searched for.
_KEYED_WEEK_PARTS = tuple((parsing.tokens(phrase), days) for phrase, days in _WEEK_PARTS)
_KEYED_DAYS = tuple((parsing.tokens(phrase), ahead) for phrase, ahead in _DAYS)
_KEYED_WEEKS = tuple((parsing.tokens(phrase), weeks) for phrase, weeks in _WEEKS)
_KEYED_PARTS = tuple((parsing.tokens(name), hours) for name, hours in _PARTS if " " in name)


def _clause(words: list[str], negated: bool, today: date, found: _Found) -> None:
    """Read weekdays, parts of the day and weeks from one clause."""
    if not any(words):
        return
    for phrase, days in _KEYED_WEEK_PARTS:
        if take(words, phrase):
            (found.not_weekdays if negated else found.weekdays).update(days)
    for phrase, ahead in _KEYED_DAYS:
        if take(words, phrase) and not negated:
            found.dates.add(today + timedelta(days=ahead))
    for phrase, weeks in _KEYED_WEEKS:
        if take(words, phrase) and not negated:
            found.weeks.add(iso_week(today + timedelta(weeks=weeks)))
    for phrase, hours in _KEYED_PARTS:
        if take(words, phrase):
            found.parts.append(_complement(hours) if negated else hours)
    for i, word in enumerate(words):
        day = _weekday(word)
        part = _part(word) if day is None else None
        if day is not None:
            (found.not_weekdays if negated else found.weekdays).add(day)
        elif part is not None:
            found.parts.append(_complement(part) if negated else part)
        else:
            continue
        words[i] = ""


_BREAK = "clausebreak"
_BREAK_KEY = parsing.key(_BREAK)


def parse_wish(text: str, today: date) -> SlotWish | None:
    """Read when and where a reply asks for; None if it names no day, time, week or place."""
    found = _Found()
    plain = _dates(_times(_plain(text), found), today, found)
    # Keyed once, with a mark where one clause ends and the next begins.
    keyed = parsing.tokens(_CLAUSE_BREAK.sub(f" {_BREAK} ", plain))
    clauses: list[list[str]] = [[]]
    for word in keyed:
        if word == _BREAK_KEY:
            clauses.append([])
        else:
            clauses[-1].append(word)
    for words in clauses:
        if not words:
            continue
        for asking in _ASKING_NOT:
            for i in range(len(words) - len(asking) + 1):
                if tuple(words[i : i + len(asking)]) == asking:
                    words[i + len(asking) - 1] = ""
        negated = any(word in _NEGATORS for word in words)
        _clause(words, negated, today, found)
        found.places.extend(find_places(words))
    return found.wish()


def known_words() -> frozenset[str]:
    """Every keyed word the wish reader knows, so the typo speller leaves them alone."""
    days = {day + suffix for day in _WEEKDAYS for suffix in ("", *_SUFFIXES)}
    return frozenset(days | set(_MONTHS) | set(_PART_WORDS) | {"uge", "uger", "ugen"})
