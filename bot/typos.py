"""Forgive a small typo in a keyword ("hjalp", "intereseret", "fremragene"), and only there.

A word is corrected only when it is at least six letters long, is not itself a word the
dialogue knows, and is one edit (a letter added, dropped, changed, or two letters swapped) from
exactly one keyword of five letters or more. Shorter words are left alone because too many real
words sit one edit from a keyword: "helt" and "hele" from "help", "flot" from "flyt", "done"
from "none", "kerne" from "gerne", "often" from "hoften", "point" from "joint".

Words that change what is stored about a person or what we may send them (STOP, START, AFLYS)
are never reached by correction: a word near one of them is left as written, and the engine asks
instead of guessing (`Speller.resembles`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIN_LENGTH = 6
TARGET_LENGTH = 5
# Guarded keywords are shorter ("stop"), so near misses of them are looked for from four letters.
GUARD_LENGTH = 4

# Real words one edit from a keyword, which must keep their own meaning: "aflyst" (cancelled) is
# a question about a booking, not an order; "inden" (before) is neither "ingen" nor "anden".
_KNOWN = """
aflyst afmeldt afmeldte frameldt tilmeldt startet starter stoppe stopper stoppet
flyttet flytter skifter skiftet ændret ændrer ringer ringet ringede inden anden andet
andre igen ingen nogen dansker danske engelske helst klare klaret klarer meget mindst
næsten sikker springer passe passer perfekte taget tager takke takket timer tiden tider
skrive other others never moved mover movie notes helped helper stopped started starts
changed changes chance charge stor stol stok stod stof step shop slop atop quite
vigtig vigtigt father mother interest
"""
KNOWN_WORDS = frozenset(_KNOWN.split())


def within_one_edit(a: str, b: str) -> bool:
    """Say whether `a` becomes `b` by at most one insertion, deletion, change or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1 :]


def _near(word: str, candidates: Iterable[str]) -> set[str]:
    return {candidate for candidate in candidates if within_one_edit(word, candidate)}


@dataclass(frozen=True)
class Speller:
    """The words one dialogue knows, and the keywords a typo may be corrected to."""

    known: frozenset[str]
    targets: frozenset[str]
    guarded: frozenset[str]

    @classmethod
    def build(
        cls, *, targets: Iterable[str], guarded: Iterable[str], known: Iterable[str] = ()
    ) -> Speller:
        """Build a speller from keyed words; `known` adds words that are never corrected."""
        target_words = frozenset(targets)
        guarded_words = frozenset(guarded)
        return cls(
            known=frozenset(known) | target_words | guarded_words,
            targets=frozenset(w for w in target_words if len(w) >= TARGET_LENGTH and w.isalpha()),
            guarded=frozenset(w for w in guarded_words if len(w) >= GUARD_LENGTH),
        )

    def correct(self, word: str) -> str:
        """Return the keyword `word` is a typo of, or `word` itself."""
        if len(word) < MIN_LENGTH or not word.isalpha() or word in self.known:
            return word
        if _near(word, self.guarded):
            return word
        found = _near(word, self.targets)
        return found.pop() if len(found) == 1 else word

    def correct_all(self, words: Iterable[str]) -> tuple[str, ...]:
        """Correct every word of a keyed reply."""
        return tuple(self.correct(word) for word in words)

    def resembles(self, word: str, words: Iterable[str]) -> bool:
        """Say whether `word` is a near miss of one of `words` ("stpo" of "stop")."""
        if len(word) < GUARD_LENGTH or not word.isalpha() or word in self.known:
            return False
        return bool(_near(word, (w for w in words if len(w) >= GUARD_LENGTH)))
