"""Invitation templates: the rules, the placeholders, GSM-7 or UCS-2 and the segments."""

from __future__ import annotations

import pytest

from bot.flow import INVITATION_PLACEHOLDERS
from outreach.templates import (
    PLACEHOLDERS,
    TemplateRefusedError,
    check_templates,
    encode,
    non_gsm_characters,
    template_problems,
)

GOOD_DA = (
    "Hej {first_name}! {sender} tilbyder dig et gratis sundhedstjek. Svar JA eller NEJ. "
    "Skriv STOP for at afmelde."
)
GOOD_EN = (
    "Hi {first_name}! {sender} offers you a free health check. Reply YES or NO. "
    "Text STOP to unsubscribe."
)


def problems(text: str, *, allow_links: bool = False) -> list[str]:
    return template_problems(text, sender="Roskilde Kommune", allow_links=allow_links)


class TestEncoding:
    @pytest.mark.parametrize(
        ("text", "name", "units", "segments"),
        [
            ("Hej Søren, æøå ÆØÅ é", "GSM-7", 20, 1),
            ("a" * 160, "GSM-7", 160, 1),
            ("a" * 161, "GSM-7", 161, 2),
            ("a" * 306, "GSM-7", 306, 2),
            ("a" * 307, "GSM-7", 307, 3),
            ("€" * 80, "GSM-7", 160, 1),  # extension characters count two
            ("€" * 81, "GSM-7", 162, 2),
            ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # the escape pair is never split
            ("Hej 🙂", "UCS-2", 6, 1),  # an emoji is a surrogate pair: two units
            ("x" * 69 + "–", "UCS-2", 70, 1),
            ("x" * 70 + "“", "UCS-2", 71, 2),
            ("x" * 134 + "“", "UCS-2", 135, 3),
        ],
    )
    def test_encoding_and_segments(self, text: str, name: str, units: int, segments: int) -> None:
        encoding = encode(text)
        assert (encoding.name, encoding.units, encoding.segments) == (name, units, segments)

    def test_names_the_characters_that_force_ucs2(self) -> None:
        assert non_gsm_characters("“Hej” – 🙂 æøå") == ["“", "”", "–", "🙂"]


class TestRules:
    def test_good_templates_pass(self) -> None:
        assert problems(GOOD_DA) == []
        assert problems(GOOD_EN) == []

    def test_the_sender_by_name_is_enough(self) -> None:
        assert problems("Roskilde kommune inviterer dig. Skriv STOP for at afmelde.") == []

    def test_no_sender(self) -> None:
        [problem] = problems("Hej {first_name}! Skriv STOP for at afmelde.")
        assert "who sends it" in problem and "§ 10" in problem

    def test_no_stop(self) -> None:
        [problem] = problems("Hej fra {sender}. Svar JA eller NEJ.")
        assert "how to stop" in problem

    @pytest.mark.parametrize(
        "link", ["https://roskilde.dk/sundhed", "www.roskilde.dk", "roskilde.dk/sundhedstjek"]
    )
    def test_links_are_refused_unless_allowed(self, link: str) -> None:
        text = f"{{sender}}: læs mere på {link}. Skriv STOP for at afmelde."
        [problem] = problems(text)
        assert "link" in problem and "filter" in problem
        assert problems(text, allow_links=True) == []

    def test_abbreviations_are_not_links(self) -> None:
        text = "{sender}: f.eks. kl. 10, ca. 30-45 min. Skriv STOP for at afmelde."
        assert problems(text) == []

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("{navn} {sender} STOP", "unknown placeholder {navn}"),
            ("{first_name.upper} {sender} STOP", "unknown placeholder"),
            ("{first_name!r} {sender} STOP", "plainly"),
            ("{} {sender} STOP", "unknown placeholder {}"),
            ("Hej { {sender} STOP", "unbalanced braces"),
        ],
    )
    def test_placeholders(self, text: str, expected: str) -> None:
        assert any(expected in problem for problem in problems(text)), problems(text)

    def test_empty(self) -> None:
        assert problems("   ") == ["is empty"]

    def test_check_names_every_template_with_its_language(self) -> None:
        with pytest.raises(TemplateRefusedError) as refused:
            check_templates(
                [("da", "Hej"), ("en", GOOD_EN), ("da", None)],
                sender="Roskilde Kommune",
                allow_links=False,
            )
        assert len(refused.value.problems) == 2
        assert all(p.startswith("the Danish template") for p in refused.value.problems)

    def test_placeholders_are_the_engines(self) -> None:
        assert set(PLACEHOLDERS) == INVITATION_PLACEHOLDERS
