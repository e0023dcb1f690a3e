"""Questions about the campaign's own facts: what they cost, how long, where, who, and why.

The engine answers such a question from the campaign's facts (`bot.flows.common.answer`) and
then asks its own question again; `recruitbot parse-reply` shows it as `question` with the fact.
"""

from __future__ import annotations

from bot import parsing

TOPICS = ("number", "data", "price", "duration", "where", "sender")

# Questions about the campaign's own facts, answered before the question is asked again.
_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("number", ("mit nummer", "nummeret", "my number", "fra hvem", "hvor har i")),
    (
        "data",
        (
            "mine svar",
            "svarene",
            "oplysninger",
            "hvem ser",
            "my answers",
            "my data",
            "hvad bruger i",
            "hvad skal i bruge",
            "hvorfor skal i vide",
            "hvorfor spoerger i",
            "why do you need",
            "what do you need",
            "what do you use",
            "why do you ask",
        ),
    ),
    ("price", ("koster", "pris", "gratis", "betale", "cost", "free", "price", "pay")),
    ("duration", ("hvor lang tid", "hvor lang", "varer", "how long")),
    (
        "where",
        (
            "hvor foregaar",
            "hvor foregar",
            "hvor er",
            "hvor ligger",
            "hvor skal jeg hen",
            "hvor skal jeg moede",
            "adresse",
            "where",
        ),
    ),
    (
        "sender",
        (
            "afsender",
            "afsenderen",
            "hvem sender",
            "hvem skriver",
            "hvem staar bag",
            "who sends",
            "sender",
        ),
    ),
)
_QUESTION_WORDS = parsing.word_set(
    parsing.spaced("hvad hvor hvem hvordan hvorfor er kan skal what where who how why is can do")
)


def question_topic(text: str) -> str | None:
    """Name the campaign fact a reply asks about ("hvad koster det?" → "price"), if any."""
    words = parsing.tokens(text)
    if not words or len(words) > 2 * parsing.SHORT:
        return None
    if "?" not in text and words[0] not in _QUESTION_WORDS:
        return None
    for topic, asked in _TOPICS:
        if any(parsing.has_phrase(words, phrase) for phrase in parsing.phrases(asked)):
            return topic
    return None
