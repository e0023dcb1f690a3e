"""The flow file: every text in both languages, fit for SMS, and a coordinator's own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flow import DEFAULT_FLOW, LANGUAGES, TEXT_KEYS, FlowError, fill_template, load_flow
from bot.flows.common import values
from bot.types import Context

# The GSM 03.38 basic alphabet and its extension table: anything else makes an SMS UCS-2.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€"
CTX = Context(
    sender="Lyngby-Taarbæk Kommune",
    first_name="Christiansen",
    target_municipality="Lyngby-Taarbæk Kommune",
    phone_number="45 97 30 00",
)


class TestFlow:
    def test_default_has_every_text_in_both_languages(self) -> None:
        assert set(DEFAULT_FLOW.texts) == TEXT_KEYS
        for versions in DEFAULT_FLOW.texts.values():
            assert set(versions) == set(LANGUAGES)

    @pytest.mark.parametrize("key", sorted(TEXT_KEYS))
    def test_texts_fit_the_gsm_alphabet(self, key: str) -> None:
        for lang in LANGUAGES:
            text = DEFAULT_FLOW.text(key, lang, values(CTX))
            assert set(text) <= set(GSM_BASIC + GSM_EXTENDED), (key, lang)

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_invitation_fits_two_sms(self, lang: str) -> None:
        text = DEFAULT_FLOW.text("invitation", lang, values(CTX))  # type: ignore[arg-type]
        assert len(text) <= 2 * 153

    def test_keywords_are_loaded(self) -> None:
        assert "stop" in DEFAULT_FLOW.keywords.stop
        assert "ja" in DEFAULT_FLOW.keywords.yes

    def test_coordinator_file_overrides_only_what_it_names(self, tmp_path: Path) -> None:
        path = tmp_path / "flow.toml"
        path.write_text(
            '[keywords]\nmore = ["flere", "andre"]\n'
            '[texts.ask_municipality]\nda = "Hvor bor du, {first_name}?"\n',
            encoding="utf-8",
        )
        flow = load_flow(path)
        assert flow.keywords.more == ("flere", "andre")
        assert flow.keywords.yes == DEFAULT_FLOW.keywords.yes
        assert flow.text("ask_municipality", "da", values(CTX)) == "Hvor bor du, Christiansen?"
        assert flow.texts["ask_municipality"]["en"] == DEFAULT_FLOW.texts["ask_municipality"]["en"]

    @pytest.mark.parametrize(
        "content",
        [
            '[texts.invitation]\nda = "Hej {navn}"\n',
            '[texts.invitation]\nda = "Hej {sender"\n',
            '[texts.invitation]\nda = "Hej {0}"\n',
            '[texts.invitaion]\nda = "Hej"\n',
            '[texts.invitation]\nda = ""\n',
            '[keywords]\nyes = "ja"\n',
            '[keywords]\nmaybe = ["måske"]\n',
            "[extra]\n",
            "not toml at all [",
        ],
    )
    def test_bad_files_are_refused_on_load(self, tmp_path: Path, content: str) -> None:
        path = tmp_path / "flow.toml"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(FlowError):
            load_flow(path)


class TestFillTemplate:
    def test_fills_the_invitation_placeholders(self) -> None:
        text = fill_template("Hej {first_name} !  {sender} ({age_min}-{age_max})", values(CTX))
        assert text == "Hej Christiansen! Lyngby-Taarbæk Kommune (40-60)"

    @pytest.mark.parametrize(
        "template",
        ["{navn}", "{sender", "{0}", "{}", "{sender.upper}", "{when}", "{sender!r:>{x}}"],
    )
    def test_refuses_what_it_cannot_fill(self, template: str) -> None:
        assert fill_template(template, values(CTX)) is None
