"""What fits in an SMS: the GSM 03.38 alphabet and the two-segment budget of every text.

A text with one character outside the GSM 7-bit alphabet is sent as UCS-2, at 70 characters a
segment instead of 153, so a name like "Zoë" would triple the price of an invitation. Values the
engine fills in (names, places) are therefore folded into the alphabet first.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import gsm0338  # noqa: F401  (importing registers the "gsm03.38" codec)

CODEC = "gsm03.38"
# A segment of a concatenated GSM-7 SMS carries 153 septets; every text must fit in two.
SEGMENT_SEPTETS = 153
MAX_SEGMENTS = 2
MAX_SEPTETS = MAX_SEGMENTS * SEGMENT_SEPTETS

# Characters with no decomposition that people still write in names and addresses.
_NEAREST = {
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ı": "i",
    "œ": "oe",
    "Œ": "OE",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "‐": "-",
    "…": "...",
    "\u00a0": " ",
}


def septets(text: str) -> int | None:
    """Count the septets `text` takes in GSM-7 (extension characters count 2); None if it can't."""
    try:
        return len(text.encode(CODEC))
    except UnicodeEncodeError:
        return None


def fits(text: str, segments: int = MAX_SEGMENTS) -> bool:
    """Say whether `text` is GSM-7 and fits in `segments` concatenated segments."""
    count = septets(text)
    if count is None:
        return False
    return count <= (160 if segments == 1 else segments * SEGMENT_SEPTETS)


@lru_cache(maxsize=1024)
def _fold_char(char: str) -> str | None:
    if septets(char) is not None:
        return char
    if char in _NEAREST:
        return _NEAREST[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and septets(base) is not None:
        return base
    return None


def to_gsm(text: str) -> str | None:
    """Fold `text` into the GSM alphabet ("Zoë" → "Zoe"); None if a character has no match."""
    folded = [_fold_char(char) for char in text]
    if any(part is None for part in folded):
        return None
    return "".join(part for part in folded if part is not None)


def gsm_safe(text: str) -> str:
    """Fold `text` into the GSM alphabet, dropping the characters that have no match."""
    if _ALPHABET.issuperset(text):
        return text  # already GSM-7, as nearly every text is: nothing to fold
    return "".join(part for part in (_fold_char(char) for char in text) if part is not None)


def _alphabet() -> frozenset[str]:
    """The characters GSM-7 has: each septet, and each after the escape to the extension table."""
    found = set()
    for code in range(256):
        for sequence in (bytes([code]), b"\x1b" + bytes([code])):
            try:
                char = sequence.decode(CODEC)
            except UnicodeDecodeError:
                continue
            if len(char) == 1 and septets(char) is not None:
                found.add(char)
    return frozenset(found)


_ALPHABET = _alphabet()
