"""Reading a reply as one intent, the way the engine and `recruitbot parse-reply` both do."""

from __future__ import annotations

from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.interpret import Expect, Intent, Reading, read_reply, resembles_stop
from bot.types import Language

Y, C, S, M = Expect.YES_NO, Expect.CHOICE, Expect.SCALE, Expect.MULTI

# (text, expect, options, lang) → the JSON parse-reply prints
READINGS: list[tuple[str, Expect, int | None, str, dict[str, Any]]] = [
    # yes and no, however they are written
    *((text, Y, None, "da", {"intent": "yes"}) for text in ("ja", "Ja tak 🙂", "JAAA!!", "jo")),
    *((text, Y, None, "da", {"intent": "yes"}) for text in ("jep", "ok", "gerne", "👍", "yes")),
    *((text, Y, None, "en", {"intent": "yes"}) for text in ("yes please", "Sure", "ja")),
    *((text, Y, None, "da", {"intent": "no"}) for text in ("nej tak", "nope", "👎", "no")),
    ("ikke interesseret", Y, None, "da", {"intent": "no"}),
    ("ikke intereseret", Y, None, "da", {"intent": "no"}),  # a typo
    ("Not interested", Y, None, "en", {"intent": "no"}),
    # both at once is asked about, not guessed
    ("ja nej", Y, None, "da", {"intent": "unknown"}),
    ("yes no", Y, None, "en", {"intent": "unknown"}),
    ("hvad koster det", Y, None, "da", {"intent": "unknown"}),
    # commands, in any expectation and either language
    ("STOP", S, None, "da", {"intent": "stop"}),
    ("Stopp!", Y, None, "da", {"intent": "stop"}),
    ("afmeld mig", C, 3, "en", {"intent": "stop"}),
    ("Nej tak, stop", Y, None, "da", {"intent": "stop"}),
    ("unsubscribe", M, None, "da", {"intent": "stop"}),
    ("START", Y, None, "da", {"intent": "start"}),
    ("HJÆLP", Y, None, "en", {"intent": "help"}),
    ("hjaelp", C, 3, "da", {"intent": "help"}),
    ("hjælpe", Y, None, "da", {"intent": "help"}),  # one letter too many
    ("help", S, None, "da", {"intent": "help"}),
    ("ENGLISH", Y, None, "da", {"intent": "language", "value": "en"}),
    ("på dansk tak", Y, None, "en", {"intent": "language", "value": "da"}),
    ("ring til mig", C, 3, "da", {"intent": "callback"}),
    ("call me", Y, None, "en", {"intent": "callback"}),
    # a typo never stops or starts anything
    ("stpo", Y, None, "da", {"intent": "unknown"}),
    ("afmled", Y, None, "da", {"intent": "unknown"}),
    ("stoppested", Y, None, "da", {"intent": "unknown"}),
    # keywords of the booking
    ("aflys", C, 3, "da", {"intent": "cancel"}),
    ("cancel", Y, None, "en", {"intent": "cancel"}),
    ("flyt", Y, None, "da", {"intent": "reschedule"}),
    ("anden tid", C, 3, "da", {"intent": "reschedule"}),
    ("flere", C, 3, "da", {"intent": "more"}),
    ("more", C, 3, "en", {"intent": "more"}),
    ("spring over", S, None, "da", {"intent": "skip"}),
    ("skip", M, None, "en", {"intent": "skip"}),
    ("ved ikke", Y, None, "da", {"intent": "skip"}),
    # one choice, as digits or words, in either language
    *((text, C, 3, "da", {"intent": "choice", "value": 2}) for text in ("2", "nr. 2", "nr 2")),
    *((text, C, 3, "da", {"intent": "choice", "value": 2}) for text in ("den anden", "to", "#2")),
    *((text, C, 3, "da", {"intent": "choice", "value": 2}) for text in ("two", "second", "2.")),
    *((text, C, 3, "en", {"intent": "choice", "value": 2}) for text in ("two", "the second one")),
    ("nummer tre", C, 3, "da", {"intent": "choice", "value": 3}),
    ("den tredie", C, 3, "da", {"intent": "choice", "value": 3}),  # a common misspelling
    ("jeg tager nr 3, tak", C, 3, "da", {"intent": "choice", "value": 3}),
    ("første", C, 3, "da", {"intent": "choice", "value": 1}),
    ("forste", C, 3, "da", {"intent": "choice", "value": 1}),
    ("en", C, 3, "da", {"intent": "choice", "value": 1}),
    ("5", C, 6, "da", {"intent": "choice", "value": 5}),
    # "to" is 2 in Danish and a preposition in English
    ("to", C, 3, "en", {"intent": "unknown"}),
    # out of range, or two at once
    ("4", C, 3, "da", {"intent": "unknown"}),
    ("0", C, 3, "da", {"intent": "unknown"}),
    ("1 og 3", C, 3, "da", {"intent": "unknown"}),
    ("1 eller 2", C, 3, "da", {"intent": "unknown"}),
    ("kl 10", C, 3, "da", {"intent": "unknown"}),
    ("en tid tak", C, 3, "da", {"intent": "unknown"}),
    # the health scale: 1 = Fremragende ... 5 = Dårligt
    ("1", S, None, "da", {"intent": "choice", "value": 1}),
    ("Fremragende", S, None, "da", {"intent": "choice", "value": 1}),
    ("excellent", S, None, "da", {"intent": "choice", "value": 1}),
    ("vældig godt", S, None, "da", {"intent": "choice", "value": 2}),
    ("vaeldig godt", S, None, "da", {"intent": "choice", "value": 2}),
    ("vældigt godt", S, None, "da", {"intent": "choice", "value": 2}),
    ("very good", S, None, "en", {"intent": "choice", "value": 2}),
    ("godt", S, None, "da", {"intent": "choice", "value": 3}),
    ("tre", S, None, "da", {"intent": "choice", "value": 3}),
    ("mindre godt", S, None, "da", {"intent": "choice", "value": 4}),
    ("ikke så godt", S, None, "da", {"intent": "choice", "value": 4}),
    ("fair", S, None, "en", {"intent": "choice", "value": 4}),
    ("daarligt", S, None, "da", {"intent": "choice", "value": 5}),
    ("Dårligt", S, None, "da", {"intent": "choice", "value": 5}),
    ("fem", S, None, "da", {"intent": "choice", "value": 5}),
    ("poor", S, None, "en", {"intent": "choice", "value": 5}),
    ("6", S, None, "da", {"intent": "unknown"}),
    ("2 godt", S, None, "da", {"intent": "unknown"}),
    ("godt eller dårligt", S, None, "da", {"intent": "unknown"}),
    # several choices, or none
    ("1 og 3", M, None, "da", {"intent": "choices", "value": [1, 3]}),
    ("1,3", M, None, "da", {"intent": "choices", "value": [1, 3]}),
    ("1 & 3", M, None, "da", {"intent": "choices", "value": [1, 3]}),
    ("3 1", M, None, "da", {"intent": "choices", "value": [1, 3]}),
    ("en og tre", M, None, "da", {"intent": "choices", "value": [1, 3]}),
    ("one and three", M, None, "en", {"intent": "choices", "value": [1, 3]}),
    ("to", M, None, "da", {"intent": "choices", "value": [2]}),
    ("KOL og ryg", M, None, "da", {"intent": "choices", "value": [1, 2]}),
    ("diabetes", M, None, "en", {"intent": "choices", "value": [3]}),
    ("andet", M, None, "da", {"intent": "choices", "value": [5]}),
    ("ingen", M, None, "da", {"intent": "choices", "value": []}),
    ("none", M, None, "en", {"intent": "choices", "value": []}),
    ("0", M, None, "da", {"intent": "choices", "value": []}),
    ("nej", M, None, "da", {"intent": "choices", "value": []}),
    ("13", M, None, "da", {"intent": "unknown"}),
    ("1 6", M, None, "da", {"intent": "unknown"}),
    ("3", M, 2, "da", {"intent": "unknown"}),
    ("diabetes", M, 2, "da", {"intent": "unknown"}),
]


class TestReadReply:
    @pytest.mark.parametrize(
        ("text", "expect", "options", "lang", "expected"),
        [pytest.param(*row, id=f"{row[1].value}:{row[3]}:{row[0]}") for row in READINGS],
    )
    def test_reading(
        self,
        text: str,
        expect: Expect,
        options: int | None,
        lang: str,
        expected: dict[str, object],
    ) -> None:
        reading = read_reply(text, expect, options=options, lang=cast(Language, lang))
        assert reading.as_dict() == expected

    def test_as_dict_leaves_out_a_missing_value(self) -> None:
        assert Reading(Intent.YES).as_dict() == {"intent": "yes"}
        assert Reading(Intent.CHOICES, ()).as_dict() == {"intent": "choices", "value": []}

    @pytest.mark.parametrize("text", ["stpo", "sotp", "afmled", "unsubscrbe", "Stpo!"])
    def test_a_near_miss_of_stop_is_asked_about(self, text: str) -> None:
        assert resembles_stop(text)

    @pytest.mark.parametrize(
        "text", ["stop", "stoppested", "Er jeg afmeldt?", "hej", "jeg kan ikke stoppe med at ryge"]
    )
    def test_other_words_are_not_near_misses(self, text: str) -> None:
        assert not resembles_stop(text)


class TestReadReplyNeverFails:
    @settings(deadline=None, max_examples=400)
    @given(
        st.text(max_size=300),
        st.sampled_from(Expect),
        st.none() | st.integers(1, 12),
        st.sampled_from(["da", "en"]),
    )
    def test_any_text(self, text: str, expect: Expect, options: int | None, lang: Language) -> None:
        reading = read_reply(text, expect, options=options, lang=lang)
        count = options or {"choice": 3, "scale": 5, "multi": 5}.get(expect.value, 0)
        if reading.intent is Intent.CHOICE:
            assert isinstance(reading.value, int)
            assert 1 <= reading.value <= (5 if expect is Expect.SCALE else count)
        elif reading.intent is Intent.CHOICES:
            assert expect is Expect.MULTI
            assert isinstance(reading.value, tuple)
            assert all(1 <= n <= count for n in reading.value)
        elif reading.intent is Intent.LANGUAGE:
            assert reading.value in ("da", "en")
        else:
            assert reading.value is None
