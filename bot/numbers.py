"""Read numbers in replies: digits, number words and ordinals, one or a list.

"2", "nr. 2", "nummer to", "den anden", "two", "the second" and "1 og 3", "1,3", "en og tre" are
all numbers; "en tid" and "the first one" have an article and a pronoun that are not. A word is
only read as a number where it cannot mean something else in the conversation's language: "to"
is 2 in Danish and a preposition in English.
"""

from __future__ import annotations

import re

from bot.parsing import Tokens, key, spaced, tokens, word_set
from bot.types import Language

_CARDINALS = {
    **{key(word): n for n, word in enumerate(spaced("two three four five six"), 2)},
    **{key(word): n for n, word in enumerate(spaced("seven eight nine ten"), 7)},
    **{key(word): n for n, word in enumerate(spaced("tre"), 3)},
    **{key(word): n for n, word in enumerate(spaced("fem seks syv otte ni ti"), 5)},
}
# Number words that are ordinary words in the other language.
_CARDINALS_BY_LANGUAGE: dict[Language, dict[str, int]] = {"da": {"to": 2, "fire": 4}, "en": {}}
_ORDINALS = {
    **{key(word): n for n, word in enumerate(spaced("første anden tredje fjerde femte"), 1)},
    **{key(word): n for n, word in enumerate(spaced("forste andet tredie"), 1)},
    **{key(word): n for n, word in enumerate(spaced("first second third fourth fifth"), 1)},
    **{key(word): n for n, word in enumerate(spaced("1st 2nd 3rd 4th 5th"), 1)},
}
# "en", "et" and "one" are 1 only in a list ("en og tre") or after "nr"; otherwise they are
# articles and pronouns ("en tid", "the first one").
_WEAK_ONES = frozenset({"en", "et", "one", "een"})
_AFTER_NUMBER_SIGN = word_set(["nr", "nummer", "number", "num"])
CONJUNCTIONS = word_set(["og", "and", "samt", "plus", "&"])
# Words around a number that add nothing: "nr. 2", "den anden", "jeg tager 3, tak".
FILLER = word_set(
    spaced(
        "nr nummer number no num tid tiden time den det the option valg mulighed jeg tager"
        " vil gerne have tak please i ill take ja yes ok thanks tk passer fint er fine"
        " works good for me mig is perfect perfekt great super"
    )
)
_LIST_MARKS = re.compile(r"[,;&+/]")


def number_words(text: str) -> Tokens:
    """Key a reply for reading numbers: list marks (, & + /) become "og"."""
    return tokens(_LIST_MARKS.sub(" og ", text))


def _number(word: str, lang: Language, *, ordinals: bool) -> int | None:
    if word.isascii() and word.isdigit():
        return int(word) if len(word) <= 6 else None
    if word in _CARDINALS:
        return _CARDINALS[word]
    if word in _CARDINALS_BY_LANGUAGE[lang]:
        return _CARDINALS_BY_LANGUAGE[lang][word]
    return _ORDINALS.get(word) if ordinals else None


def _weak_one(words: Tokens, i: int) -> bool:
    """Say whether "en" / "one" at `i` is the number 1: alone, after "nr", or in a list."""
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    if len(words) == 1 or before in _AFTER_NUMBER_SIGN:
        return True
    return before in CONJUNCTIONS or after in CONJUNCTIONS


def read_numbers(words: Tokens, lang: Language, *, ordinals: bool = True) -> tuple[int, ...] | None:
    """Read a reply made only of numbers and filler; None if it says anything else."""
    found: list[int] = []
    for i, word in enumerate(words):
        number = _number(word, lang, ordinals=ordinals)
        if number is not None:
            found.append(number)
        elif word in _WEAK_ONES and _weak_one(words, i):
            found.append(1)
        elif word not in FILLER and word not in CONJUNCTIONS and word not in _WEAK_ONES:
            return None
    return tuple(found) or None


def known_words() -> frozenset[str]:
    """Every keyed word this module reads, for the typo speller."""
    words = set(_CARDINALS) | set(_ORDINALS) | set(_WEAK_ONES) | FILLER | CONJUNCTIONS
    for by_language in _CARDINALS_BY_LANGUAGE.values():
        words |= set(by_language)
    return frozenset(words)
