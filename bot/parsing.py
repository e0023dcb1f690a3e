"""Read citizens' free-text replies: normalise them, classify them and pull out answers.

Every function here is total: any string goes in, and the worst that comes out is "not
understood" (None or False). Keyword lists come from the flow, so matching works on keys: text
lower-cased, Danish letters folded (æ → ae, ø → oe, å → aa), accents, punctuation and emoji
dropped, and runs of a repeated letter squeezed to one, so "JAAA!!", "Ja tak 🙂" and "jeps" all
reduce to the few tokens the keyword lists name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache

# A reply longer than this is not a short answer; reading on only costs time.
MAX_CHARS = 2000
# "Short" replies: a keyword anywhere in them counts. Longer ones must start with it.
SHORT = 6

Tokens = tuple[str, ...]


class Answer(StrEnum):
    """A yes or a no."""

    YES = "yes"
    NO = "no"


# Thumbs and ticks are common one-character answers; map them before emoji are dropped.
_SYMBOLS = {"👍": " ja ", "👎": " nej ", "✅": " ja ", "✔": " ja ", "❌": " nej "}
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
_PUNCTUATION = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"([^\W\d_])\1+")


def normalise(text: str) -> str:
    """Lower-case, fold Danish letters and accents, and reduce punctuation to single spaces."""
    text = text[:MAX_CHARS].lower()
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # Apostrophes join rather than split, so "don't" stays one word.
    text = text.replace("'", "").replace("’", "")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def key(text: str) -> str:
    """Normalise and squeeze repeated letters, the form every comparison uses."""
    return _REPEATS.sub(r"\1", normalise(text))


def tokens(text: str) -> Tokens:
    """Split a reply into keyed words."""
    return tuple(key(text).split())


@lru_cache(maxsize=256)
def phrases(words: tuple[str, ...]) -> tuple[Tokens, ...]:
    """Key a keyword list once; empty entries are dropped."""
    return tuple(keyed for keyed in (tokens(word) for word in words) if keyed)


def spaced(words: str) -> tuple[str, ...]:
    """Split a space-separated list of words."""
    return tuple(words.split())


def word_set(words: Iterable[str]) -> frozenset[str]:
    """Key a list of words and phrases into the set of words they contain."""
    return frozenset(token for word in words for token in tokens(word))


def has_phrase(words: Tokens, phrase: Tokens, *, at_start: bool = False) -> bool:
    """Say whether `phrase` occurs as consecutive words (at the start, if asked)."""
    width = len(phrase)
    starts = range(1) if at_start else range(len(words) - width + 1)
    return any(words[i : i + width] == phrase for i in starts)


def mentions(text: str, words: Sequence[str], max_tokens: int = SHORT) -> bool:
    """Say whether a short reply contains one of the keyword phrases as whole words."""
    found = tokens(text)
    if not found or len(found) > max_tokens:
        return False
    return any(has_phrase(found, phrase) for phrase in phrases(tuple(words)))


def is_opt_out(text: str, stop_words: Sequence[str]) -> bool:
    """Say whether a reply asks to stop: a stop word as a whole word in a short reply."""
    if mentions(text, stop_words, SHORT):
        return True
    # In a longer reply only a stop word that opens or closes it counts ("... tak, STOP"); one
    # that is mentioned in passing belongs to a question, not an opt-out.
    words = tokens(text)
    if len(words) > 2 * SHORT:
        return False
    return any(
        words[: len(phrase)] == phrase or words[-len(phrase) :] == phrase
        for phrase in phrases(tuple(stop_words))
    )


_GREETINGS = word_set(["hej", "hejsa", "hi", "hello", "hey", "dav", "goddag", "hallo"])
_NEGATORS = word_set(["ikke", "not", "dont", "never", "aldrig", "ej"])


def classify_yes_no(text: str, yes: Sequence[str], no: Sequence[str]) -> Answer | None:
    """Read a reply as yes or no; None when it is neither or both."""
    words = tokens(text)
    while words and words[0] in _GREETINGS:
        words = words[1:]
    if not words:
        return None
    at_start = len(words) > SHORT
    said_yes = any(has_phrase(words, p, at_start=at_start) for p in phrases(tuple(yes)))
    said_no = any(has_phrase(words, p, at_start=at_start) for p in phrases(tuple(no)))
    if said_yes and not said_no and not any(w in _NEGATORS for w in words):
        return Answer.YES
    if said_no and not said_yes:
        return Answer.NO
    return None


def acknowledges(text: str, thanks: Sequence[str]) -> bool:
    """Say whether a short reply is only thanks or an acknowledgement ("Tak!", "Super 👍")."""
    words = tokens(text)
    vocabulary = word_set(thanks) | word_set(["ja", "ok", "okay"])
    return 0 < len(words) <= SHORT and all(word in vocabulary for word in words)


# ------------------------------------------------------------------ numbers


def digits(words: Tokens) -> list[int]:
    """Return the numbers written with digits among keyed words."""
    return [int(word) for word in words if word.isascii() and word.isdigit() and len(word) <= 6]


def find_birth_year(text: str, this_year: int) -> int | None:
    """Find one plausible four-digit birth year in a reply ("1970", "født 12.3.1970")."""
    years = {n for n in digits(tokens(text)) if this_year - 120 <= n <= this_year}
    return years.pop() if len(years) == 1 else None


def find_age(text: str) -> int | None:
    """Find an age in years in a short reply ("52", "jeg er 52 år")."""
    words = tokens(text)
    if len(words) > SHORT:
        return None
    ages = [n for n in digits(words) if 15 <= n <= 110]
    return ages[0] if len(ages) == 1 else None


# ------------------------------------------------------------------ municipality

_PLACE_FILLER = word_set(
    spaced("kommune kommunen municipality jeg bor i in live im i'm pa det er it is the")
)


def place_words(text: str) -> Tokens:
    """Key a municipality name, leaving out "Kommune" and "jeg bor i"."""
    return tuple(word for word in tokens(text.replace("-", " ")) if word not in _PLACE_FILLER)


# Danish municipality names have at most three words ("Lyngby-Taarbæk", "Ringkøbing-Skjern").
_LONGEST_NAME = 3


def match_municipality(text: str, target: str) -> bool | None:
    """Say whether a reply names the target municipality; None if it names nothing."""
    said = place_words(text)
    if not said or any(word.isdigit() for word in said) or len(said) > 2 * SHORT:
        return None
    wanted = place_words(target)
    if has_phrase(said, wanted) or set(said) <= set(wanted):
        return True
    # A longer reply that does not name the target is a question or a remark, not a name.
    if len(said) > _LONGEST_NAME:
        return None
    if not wanted:
        return True
    # Forgive a typo: "Roskilee" for "Roskilde", "Københavns" for "København".
    return SequenceMatcher(None, " ".join(said), " ".join(wanted)).ratio() >= 0.85
