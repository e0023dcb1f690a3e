"""Read answers to the screening questions: age or birth year, municipality, health, disease."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from bot.parsing import SHORT, Tokens, digits, has_phrase, key, phrases, spaced, tokens, word_set
from bot.types import CHRONIC_DISEASES, HEALTH_SCALE
from bot.yesno import idioms

# ------------------------------------------------------------------ age and birth year

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


# ------------------------------------------------------------------ health scale

HEALTH_WORDS: dict[str, tuple[str, ...]] = {
    "fremragende": ("fremragende", "excellent", "fantastisk", "super godt", "perfekt"),
    "vaeldig_godt": (
        "vældig godt",
        "vældigt godt",
        "vældig god",
        "meget godt",
        "meget god",
        "rigtig godt",
        "rigtigt godt",
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
        "ikke særligt godt",
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
        ((tokens(word), value) for value, words in HEALTH_WORDS.items() for word in words),
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
    words = idioms(tokens(text))
    found = set(_scan(words, _HEALTH_PHRASES))
    numbers = digits(words)
    if len(numbers) == 1 and 1 <= numbers[0] <= len(HEALTH_SCALE):
        found.add(HEALTH_SCALE[numbers[0] - 1])
    elif numbers:
        return None
    return found.pop() if len(found) == 1 else None


# ------------------------------------------------------------------ chronic disease

DISEASE_WORDS: dict[str, tuple[str, ...]] = {
    "musculoskeletal": spaced(
        "ryg ryggen led leddene knæ knæet skulder skuldre skulderen nakke nakken hofte hoften"
        " back joint joints muscle muscles knee knees shoulder neck hip gigt arthritis"
    ),
    "lungs": spaced("kol copd lunger lungerne lungs lung astma asthma"),
    # "blood sugar", "blood pressure": the second word names it ("blood" alone does not).
    "diabetes": spaced("diabetes diabetic sukkersyge sugar"),
    "heart": spaced("hjerte hjertet heart blodtryk blodtrykket hypertension kolesterol pressure"),
    "other": spaced("andet andre anden other others"),
}
# Compound words ("rygsmerter", "hjertekarsygdom") start with a distinctive stem. "ryg" alone is
# no stem: "ryger" (a smoker) is not a back problem, and "kol" would catch "kolesterol".
_DISEASE_STEMS: dict[str, tuple[str, ...]] = {
    "musculoskeletal": spaced(
        "muskel muskl slidgigt leddegigt gigt rygsmert rygproblem rygsyg rygskade"
        " ledsmert ledproblem artros arthros artrit osteopor knæprob skuldersmert nakkesmert"
    ),
    "lungs": spaced("lunge astma asthma bronkit bronchit emfysem"),
    "diabetes": spaced("diabet sukkersyg"),
    "heart": spaced("hjerte blodtryk hypert kolesterol cholesterol blodprop angina heart"),
    "other": (),
}
_DISEASE_EXACT = {key(word): value for value, words in DISEASE_WORDS.items() for word in words}
_DISEASE_PREFIXES = tuple(
    (key(stem), value) for value, stems in _DISEASE_STEMS.items() for stem in stems
)


def _disease(word: str) -> str | None:
    if word in _DISEASE_EXACT:
        return _DISEASE_EXACT[word]
    return next((value for stem, value in _DISEASE_PREFIXES if word.startswith(stem)), None)


def parse_chronic(
    text: str, none_words: Sequence[str], count: int = len(CHRONIC_DISEASES)
) -> tuple[str, ...] | None:
    """Read known chronic diseases ("1 3", "KOL og ryg", "ingen"); () means none.

    A number outside 1..`count` makes the whole reply unreadable ("13" is not "1 and 3").
    """
    words = tokens(text)
    found: set[str] = set()
    for previous, word in zip(("", *words), words, strict=False):
        if previous == "type":
            continue  # "type 2 diabetes" names no disease number
        if word.isascii() and word.isdigit():
            if not 1 <= int(word) <= min(count, len(CHRONIC_DISEASES)):
                return None
            found.add(CHRONIC_DISEASES[int(word) - 1])
        elif (disease := _disease(word)) is not None:
            found.add(disease)
    if found:
        return tuple(d for d in CHRONIC_DISEASES if d in found)
    if any(has_phrase(words, phrase) for phrase in phrases(tuple(none_words))):
        return ()
    return None


def answer_words() -> frozenset[str]:
    """Every keyed word the screening answers know, for the typo speller."""
    health = {word for phrase, _ in _HEALTH_PHRASES for word in phrase}
    return frozenset(health | set(_DISEASE_EXACT))
