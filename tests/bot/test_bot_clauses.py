"""Negation binds within a clause; deletions and stop words have a scope (issue 15)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import parsing, yesno
from bot.flow import DEFAULT_FLOW
from bot.interpret import Expect, Intent, read_reply
from bot.reading import read_at_step
from bot.types import Step

WORDS = DEFAULT_FLOW.keywords
TODAY = date(2026, 12, 2)


def at(step: Step, text: str, lang: str = "da") -> str:
    return read_at_step(text, step, today=TODAY, lang="en" if lang == "en" else "da").intent.value


class TestClauses:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Nej jeg vil ikke. STOP", (("nej", "jeg", "vil", "ikke"), ("stop",))),
            ("Stop, jeg ryger ikke", (("stop",), ("jeg", "ryger", "ikke"))),
            ("nej tak\nstop", (("nej", "tak"), ("stop",))),
            ("Stop - jeg ryger ikke", (("stop",), ("jeg", "ryger", "ikke"))),
            ("ja!!! ...", (("ja",),)),
            ("ＳＴＯＰ！ ok", (("stop",), ("ok",))),
            ("st\u200bop. tak", (("stop",), ("tak",))),
            ("", ()),
        ],
    )
    def test_split(self, text: str, expected: tuple[parsing.Tokens, ...]) -> None:
        keyed = tuple(tuple(parsing.key(word) for word in clause) for clause in expected)
        assert parsing.clauses(text) == keyed

    @given(st.text(max_size=200))
    def test_the_clauses_hold_every_word_in_order(self, text: str) -> None:
        assert tuple(w for c in parsing.clauses(text) for w in c) == parsing.tokens(text)


class TestNegated:
    @pytest.mark.parametrize(
        ("text", "word", "ahead", "expected"),
        [
            ("jeg vil ikke aflyse", "aflyse", 0, True),
            ("jeg oensker ikke at aflyse", "aflyse", 0, True),
            ("kan ikke komme aflys", "aflys", 0, False),
            ("ring ikke til mig", "ring", 2, True),
            ("ring mig ikke op", "ring", 2, True),
            ("kan i ikke ringe til mig", "ringe", 0, False),  # a polite request
            ("du maa ikke ringe", "ringe", 0, True),
            ("dont call me", "call", 0, True),
            ("ring til mig", "ring", 2, False),
        ],
    )
    def test_negated(self, text: str, word: str, ahead: int, expected: bool) -> None:
        words = parsing.tokens(text)
        assert parsing.negated(words, words.index(parsing.key(word)), ahead=ahead) is expected


class TestOptOutInClauses:
    @pytest.mark.parametrize(
        "text",
        [
            "Nej jeg vil ikke. STOP",
            "Stop. Har ikke tid til det",
            "Jeg beder om stop",
            "Stop, jeg ryger ikke",
            "Ikke interesseret. Afmeld",
            "nej tak\nstop",
            "No, I don't want this. STOP",
            "jeg vil have et stop for de her beskeder",
            "slet min tid og mit nummer",
            "Slet mit nummer og min tid",
            "Nej tak ikke interesseret stop",
        ],
    )
    def test_opt_out(self, text: str) -> None:
        assert parsing.is_opt_out(text, WORDS.stop)

    @pytest.mark.parametrize(
        "text",
        [
            "stop ikke",
            "slet min tid",
            "kan I slette min tid",
            "fjern min booking",
            "Kan I fjerne min aftale?",
            "remove my appointment",
            "Jeg har slet ikke tid til det alligevel",
            "Du må ikke slette mit nummer",
            "Jeg vil gerne have hjælp til at stoppe med at ryge, men jeg ved ikke om stop virker",
            "afmeld min aftale",
        ],
    )
    def test_not_opt_out(self, text: str) -> None:
        assert not parsing.is_opt_out(text, WORDS.stop)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("slet min tid", True),
            ("afmeld min aftale", True),
            ("fjern tiden tak", True),
            ("jeg vil ikke slette min tid", False),
            ("slet mit nummer", False),
            ("stop", False),
        ],
    )
    def test_cancels_the_appointment(self, text: str, expected: bool) -> None:
        (words,) = parsing.clauses(text)
        assert parsing.cancels_appointment(words, WORDS.stop) is expected


class TestBookedStep:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("slet min tid", "cancel"),
            ("kan I slette min tid", "cancel"),
            ("fjern min booking", "cancel"),
            ("Jeg kan desværre ikke komme. Aflys venligst", "cancel"),
            ("kan ikke komme aflys tak", "cancel"),
            ("Kan I aflyse min tid?", "cancel"),
            ("Kan jeg aflyse?", "unknown"),  # asked how: the clarification says AFLYS
            ("Kan jeg aflyse senere?", "unknown"),
            ("Jeg vil ikke slette min tid", "unknown"),
            ("jeg vil ikke flytte den", "unknown"),
            ("I can't make it, can we change the time?", "reschedule"),
            ("slet min tid og mit nummer", "stop"),
            ("tak for det", "thanks"),
            ("ja", "thanks"),
            ("flere tider", "reschedule"),
        ],
    )
    def test_booked(self, text: str, expected: str) -> None:
        assert at(Step.BOOKED, text) == expected


class TestCallback:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("ring ikke til mig", Intent.UNKNOWN),
            ("ring mig ikke op", Intent.UNKNOWN),
            ("I må ikke ringe til mig", Intent.UNKNOWN),
            ("don't call me, text instead", Intent.UNKNOWN),
            ("kan I ikke ringe til mig?", Intent.CALLBACK),
            ("ring til mig", Intent.CALLBACK),
            ("kan du ringe til mig i stedet", Intent.CALLBACK),
            ("Ikke nu, ring i morgen", Intent.CALLBACK),
        ],
    )
    def test_callback(self, text: str, expected: Intent) -> None:
        assert read_reply(text, Expect.YES_NO).intent is expected


class TestYesInItsClause:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Ja tak. Jeg ryger ikke", yesno.Answer.YES),
            ("ja jeg vil ikke", None),
            ("ja, ikke nu", None),
            ("Nej tak. Ikke interesseret", yesno.Answer.NO),
        ],
    )
    def test_yes_no(self, text: str, expected: yesno.Answer | None) -> None:
        assert yesno.classify_yes_no(text, WORDS.yes, WORDS.no) is expected


class TestWhatAStepActsOn:
    @pytest.mark.parametrize(
        ("step", "text", "expected"),
        [
            (Step.CONSENT, "aflys", "unknown"),
            (Step.INVITED, "flere tider", "unknown"),
            (Step.AGE, "flyt", "unknown"),
            (Step.MUNICIPALITY, "aflys", "unknown"),
            (Step.CHOOSING_SLOT, "anden tid", "more"),
            (Step.CLOSED, "tak", "thanks"),
            (Step.CLOSED, "nej tak", "unknown"),
            (Step.WAITLIST, "nej tak", "no"),
            (Step.WAITLIST, "ok tak", "thanks"),
        ],
    )
    def test_step(self, step: Step, text: str, expected: str) -> None:
        assert at(step, text) == expected
