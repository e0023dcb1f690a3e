"""CPR numbers: read one from a cell, and keep them out of stored and shown text, however spelled.

A citizen may text `04 04 70 1237`, `05.05.70-1238`, `111170/1244`, full-width digits or an en
dash. The text is NFKC-normalised, split into groups of digits joined by short runs of
separators (spaces, dots, slashes, commas, any dash), and any run of whole groups that holds
exactly ten digits with a valid birth date is replaced. A longer unbroken run of digits is left.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.dk import cpr
from stdnum.exceptions import InvalidChecksum, ValidationError

REDACTED = "[CPR-nummer fjernet]"
CPR_WITHHELD = "(withheld: looks like a CPR number)"

# Every dash a phone keyboard or a word processor may produce, after NFKC (which already folds
# full-width and small forms of the hyphen-minus to "-").
_DASHES = "\\-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58"
_SEPARATOR_CHARS = rf"[\s.,/{_DASHES}]"
_SEPARATOR = rf"{_SEPARATOR_CHARS}{{1,3}}"
_SEPARATORS = re.compile(rf"{_SEPARATOR_CHARS}+")
_DIGIT_RUN = re.compile(rf"\d+(?:{_SEPARATOR}\d+)*")
_GROUP = re.compile(r"\d+")
_CPR_DIGITS = 10


def normalise(text: str) -> str:
    """Return the NFKC form of the text, so full-width digits and dashes read as ASCII."""
    return unicodedata.normalize("NFKC", text)


def strip_separators(text: str) -> str:
    """Return the NFKC form of the text without the separators `redact_cpr` reads between a
    CPR number's parts: a CPR column's cell in any spelling redaction knows becomes its digits."""
    return _SEPARATORS.sub("", normalise(text))


def redact_cpr(text: str) -> str:
    """Replace every valid CPR number in the (normalised) text; other numbers stay."""
    return _DIGIT_RUN.sub(_redact_run, normalise(text))


def contains_cpr(text: str) -> bool:
    """Say whether the text holds a CPR number in any spelling."""
    return redact_cpr(text) != normalise(text)


def _redact_run(run: re.Match[str]) -> str:
    """Redact each window of whole digit groups in one run that reads as a CPR number."""
    text = run[0]
    groups = [(g.start(), g.end()) for g in _GROUP.finditer(text)]
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(groups):
        end = _cpr_window_end(text, groups, first)
        if end is None:
            first += 1
            continue
        spans.append((groups[first][0], groups[end][1]))
        first = end + 1
    for start, stop in reversed(spans):
        text = text[:start] + REDACTED + text[stop:]
    return text


def _cpr_window_end(text: str, groups: list[tuple[int, int]], first: int) -> int | None:
    """Return the last group of a ten-digit CPR window starting at `first`, if there is one."""
    digits = ""
    for index in range(first, len(groups)):
        start, stop = groups[index]
        digits += text[start:stop]
        if len(digits) == _CPR_DIGITS:
            return index if _is_cpr(digits) else None
        if len(digits) > _CPR_DIGITS:
            return None
    return None


def _is_cpr(digits: str) -> bool:
    """Say whether ten digits hold a valid birth date; modulus 11 is not required since 2007."""
    try:
        cpr.validate(digits)
    except InvalidChecksum:  # older python-stdnum versions still test modulus 11
        return True
    except (ValidationError, ValueError, IndexError):
        return False
    return True


def parse_cpr(text: str) -> str | None:
    """Return the 10 CPR digits if the format and embedded date are valid, else None.

    The modulus-11 check is deliberately not applied: CPR numbers issued since 2007 need not
    satisfy it (CPR-kontoret ran out of numbers that do), so it would reject real people.
    """
    try:
        return str(cpr.validate(text))
    except InvalidChecksum:  # older python-stdnum versions still test modulus 11
        return str(cpr.compact(text))
    except (ValidationError, ValueError, IndexError):
        return None
