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


# Zero-width characters and soft hyphens hide inside words ("st\u200bop", "af\u00admeld").
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)


def normalise(text: str) -> str:
    """Lower-case, fold Danish letters and accents, and reduce punctuation to single spaces."""
    # NFKC first folds full-width letters ("ＳＴＯＰ") and ligatures into plain ones.
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS].translate(_INVISIBLE)).lower()
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


# Phrases of wanting no more contact, keyed as `parsing.tokens` keys them.
_PHRASES = (
    "afmeldes",
    "frameldes",
    "meld mig af",
    "lad mig vaere",
    "lad mig vaer",
    "lad mig vaere i fred",
    "ingen flere sms",
    "ingen flere beskeder",
    "ingen sms",
    "ingen beskeder",
    "ikke flere henvendelser",
    "vil ikke kontaktes",
    "vil ikke have sms",
    "vil ikke have flere",
    "oensker ikke flere",
    "oensker ikke at modtage",
    "skriv ikke til mig",
    "ikke skriv til mig",
    "ikke skriv",
    "ikke kontakt mig",
    "kontakt mig ikke",
    "hold op med at skrive",
    "hold op med at sende",
    "stop med at skrive",
    "stop med at sende",
    "leave me alone",
    "dont text me",
    "dont message me",
    "dont contact me",
    "dont sms me",
    "do not text",
    "do not contact",
    "do not message",
    "never text",
    "never contact",
    "stop texting",
    "stop messaging",
    "stop sending",
    "stop contacting",
    "no more sms",
    "take me off",
    "not contact me",
    "not text me",
)
_DELETE = word_set(["slet", "slette", "sletter", "fjern", "fjerne", "delete", "remove", "erase"])
_PERSONAL = word_set(
    spaced(
        "mig me mit mine min nummer nummeret number oplysninger data info details listen"
        " list telefonnummer phone"
    )
)
# Words that make a stop word about something else: a habit, a place, or the appointment.
_HABITS = word_set(
    spaced(
        "rygning ryge ryger smoking smoke drinking drikke alkohol alcohol snus smoeger"
        " smoegerne cigaretter cigarettes vaegt eating spise medicin"
    )
)
_BEFORE = word_set(spaced("bus busstop ikke not dont never aldrig ej om about a the et en"))
_APPOINTMENT = word_set(
    spaced("tid tiden tider aftale aftalen samtale samtalen booking bookingen appointment")
)
_NEGATED_AFTER = word_set(["ikke"])
# How far a stop word looks ahead for what it is about ("stop med at ryge", "quit smoking").
_SCOPE = 4


@lru_cache(maxsize=32)
def _single(stop_words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p[0] for p in phrases(stop_words) if len(p) == 1)


def _stop_word_counts(words: Tokens, i: int) -> bool:
    """Say whether the stop word at `i` asks to stop rather than naming something else."""
    if i > 0 and words[i - 1] in _BEFORE:
        return False
    ahead = words[i + 1 : i + 1 + _SCOPE]
    if ahead[:1] and ahead[0] in _NEGATED_AFTER:
        return False
    if any(word in _HABITS for word in ahead):
        return False
    # "afmeld tiden", "afmelde min tid": the appointment, not the contact.
    return not any(word in _APPOINTMENT for word in ahead[:3])


def _deletion(words: Tokens) -> bool:
    """Say whether the reply asks to delete the citizen ("slet mit nummer", "remove me")."""
    return any(
        word in _DELETE
        and (i == 0 or words[i - 1] not in _BEFORE)
        and any(w in _PERSONAL for w in words[i + 1 : i + 1 + _SCOPE])
        for i, word in enumerate(words)
    )


def is_opt_out(text: str, stop_words: Sequence[str]) -> bool:
    """Say whether a reply, of any length, asks for no more contact or to be deleted.

    A stop word counts anywhere, unless it is negated ("stop ikke"), names something else
    ("bus stop", "stop rygning", "quit smoking") or is about the appointment ("afmeld tiden").
    """
    words = tokens(text)
    if not words:
        return False
    single = _single(tuple(stop_words))
    if any(w in single and _stop_word_counts(words, i) for i, w in enumerate(words)):
        return True
    longer = [p for p in phrases(tuple(stop_words)) if len(p) > 1]
    if any(has_phrase(words, p) for p in (*longer, *phrases(_PHRASES))):
        return True
    return _deletion(words) or _left_alone(words)


_LET_ME = tokens("lad mig")
_BE = word_set(spaced("være vær fred"))


def _left_alone(words: Tokens) -> bool:
    """Say whether the reply asks to be left alone with words in between ("lad mig nu være")."""
    return any(
        words[i : i + 2] == _LET_ME and any(w in _BE for w in words[i + 2 : i + 5])
        for i in range(len(words))
    )


def cancels_appointment(text: str, stop_words: Sequence[str]) -> bool:
    """Say whether a stop word is about the appointment ("afmeld tiden"), so it cancels."""
    words = tokens(text)
    single = _single(tuple(stop_words))
    return any(
        w in single and any(a in _APPOINTMENT for a in words[i + 1 : i + 4])
        for i, w in enumerate(words)
    )


_GREETINGS = word_set(["hej", "hejsa", "hi", "hello", "hey", "dav", "goddag", "hallo"])
_NEGATORS = word_set(["ikke", "not", "dont", "never", "aldrig", "ej"])


_BUT = word_set(["men", "but"])
# Turns of phrase whose words say the opposite of what they mean.
_IDIOMS: tuple[tuple[Tokens, Tokens], ...] = (
    (tokens("nej hvor"), ("ja",)),  # "nej hvor dejligt" is delight
    (tokens("hvorfor ikke"), ("ja",)),
    (tokens("why not"), ("yes",)),
    (tokens("ikke dårligt"), ("godt",)),
    (tokens("ikke dårlig"), ("godt",)),
    (tokens("not bad"), ("good",)),
)


def idioms(words: Tokens) -> Tokens:
    """Replace turns of phrase with what they mean ("ikke dårligt" → "godt")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, meaning in _IDIOMS:
            if words[i : i + len(phrase)] == phrase:
                out.extend(meaning)
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


def classify_yes_no(text: str, yes: Sequence[str], no: Sequence[str]) -> Answer | None:
    """Read a reply as yes or no; None when it is neither or both."""
    words = tokens(text)
    while words and words[0] in _GREETINGS:
        words = words[1:]
    words = idioms(words)
    if not words:
        return None
    # "ja, men ikke tirsdag" is a yes with a condition: read what comes before the "men".
    for i, word in enumerate(words[1:], 1):
        if word in _BUT:
            head = classify_yes_no(" ".join(words[:i]), yes, no)
            tail = classify_yes_no(" ".join(words[i + 1 :]), yes, no)
            # ... unless the condition is itself a no ("ja men ikke nu").
            if head is Answer.YES and tail is not Answer.NO:
                return head
            break
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


_BORN = word_set(spaced("foedt fodt fod f born aargang argang"))


def find_birth_year(text: str, this_year: int) -> int | None:
    """Find one plausible four-digit birth year in a reply ("1970", "født 12.3.1970")."""
    words = tokens(text)
    years = {n for n in digits(words) if this_year - 120 <= n <= this_year}
    # "født 71", "årgang 66": a two-digit number after a word for birth is a year, not an age.
    for i, word in enumerate(words[:-1] if not years else ()):
        after = words[i + 1 : i + 3]
        if word in _BORN and after:
            nxt = after[1] if after[0] in ("i", "in") and len(after) > 1 else after[0]
            if len(nxt) == 2 and nxt.isdigit():
                short = int(nxt)
                years.add(1900 + short if 1900 + short > this_year - 100 else 2000 + short)
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
