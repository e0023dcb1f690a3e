"""Read citizens' free-text replies: normalise them, split them into clauses, classify them.

Every function here is total: any string goes in, and the worst that comes out is "not
understood" (None or False). Keyword lists come from the flow, so matching works on keys: text
lower-cased, Danish letters folded (æ → ae, ø → oe, å → aa), accents, punctuation and emoji
dropped, and runs of a repeated letter squeezed to one, so "JAAA!!", "Ja tak 🙂" and "jeps" all
reduce to the few tokens the keyword lists name.

Sentence punctuation, commas and line breaks end a clause. A negation binds only inside its
clause: in "Nej jeg vil ikke. STOP" the "ikke" says nothing about the STOP.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

# A reply longer than this is not a short answer; reading on only costs time.
MAX_CHARS = 2000
# "Short" replies: a keyword anywhere in them counts. Longer ones must start with it.
SHORT = 6

Tokens = tuple[str, ...]


# Thumbs and ticks are common one-character answers; map them before emoji are dropped.
_SYMBOLS = {"👍": " ja ", "👎": " nej ", "✅": " ja ", "✔": " ja ", "❌": " nej "}
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
_PUNCTUATION = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"([^\W\d_])\1+")
# What ends a clause: sentence punctuation, a comma, a line break, a dash between spaces.
_CLAUSE_END = re.compile(r"[.!?;:,\n\r\u2026]+|\s[-\u2013\u2014]+\s")

# Zero-width characters and soft hyphens hide inside words ("st\u200bop", "af\u00admeld").
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)


def _unhidden(text: str) -> str:
    """Cut, drop invisible characters and fold full-width letters ("ＳＴＯＰ") and ligatures."""
    return unicodedata.normalize("NFKC", text[:MAX_CHARS].translate(_INVISIBLE))


def normalise(text: str) -> str:
    """Lower-case, fold Danish letters and accents, and reduce punctuation to single spaces."""
    text = _unhidden(text).lower()
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


@lru_cache(maxsize=4096)
def tokens(text: str) -> Tokens:
    """Split a reply into keyed words (a reply is read by several readers: keyed once)."""
    return tuple(key(text).split())


def clauses(text: str) -> tuple[Tokens, ...]:
    """Split a reply into its clauses, each as keyed words; empty clauses are left out."""
    found = (tokens(part) for part in _CLAUSE_END.split(_unhidden(text)))
    return tuple(words for words in found if words)


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


@lru_cache(maxsize=256)
def _by_first_word(found: tuple[Tokens, ...]) -> dict[str, tuple[Tokens, ...]]:
    index: dict[str, list[Tokens]] = {}
    for phrase in found:
        index.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(group) for first, group in index.items()}


def has_any(words: Tokens, found: tuple[Tokens, ...], *, at_start: bool = False) -> bool:
    """Say whether any of the keyed phrases occurs as consecutive words (at the start)."""
    index = _by_first_word(found)
    starts = words[:1] if at_start else words
    return any(
        words[i : i + len(phrase)] == phrase
        for i, word in enumerate(starts)
        for phrase in index.get(word, ())
    )


def mentions(text: str, words: Sequence[str], max_tokens: int = SHORT) -> bool:
    """Say whether a short reply contains one of the keyword phrases as whole words."""
    found = tokens(text)
    if not found or len(found) > max_tokens:
        return False
    return has_any(found, phrases(tuple(words)))


# ------------------------------------------------------------------ negation

NEGATORS = word_set(spaced("ikke not dont doesnt didnt wont cant never aldrig ej"))
# Words that may stand between a negation and what it negates: "ikke at aflyse", "ikke lige".
_SOFT = word_set(spaced("at to gerne lige helt bare alligevel altsaa laengere mere venligst"))
# "Kan I ikke ringe?" is a polite request, not a negation.
_ASK = word_set(spaced("kan vil gider kunne ville"))
_YOU = word_set(spaced("i du de man nogen"))


def negated(words: Tokens, i: int, *, ahead: int = 0, width: int = 1) -> bool:
    """Say whether the word at `i` is negated inside its clause.

    A negation right before it counts ("vil ikke aflyse", "ikke at aflyse"), and with `ahead`
    one up to that many words after it ("ring mig ikke op"); "kan I ikke ringe?" asks for it.
    `width` is how many words the negated phrase has.
    """
    j = i - 1
    while j >= 0 and words[j] in _SOFT:
        j -= 1
    if j >= 0 and words[j] in NEGATORS:
        polite = j >= 2 and words[j - 2] in _ASK and words[j - 1] in _YOU
        if not polite:
            return True
    return any(word in NEGATORS for word in words[i + width : i + width + ahead])


def says(words: Tokens, phrase: Tokens, *, ahead: int = 0) -> bool:
    """Say whether a clause contains `phrase` without negating it."""
    width = len(phrase)
    return any(
        words[i : i + width] == phrase and not negated(words, i, ahead=ahead, width=width)
        for i in range(len(words) - width + 1)
    )


# ------------------------------------------------------------------ opt-out

# Phrases of wanting no more contact, keyed as `tokens` keys them.
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
# What a deletion is about: the person and their data, or (below) the appointment.
_PERSON = word_set(
    spaced(
        "mig me nummer nummeret number oplysninger oplysningerne data info details listen list"
        " telefonnummer phone kontaktoplysninger profil"
    )
)
_POSSESSIVE = word_set(spaced("mit mine min my"))
# Words that make a stop word about something else: a habit, a place, or the appointment.
_HABITS = word_set(
    spaced(
        "rygning ryge ryger smoking smoke drinking drikke alkohol alcohol snus smoeger"
        " smoegerne cigaretter cigarettes vaegt eating spise medicin"
    )
)
_NOT_A_REQUEST_BEFORE = word_set(spaced("bus busstop full last"))
# "om stop virker" (whether stopping works) talks about stopping; "jeg beder om stop" asks.
_WHETHER = word_set(spaced("om about whether hvis if"))
_ASKS_FOR = word_set(spaced("beder bede bad bedt oensker ask asking asked request"))
_APPOINTMENT = word_set(
    spaced(
        "tid tiden tider aftale aftalen samtale samtalen booking bookingen appointment"
        " sundhedstjek sundhedstjekket"
    )
)
# How far a stop word looks ahead for what it is about ("stop med at ryge", "quit smoking"),
# and how far a deletion looks for what is to be deleted ("slet min tid og mit nummer").
_SCOPE = 4
_OBJECT = 6
_NOT_AT_ALL = tokens("ikke")  # "slet ikke": not at all


@lru_cache(maxsize=32)
def _single(stop_words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p[0] for p in phrases(stop_words) if len(p) == 1)


@lru_cache(maxsize=32)
def _longer(stop_words: tuple[str, ...]) -> tuple[Tokens, ...]:
    return (*(p for p in phrases(stop_words) if len(p) > 1), *phrases(_PHRASES))


def _about(words: Tokens, i: int) -> str | None:
    """What the stop word at `i` is about, if not the contact: a habit or the appointment."""
    ahead = words[i + 1 : i + 1 + _SCOPE]
    if any(word in _HABITS for word in ahead):
        return "habit"
    # "afmeld tiden", "afmelde min tid": the appointment, not the contact.
    return "appointment" if any(word in _APPOINTMENT for word in ahead[:3]) else None


def _stop_word_counts(words: Tokens, i: int) -> bool:
    """Say whether the stop word at `i` asks to stop rather than naming something else."""
    before = words[i - 1] if i > 0 else ""
    if before in _NOT_A_REQUEST_BEFORE:
        return False  # "bus stop", "full stop"
    if before in _WHETHER and (i < 2 or words[i - 2] not in _ASKS_FOR):
        return False
    return not negated(words, i, ahead=1) and _about(words, i) is None


def _deletion(words: Tokens) -> str | None:
    """What a clause asks to delete: "person" ("slet mit nummer"), "appointment" or None."""
    for i, word in enumerate(words):
        target = words[i + 1 : i + 1 + _OBJECT]
        # "slet ikke" is "not at all"; "du må ikke slette" keeps everything.
        if word not in _DELETE or target[:1] == _NOT_AT_ALL or negated(words, i):
            continue
        if any(w in _PERSON for w in target):
            return "person"
        if any(w in _APPOINTMENT for w in target):
            return "appointment"
        if any(w in _POSSESSIVE for w in target):
            return "person"
    return None


_LET_ME = tokens("lad mig")
_BE = word_set(spaced("være vær fred"))


def _left_alone(words: Tokens) -> bool:
    """Say whether the reply asks to be left alone with words in between ("lad mig nu være")."""
    return any(
        words[i : i + 2] == _LET_ME and any(w in _BE for w in words[i + 2 : i + 5])
        for i in range(len(words))
    )


def _clause_opts_out(words: Tokens, stop_words: tuple[str, ...]) -> bool:
    single = _single(stop_words)
    if any(w in single and _stop_word_counts(words, i) for i, w in enumerate(words)):
        return True
    if has_any(words, _longer(stop_words)):
        return True
    return _deletion(words) == "person" or _left_alone(words)


def is_opt_out(text: str, stop_words: Sequence[str]) -> bool:
    """Say whether a reply, of any length, asks for no more contact or to be deleted.

    Each clause is read on its own. A stop word counts anywhere, unless it is negated in its
    clause ("stop ikke"), names something else ("bus stop", "stop rygning", "quit smoking") or
    is about the appointment ("afmeld tiden"); a stop word alone in its clause always counts
    ("Nej jeg vil ikke. STOP"). Deleting the citizen or their number opts out; deleting the
    appointment ("slet min tid") does not.
    """
    words = tuple(stop_words)
    return any(_clause_opts_out(clause, words) for clause in clauses(text))


def cancels_appointment(words: Tokens, stop_words: Sequence[str]) -> bool:
    """Say whether a clause cancels the appointment with a stop or deletion word.

    "afmeld tiden", "Jeg vil gerne afmelde min tid", "slet min tid", "fjern min booking": the
    appointment goes, the citizen stays. A negated one ("vil ikke slette min tid") does not.
    """
    single = _single(tuple(stop_words))
    stops = any(
        w in single and not negated(words, i) and _about(words, i) == "appointment"
        for i, w in enumerate(words)
    )
    return stops or _deletion(words) == "appointment"


# ------------------------------------------------------------------ thanks and numbers


# Words around a thanks that add nothing: "tak for det", "tak for hjælpen", "thank you so much".
_AROUND_THANKS = word_set(
    spaced("for det dem hjaelpen beskeden skal du have i jer so much very a lot all the it")
)


def acknowledges(text: str, thanks: Sequence[str]) -> bool:
    """Say whether a short reply is only thanks or an acknowledgement ("Tak!", "Super 👍")."""
    words = tokens(text)
    vocabulary = word_set(thanks) | word_set(["ja", "ok", "okay"])
    if not 0 < len(words) <= SHORT or not any(word in vocabulary for word in words):
        return False
    return all(word in vocabulary or word in _AROUND_THANKS for word in words)


# ------------------------------------------------------------------ numbers


def digits(words: Tokens) -> list[int]:
    """Return the numbers written with digits among keyed words."""
    return [int(word) for word in words if word.isascii() and word.isdigit() and len(word) <= 6]
