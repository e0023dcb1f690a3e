"""Parsers for one cell each: phone, birth date, CPR, education, language.

Each returns the parsed value, or None when the text is not understood; they never raise, so a
bad cell rejects its row and not the file.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

from stdnum.dk import cpr
from stdnum.exceptions import ValidationError

from store.types import Education

Language = Literal["da", "en"]


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?")
_DANISH_DATE = re.compile(r"(\d{1,2})([-./])(\d{1,2})\2(\d{4})")
_EARLIEST_BIRTH = date(1900, 1, 1)


def parse_birth_date(text: str) -> date | None:
    """Read an ISO date (1970-01-31) or a Danish one (31-01-1970, 31.01.1970, 31/01/1970)."""
    text = text.strip()
    if iso := _ISO_DATE.fullmatch(text):
        year, month, day = iso.group(1), iso.group(2), iso.group(3)
    elif danish := _DANISH_DATE.fullmatch(text):
        day, month, year = danish.group(1), danish.group(3), danish.group(4)
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def is_plausible_birth_date(value: date, *, today: date) -> bool:
    """Say whether someone on a member list can have been born on this date."""
    return _EARLIEST_BIRTH <= value <= today


def birth_date_from_cpr(digits: str) -> date | None:
    """Return the birth date in a CPR number, applying the 7th-digit century rule."""
    try:
        return cpr.get_birth_date(digits)
    except (ValidationError, ValueError, IndexError):
        return None


def _fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, keep æøå and single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^0-9a-zæøå]+", " ", text).split())


# Words that settle the education group, checked in this order on the folded text: the more
# specific first, so "ufaglært" is not read as "faglært" nor "kort videregående" as "kort".
_EDUCATION_PHRASES: tuple[tuple[str, Education], ...] = (
    ("ufaglært", Education.GRUNDSKOLE),
    ("ufaglaert", Education.GRUNDSKOLE),
    ("kort videregående", Education.KORT),
    ("mellemlang", Education.LANG),
    ("lang videregående", Education.LANG),
    ("professionsbachelor", Education.LANG),
    ("bachelor", Education.LANG),
    ("kandidat", Education.LANG),
    ("master", Education.LANG),
    ("ph d", Education.LANG),
    ("akademiker", Education.LANG),
    ("universitet", Education.LANG),
    ("university", Education.LANG),
    ("erhvervsakademi", Education.KORT),
    ("akademiuddannelse", Education.KORT),
    ("erhvervsuddannelse", Education.KORT),
    ("erhvervsfaglig", Education.KORT),
    ("faglært", Education.KORT),
    ("faglaert", Education.KORT),
    ("svend", Education.KORT),
    ("vocational", Education.KORT),
    ("grundskole", Education.GRUNDSKOLE),
    ("folkeskole", Education.GRUNDSKOLE),
    ("gymnasi", Education.GRUNDSKOLE),
    ("student", Education.GRUNDSKOLE),
    ("primary", Education.GRUNDSKOLE),
    ("secondary", Education.GRUNDSKOLE),
    ("high school", Education.GRUNDSKOLE),
)
# Whole words only: "hf" or "kvu" inside another word mean nothing.
_EDUCATION_WORDS: dict[str, Education] = {
    "ingen": Education.GRUNDSKOLE,
    "stx": Education.GRUNDSKOLE,
    "hhx": Education.GRUNDSKOLE,
    "htx": Education.GRUNDSKOLE,
    "hf": Education.GRUNDSKOLE,
    "eud": Education.KORT,
    "eux": Education.KORT,
    "kvu": Education.KORT,
    "kort": Education.KORT,
    "short": Education.KORT,
    "mvu": Education.LANG,
    "lvu": Education.LANG,
    "lang": Education.LANG,
    "long": Education.LANG,
    "medium": Education.LANG,
    "phd": Education.LANG,
    "anden": Education.ANDEN,
    "andet": Education.ANDEN,
    "other": Education.ANDEN,
}


def parse_education(text: str) -> Education | None:
    """Map an education label to the evaluation's group; None if empty, ANDEN if not understood."""
    folded = _fold(text)
    if not folded:
        return None
    for phrase, group in _EDUCATION_PHRASES:
        if phrase in folded:
            return group
    for word in folded.split():
        if word in _EDUCATION_WORDS:
            return _EDUCATION_WORDS[word]
    return Education.ANDEN


_LANGUAGES: dict[str, Language] = {
    "da": "da",
    "dk": "da",
    "dan": "da",
    "dansk": "da",
    "danish": "da",
    "en": "en",
    "eng": "en",
    "engelsk": "en",
    "english": "en",
}


def parse_language(text: str) -> Language | None:
    """Map a language cell to "da" or "en"; None if it names neither (empty included)."""
    return _LANGUAGES.get(_fold(text))
