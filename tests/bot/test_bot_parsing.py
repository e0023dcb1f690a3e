"""Reading replies: normalising, yes / no, opt-out, age, health, chronic disease, municipality."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import answers, parsing, yesno
from bot.flow import DEFAULT_FLOW
from bot.types import CHRONIC_DISEASES, HEALTH_SCALE
from bot.yesno import Answer

WORDS = DEFAULT_FLOW.keywords


def yes_no(text: str) -> Answer | None:
    return yesno.classify_yes_no(text, WORDS.yes, WORDS.no)


class TestNormalise:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("  Ja!!  ", "ja"),
            ("Ja tak 🙂", "ja tak"),
            ("Vældig GODT", "vaeldig godt"),
            ("Dårligt.", "daarligt"),
            ("don't know", "dont know"),
            ("nr. 2", "nr 2"),
            ("", ""),
        ],
    )
    def test_normalise(self, text: str, expected: str) -> None:
        assert parsing.normalise(text) == expected

    def test_key_squeezes_repeated_letters_but_not_digits(self) -> None:
        assert parsing.key("JAAA") == "ja"
        assert parsing.key("1966") == "1966"

    def test_folded_and_plain_spellings_meet(self) -> None:
        assert parsing.key("hjælp") == parsing.key("hjaelp")
        assert parsing.key("dårligt") == parsing.key("daarligt") == parsing.key("darligt")


class TestYesNo:
    @pytest.mark.parametrize(
        "text",
        [
            "ja",
            "Ja!!",
            "ja tak",
            "Ja tak 🙂",
            "JAAA",
            "ja tk",
            "jeps",
            "jep",
            "jo",
            "yes",
            "Yes please",
            "ok",
            "👍",
            "gerne",
            "Hej, ja tak",
            "Ja, det vil jeg gerne",
            "Ja det lyder rigtig godt, jeg vil meget gerne have en tid til en samtale",
        ],
    )
    def test_yes(self, text: str) -> None:
        assert yes_no(text) is Answer.YES

    @pytest.mark.parametrize(
        "text",
        [
            "nej",
            "Nej tak",
            "NEJ!",
            "no",
            "no thanks",
            "No thank you",
            "nix",
            "ikke interesseret",
            "nej ellers tak",
            "Not interested",
            "👎",
        ],
    )
    def test_no(self, text: str) -> None:
        assert yes_no(text) is Answer.NO

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "hvad koster det",
            "ja nej",
            "ja men ikke nu",
            "jeg ved det ikke",
            "måske",
            "Jeg ved ikke om jeg har tid ja",
        ],
    )
    def test_neither(self, text: str) -> None:
        assert yes_no(text) is None


class TestOptOut:
    @pytest.mark.parametrize(
        "text",
        [
            "STOP",
            "Stop!",
            "stopall",
            "STOP ALL",
            "afmeld",
            "AFMELD MIG",
            "unsubscribe",
            "stop venligst",
            "Nej tak, stop",
            "please stop texting me",
            "STOPPP",
            "Jeg vil ikke have flere sms'er, stop",
            "STOP jeg er ikke interesseret i det her tilbud",
            "Tak, men jeg vil ikke flere beskeder",
        ],
    )
    def test_opt_out(self, text: str) -> None:
        assert parsing.is_opt_out(text, WORDS.stop)

    @pytest.mark.parametrize(
        "text",
        [
            "jeg vil gerne afmeldes",
            "lad mig være",
            "slet mit nummer",
            "fjern mig fra listen",
            "ingen flere sms tak",
            "remove me",
            "don't text me again",
            "Nej tak. Slet venligst mine oplysninger",
            "st\u200bop",
            "af\u00admeld",
            "ＳＴＯＰ",
            # A stop anywhere in a long message counts (issue 15).
            "Jeg skal lige stoppe bilen, så skriver jeg om lidt igen, tak for beskeden stop",
            "Hej jeg har virkelig ikke tid til det her og har fået mange af dem, så stop nu",
        ],
    )
    def test_opt_out_in_ordinary_words(self, text: str) -> None:
        assert parsing.is_opt_out(text, WORDS.stop)

    @pytest.mark.parametrize(
        "text",
        [
            "stoppested",
            "afmeldt?",
            "Er jeg afmeldt?",
            "jeg kan ikke stoppe med at ryge, kan I hjælpe?",
            "stop ikke",
            "bus stop",
            "stop rygning",
            "I want to quit smoking",
            "I need help to stop smoking",
            "afmeld tiden",
            "Jeg vil gerne afmelde min tid",
            "",
        ],
    )
    def test_not_opt_out(self, text: str) -> None:
        assert not parsing.is_opt_out(text, WORDS.stop)


class TestAge:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1970", 1970),
            ("født 12.03.1970", 1970),
            ("Jeg er født i 1966", 1966),
            ("52", None),
            ("1234", None),
            ("1970 eller 1971", None),
        ],
    )
    def test_birth_year(self, text: str, expected: int | None) -> None:
        assert answers.find_birth_year(text, 2025) == expected

    @pytest.mark.parametrize(
        ("text", "expected"), [("52", 52), ("jeg er 52 år", 52), ("5", None), ("40 eller 41", None)]
    )
    def test_age(self, text: str, expected: int | None) -> None:
        assert answers.find_age(text) == expected


class TestHealth:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1", "fremragende"),
            ("5", "daarligt"),
            ("Fremragende", "fremragende"),
            ("vældig godt", "vaeldig_godt"),
            ("Vaeldig godt!", "vaeldig_godt"),
            ("godt", "godt"),
            ("Godt tak", "godt"),
            ("mindre godt", "mindre_godt"),
            ("ikke så godt", "mindre_godt"),
            ("dårligt", "daarligt"),
            ("excellent", "fremragende"),
            ("very good", "vaeldig_godt"),
            ("good", "godt"),
            ("fair", "mindre_godt"),
            ("poor", "daarligt"),
            ("3 godt", "godt"),
        ],
    )
    def test_health(self, text: str, expected: str) -> None:
        assert answers.parse_health(text) == expected

    @pytest.mark.parametrize("text", ["", "6", "ja", "godt eller dårligt", "2 godt", "1 2"])
    def test_not_health(self, text: str) -> None:
        assert answers.parse_health(text) is None


class TestChronic:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1 3", ("musculoskeletal", "diabetes")),
            ("1,3", ("musculoskeletal", "diabetes")),
            ("3 og 1", ("musculoskeletal", "diabetes")),
            ("KOL", ("lungs",)),
            ("ryg", ("musculoskeletal",)),
            ("rygsmerter og forhøjet blodtryk", ("musculoskeletal", "heart")),
            ("diabetes", ("diabetes",)),
            ("type 2 diabetes", ("diabetes",)),
            ("kolesterol", ("heart",)),
            ("astma", ("lungs",)),
            ("andet", ("other",)),
            ("ingen", ()),
            ("nej", ()),
            ("Nej tak", ()),
            ("none", ()),
            ("KOL og 1", ("musculoskeletal", "lungs")),
        ],
    )
    def test_chronic(self, text: str, expected: tuple[str, ...]) -> None:
        assert answers.parse_chronic(text, WORDS.none) == expected

    @pytest.mark.parametrize("text", ["", "6", "jeg ryger", "ja", "1 7", "13"])
    def test_not_chronic(self, text: str) -> None:
        assert answers.parse_chronic(text, WORDS.none) is None

    def test_a_number_beyond_the_list_is_not_understood(self) -> None:
        assert answers.parse_chronic("1 4", WORDS.none, count=3) is None


class TestMunicipality:
    @pytest.mark.parametrize(
        "text",
        ["Roskilde", "ROSKILDE KOMMUNE", "roskilde kommune.", "Jeg bor i Roskilde", "Roskilee"],
    )
    def test_target(self, text: str) -> None:
        assert answers.match_municipality(text, "Roskilde Kommune") is True

    @pytest.mark.parametrize("text", ["Køge", "Køge Kommune", "Frederiksberg"])
    def test_other(self, text: str) -> None:
        assert answers.match_municipality(text, "Roskilde Kommune") is False

    @pytest.mark.parametrize("text", ["", "1234", "?", "hvorfor vil I vide hvor jeg bor henne"])
    def test_nothing_named(self, text: str) -> None:
        assert answers.match_municipality(text, "Roskilde Kommune") is None

    def test_part_of_a_double_name(self) -> None:
        assert answers.match_municipality("Lyngby", "Lyngby-Taarbæk Kommune") is True
        assert answers.match_municipality("Aarhus", "Århus Kommune") is True

    def test_without_a_target_any_name_passes(self) -> None:
        assert answers.match_municipality("Køge", "") is True


class TestParsersNeverCrash:
    @settings(deadline=None, max_examples=300)
    @given(st.text())
    def test_any_text(self, text: str) -> None:
        parsing.normalise(text)
        assert yesno.classify_yes_no(text, WORDS.yes, WORDS.no) in (Answer.YES, Answer.NO, None)
        assert isinstance(parsing.is_opt_out(text, WORDS.stop), bool)
        answers.find_birth_year(text, 2025)
        answers.find_age(text)
        assert answers.parse_health(text) in (None, *HEALTH_SCALE)
        diseases = answers.parse_chronic(text, WORDS.none)
        assert diseases is None or set(diseases) <= set(CHRONIC_DISEASES)
        answers.match_municipality(text, "Roskilde Kommune")
        parsing.acknowledges(text, WORDS.thanks)
