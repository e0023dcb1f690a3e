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

from bot.types import CHRONIC_DISEASES, HEALTH_SCALE

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


def _words(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


def _word_set(words: Iterable[str]) -> frozenset[str]:
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


_GREETINGS = _word_set(["hej", "hejsa", "hi", "hello", "hey", "dav", "goddag", "hallo"])
_NEGATORS = _word_set(["ikke", "not", "dont", "never", "aldrig", "ej"])


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
    vocabulary = _word_set(thanks) | _word_set(["ja", "ok", "okay"])
    return 0 < len(words) <= SHORT and all(word in vocabulary for word in words)


# ------------------------------------------------------------------ numbers


def _numbers(words: Tokens) -> list[int]:
    return [int(word) for word in words if word.isascii() and word.isdigit() and len(word) <= 6]


_CHOICE_FILLER = _word_set(
    _words(
        "nr nummer number no num tid time den det the option valg mulighed jeg tager vil gerne"
        " have tak please i ill take ja yes ok thanks tk"
    )
)
_ORDINALS = {
    **{key(word): n for n, word in enumerate(["første", "anden", "tredje", "fjerde"], 1)},
    **{key(word): n for n, word in enumerate(["forste", "andet"], 1)},
    **{key(word): n for n, word in enumerate(["first", "second", "third", "fourth"], 1)},
    **{key(word): n for n, word in enumerate(["1st", "2nd", "3rd", "4th"], 1)},
    **{key(word): n for n, word in enumerate(["one", "two", "three", "four"], 1)},
    "tre": 3,
}


def parse_choice(text: str, count: int) -> int | None:
    """Read "2", "nr. 2", "nummer 2" or "den anden" as a choice between 1 and `count`."""
    rest = [word for word in tokens(text) if word not in _CHOICE_FILLER]
    if len(rest) != 1:
        return None
    word = rest[0]
    if word.isascii() and word.isdigit() and len(word) <= 2:
        number = int(word)
    else:
        number = _ORDINALS.get(word, 0)
    return number if 1 <= number <= count else None


def find_birth_year(text: str, this_year: int) -> int | None:
    """Find one plausible four-digit birth year in a reply ("1970", "født 12.3.1970")."""
    years = {n for n in _numbers(tokens(text)) if this_year - 120 <= n <= this_year}
    return years.pop() if len(years) == 1 else None


def find_age(text: str) -> int | None:
    """Find an age in years in a short reply ("52", "jeg er 52 år")."""
    words = tokens(text)
    if len(words) > SHORT:
        return None
    ages = [n for n in _numbers(words) if 15 <= n <= 110]
    return ages[0] if len(ages) == 1 else None


# ------------------------------------------------------------------ health scale

_HEALTH_WORDS: dict[str, tuple[str, ...]] = {
    "fremragende": ("fremragende", "excellent", "fantastisk", "super godt", "perfekt"),
    "vaeldig_godt": (
        "vældig godt",
        "vældig god",
        "meget godt",
        "meget god",
        "rigtig godt",
        "rigtig god",
        "very good",
        "really good",
    ),
    "godt": ("godt", "god", "fint", "good", "fine"),
    "mindre_godt": (
        "mindre godt",
        "mindre god",
        "ikke så godt",
        "ikke så god",
        "ikke godt",
        "ikke særlig godt",
        "ikke specielt godt",
        "sådan da",
        "middel",
        "fair",
        "not so good",
        "not good",
        "not very good",
        "so so",
    ),
    "daarligt": (
        "dårligt",
        "dårlig",
        "meget dårligt",
        "skidt",
        "ringe",
        "poor",
        "bad",
        "very bad",
    ),
}
_HEALTH_PHRASES: tuple[tuple[Tokens, str], ...] = tuple(
    sorted(
        ((tokens(word), value) for value, words in _HEALTH_WORDS.items() for word in words),
        key=lambda item: -len(item[0]),
    )
)


def _scan(words: Tokens, table: tuple[tuple[Tokens, str], ...]) -> list[str]:
    """Match the longest phrase at each position, left to right; return what matched."""
    found: list[str] = []
    i = 0
    while i < len(words):
        for phrase, value in table:
            if words[i : i + len(phrase)] == phrase:
                found.append(value)
                i += len(phrase)
                break
        else:
            i += 1
    return found


def parse_health(text: str) -> str | None:
    """Read a self-rated health answer (1-5 or the words) as one of HEALTH_SCALE."""
    words = tokens(text)
    found = set(_scan(words, _HEALTH_PHRASES))
    digits = _numbers(words)
    if len(digits) == 1 and 1 <= digits[0] <= len(HEALTH_SCALE):
        found.add(HEALTH_SCALE[digits[0] - 1])
    elif digits:
        return None
    return found.pop() if len(found) == 1 else None


# ------------------------------------------------------------------ chronic disease

_DISEASE_WORDS: dict[str, tuple[str, ...]] = {
    "musculoskeletal": _words(
        "ryg ryggen led leddene knæ knæet skulder skuldre skulderen nakke nakken hofte hoften"
        " back joint joints muscle muscles knee knees shoulder neck hip gigt arthritis"
    ),
    "lungs": _words("kol copd lunger lungerne lungs lung astma asthma"),
    "diabetes": _words("diabetes diabetic sukkersyge"),
    "heart": _words("hjerte hjertet heart blodtryk blodtrykket hypertension kolesterol"),
    "other": _words("andet andre anden other others"),
}
# Compound words ("rygsmerter", "hjertekarsygdom") start with a distinctive stem. "ryg" alone is
# no stem: "ryger" (a smoker) is not a back problem, and "kol" would catch "kolesterol".
_DISEASE_STEMS: dict[str, tuple[str, ...]] = {
    "musculoskeletal": _words(
        "muskel muskl slidgigt leddegigt gigt rygsmert rygproblem rygsyg rygskade"
        " ledsmert ledproblem artros arthros artrit osteopor knæprob skuldersmert nakkesmert"
    ),
    "lungs": _words("lunge astma asthma bronkit bronchit emfysem"),
    "diabetes": _words("diabet sukkersyg"),
    "heart": _words("hjerte blodtryk hypert kolesterol cholesterol blodprop angina heart"),
    "other": (),
}
_DISEASE_EXACT = {key(word): value for value, words in _DISEASE_WORDS.items() for word in words}
_DISEASE_PREFIXES = tuple(
    (key(stem), value) for value, stems in _DISEASE_STEMS.items() for stem in stems
)


def _disease(word: str) -> str | None:
    if word in _DISEASE_EXACT:
        return _DISEASE_EXACT[word]
    return next((value for stem, value in _DISEASE_PREFIXES if word.startswith(stem)), None)


def _digit_diseases(word: str) -> list[str] | None:
    """Read "1", "13" (1 and 3) as disease numbers; None if a digit is outside the list."""
    if not all("1" <= ch <= str(len(CHRONIC_DISEASES)) for ch in word):
        return None
    return [CHRONIC_DISEASES[int(ch) - 1] for ch in word]


def parse_chronic(text: str, none_words: Sequence[str]) -> tuple[str, ...] | None:
    """Read known chronic diseases ("1 3", "1,3", "KOL og ryg", "ingen"); () means none."""
    words = tokens(text)
    found: set[str] = set()
    for previous, word in zip(("", *words), words, strict=False):
        if previous == "type":
            continue  # "type 2 diabetes" names no disease number
        if word.isascii() and word.isdigit():
            numbered = _digit_diseases(word) if len(word) <= len(CHRONIC_DISEASES) else None
            if numbered is None:
                return None
            found.update(numbered)
        elif (disease := _disease(word)) is not None:
            found.add(disease)
    if found:
        return tuple(d for d in CHRONIC_DISEASES if d in found)
    if any(has_phrase(words, phrase) for phrase in phrases(tuple(none_words))):
        return ()
    return None


# ------------------------------------------------------------------ municipality

_PLACE_FILLER = _word_set(
    _words("kommune kommunen municipality jeg bor i in live im i'm pa det er it is the")
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
