"""Read a reply as yes or no, in its spoken, dialect and polite forms, and with its idioms."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from bot.parsing import SHORT, Tokens, clauses, has_any, phrases, tokens, word_set


class Answer(StrEnum):
    """A yes or a no."""

    YES = "yes"
    NO = "no"


_GREETINGS = word_set(["hej", "hejsa", "hi", "hello", "hey", "dav", "goddag", "hallo"])
# What keeps a yes from being one in its clause ("ja, ikke nu" is no yes).
_NOT_YES = word_set(["ikke", "not", "dont", "never", "aldrig", "ej"])
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


def _yes_is_negated(parts: Sequence[Tokens], yes: tuple[Tokens, ...]) -> bool:
    """Say whether a clause that says yes also holds a negation ("ja jeg kan ikke")."""
    return any(any(w in _NOT_YES for w in words) and has_any(words, yes) for words in parts)


def classify_yes_no(text: str, yes: Sequence[str], no: Sequence[str]) -> Answer | None:
    """Read a reply as yes or no; None when it is neither or both.

    A negation keeps a yes from counting only in the yes's own clause: "Ja tak. Jeg ryger
    ikke" is a yes, "ja jeg vil ikke" is not.
    """
    parts = [idioms(words) for words in clauses(text)]
    while parts and parts[0] and parts[0][0] in _GREETINGS:
        parts[0] = parts[0][1:]
    parts = [words for words in parts if words]
    words = tuple(word for part in parts for word in part)
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
    yes_phrases, no_phrases = phrases(tuple(yes)), phrases(tuple(no))
    said_yes = has_any(words, yes_phrases, at_start=at_start)
    said_no = has_any(words, no_phrases, at_start=at_start)
    if said_yes and not said_no and not _yes_is_negated(parts, yes_phrases):
        return Answer.YES
    if said_no and not said_yes:
        return Answer.NO
    return None
