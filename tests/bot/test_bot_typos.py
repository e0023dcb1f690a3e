"""Forgiving small typos in keywords, and never turning a real word into another meaning."""

from __future__ import annotations

import pytest
from faker.providers.lorem.da_DK import Provider as DanishWords
from faker.providers.lorem.en_US import Provider as EnglishWords

from bot import parsing
from bot.flow import DEFAULT_FLOW
from bot.interpret import speller
from bot.typos import Speller, within_one_edit

SPELLER = speller(DEFAULT_FLOW.keywords)
# Corrections of common words that keep their meaning.
HARMLESS = {
    ("darligst", "darligt"),  # "dårligst" (worst) is read as "dårligt" (bad)
    ("hjaelpe", "hjaelp"),  # "hjælpe" (to help) as "hjælp" (help)
}


def correct(word: str) -> str:
    return SPELLER.correct(parsing.key(word))


class TestWithinOneEdit:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("stop", "stop"),
            ("hjalp", "hjaelp"),  # one added
            ("hjaelpe", "hjaelp"),  # one dropped
            ("gerna", "gerne"),  # one changed
            ("afmled", "afmeld"),  # two swapped
        ],
    )
    def test_one_edit(self, a: str, b: str) -> None:
        assert within_one_edit(a, b) and within_one_edit(b, a)

    @pytest.mark.parametrize(
        ("a", "b"), [("stop", "pots"), ("abc", "abcde"), ("flyt", "fylde"), ("amfeld", "afmled")]
    )
    def test_more_than_one(self, a: str, b: str) -> None:
        assert not within_one_edit(a, b)


class TestSpeller:
    @pytest.mark.parametrize(
        ("typed", "meant"),
        [
            ("hjælpe", "hjælp"),
            ("intereseret", "interesseret"),
            ("fremragene", "fremragende"),
            ("vældg", "vældig"),
            ("springe", "spring"),
            ("engelks", "engelsk"),
            ("lungrne", "lungerne"),
            ("kolestrol", "kolesterol"),
            ("opklad", "opkald"),
        ],
    )
    def test_a_typo_in_a_keyword_is_forgiven(self, typed: str, meant: str) -> None:
        assert correct(typed) == parsing.key(meant)

    @pytest.mark.parametrize(
        "word",
        [
            # short words sit next to too many keywords to be corrected
            "helt",
            "hele",
            "flot",
            "done",
            "kerne",
            "often",
            # words near STOP, START and AFLYS are never turned into them
            "afmled",
            "stpo",
            "aflyst",
            "afmeldt",
            "stort",
            # real words near a keyword keep their meaning
            "inden",
            "flyttet",
            "mother",
        ],
    )
    def test_these_words_stay_as_written(self, word: str) -> None:
        assert correct(word) == parsing.key(word)

    def test_a_word_near_two_keywords_is_left_alone(self) -> None:
        speller = Speller.build(targets={"flere", "flyde"}, guarded=set())
        assert speller.correct("flede") == "flede"
        assert speller.correct("fleere") == "flere"

    @pytest.mark.parametrize("language", [DanishWords, EnglishWords], ids=["da", "en"])
    def test_common_words_are_not_corrected(self, language: type[DanishWords]) -> None:
        changed = {
            (word, SPELLER.correct(word))
            for entry in language.word_list
            for word in parsing.tokens(entry)
            if SPELLER.correct(word) != word
        }
        assert changed <= HARMLESS
