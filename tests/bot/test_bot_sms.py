"""Every text the citizen can get is GSM-7 and fits in two SMS, with the longest real values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import step
from bot.flow import DEFAULT_FLOW, LANGUAGES, TEXT_KEYS
from bot.flows.common import values
from bot.sms import _ALPHABET, MAX_SEPTETS, _fold_char, fits, gsm_safe, septets, to_gsm
from bot.types import (
    Context,
    ConversationState,
    Event,
    EventKind,
    Inbound,
    Language,
    SlotOffer,
    Step,
    Text,
)

NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
# The longest of everything: sender, name, municipality, phone, weekday, month, place.
SENDER = "Frederikssund Kommune"
FIRST_NAME = "Marie-Louise"
LONG_PLACES = (
    ("Sundhedscenter Frederikssund", "Frederiksværksgade 2B, 3600 Frederikssund"),
    ("Sundhedshuset i Jægerspris", "Hovedgaden 112, 3630 Jægerspris"),
    ("Frederikssund Sundhedscenter", "Ved Kirken 10, 3600 Frederikssund"),
)
WHEN: dict[Language, str] = {
    "da": "torsdag d. 25. september kl. 14.30",
    "en": "Wednesday 24 September at 14:30",
}
CHOICES: dict[Language, str] = {"da": "1, 2 eller 3", "en": "1, 2 or 3"}
# The longest partner a campaign is likely to name, for "hvor har I mit nummer fra?".
PARTNER = "Fag og Arbejde (FOA), Frederikssund-Halsnæs Afdeling"


def long_slots(places: int) -> tuple[SlotOffer, ...]:
    """Seven slots on Wednesdays and Thursdays of September at 14.30, the longest to write."""
    days = [24, 25, 10, 11, 17, 18, 3]
    return tuple(
        SlotOffer(
            slot_id=100 + i,
            starts_at=datetime(2025, 9, day, 12, 30, tzinfo=UTC),
            duration_min=45,
            location_name=LONG_PLACES[i % places][0],
            address=LONG_PLACES[i % places][1],
        )
        for i, day in enumerate(days)
    )


def worst_context(places: int = 1) -> Context:
    slots = long_slots(places)
    return Context(
        sender=SENDER,
        first_name=FIRST_NAME,
        target_municipality="Ringkøbing-Skjern Kommune",
        municipality=None,
        free_slots=slots,
        booking=slots[0],
        phone_number="+45 47 35 10 00",
    )


SLOT_KEYS = {"slot_offer", "slot_offer_last"}


class TestCounting:
    def test_septets(self) -> None:
        assert septets("Hej Åse") == 7
        assert septets("50 €") == 5  # the euro sign is an escape and a character
        assert septets("[x]") == 5
        assert septets("Zoë") is None

    def test_two_segments(self) -> None:
        assert fits("x" * MAX_SEPTETS)
        assert not fits("x" * (MAX_SEPTETS + 1))
        assert not fits("€" * 154)
        assert not fits("ë")
        assert fits("x" * 160, segments=1)

    def test_values_are_folded_into_the_alphabet(self) -> None:
        assert to_gsm("Zoë Łukasiewicz") == "Zoe Lukasiewicz"
        assert to_gsm("李") is None
        assert gsm_safe("“Sundhedshuset” – Køge 🙂") == '"Sundhedshuset" - Køge '

    @given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
    def test_text_already_in_the_alphabet_is_kept_and_the_rest_folded_char_by_char(
        self, text: str
    ) -> None:
        # The short path (the whole text is GSM-7) says what folding each character says.
        folded = "".join(part for part in map(_fold_char, text) if part is not None)
        assert gsm_safe(text) == folded
        assert septets(gsm_safe(text)) is not None

    def test_the_alphabet_is_every_character_gsm7_can_write(self) -> None:
        writable = {chr(code) for code in range(0x2100) if septets(chr(code)) is not None}
        assert writable - {"\x1b"} == _ALPHABET  # the escape itself is no character to write

    def test_a_name_that_cannot_be_written_is_left_out(self) -> None:
        ctx = Context(sender="Roskilde Kommune", first_name="李")
        assert values(ctx)["first_name"] == ""
        assert values(Context(sender="Roskilde Kommune", first_name="Zoë"))["first_name"] == "Zoe"


class TestEveryText:
    @pytest.mark.parametrize("lang", LANGUAGES)
    @pytest.mark.parametrize("key", sorted(TEXT_KEYS - SLOT_KEYS))
    def test_text_fits_two_sms(self, key: str, lang: Language) -> None:
        place = ", ".join(LONG_PLACES[0])
        filled = values(
            worst_context(),
            when=WHEN[lang],
            place=place,
            choices=CHOICES[lang],
            minutes="30-45",
            partner=PARTNER,
        )
        text = DEFAULT_FLOW.text(key, lang, filled)
        count = septets(text)
        assert count is not None, f"{key} ({lang}) is not GSM-7"
        assert count <= MAX_SEPTETS, f"{key} ({lang}) takes {count} septets"

    @pytest.mark.parametrize("lang", LANGUAGES)
    @pytest.mark.parametrize("places", [1, 3])
    def test_every_offer_fits_two_sms(self, lang: Language, places: int) -> None:
        ctx = worst_context(places)
        offered = ConversationState(step=Step.CHOOSING_SLOT, lang=lang, offered_slot_ids=(100,))
        runs: list[tuple[ConversationState, Inbound]] = [
            (ConversationState(step=Step.CONSENT, lang=lang), Text("nej")),  # first page
            (offered.with_(offered_slot_ids=(100, 101, 102)), Text("flere")),  # the last page
            (offered, Event(EventKind.SLOT_TAKEN)),  # an apology first
            (ConversationState(step=Step.BOOKED, lang=lang), Event(EventKind.NO_SHOW)),
            (
                ConversationState(step=Step.BOOKED, lang=lang),
                Event(EventKind.BOOKING_CANCELLED_BY_STAFF),
            ),
            (ConversationState(step=Step.BOOKED, lang=lang), Text("flyt")),
            (offered.with_(offered_slot_ids=(100, 101, 102)), Text("1")),
        ]
        for state, inbound in runs:
            for message in step(state, inbound, NOW, ctx).outbound:
                assert fits(message.text), (septets(message.text), message.text)

    def test_the_worst_offer_still_names_the_place_and_time(self) -> None:
        ctx = worst_context(3)
        text = step(ConversationState(step=Step.CONSENT), Text("nej"), NOW, ctx).outbound[0].text
        # Three full dates with three long names do not fit; the short dates do.
        assert "1) ons. 24. sep. kl. 14.30, Sundhedscenter Frederikssund\n" in text
        assert "3) ons. 10. sep. kl. 14.30, Frederikssund Sundhedscenter\n" in text
