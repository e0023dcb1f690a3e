"""The fake keeps the Bot API's contract: a call that breaks it is caught, loudly."""

from __future__ import annotations

import json

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_contract import MISSING_SPEC, TelegramContract

CONTRACT = TelegramContract.load()
needs_spec = pytest.mark.skipif(CONTRACT is None, reason=MISSING_SPEC)
KEYBOARD = json.dumps({"inline_keyboard": [[{"text": "Mødt", "callback_data": "m:1"}]]})


@needs_spec
class TestContract:
    def check(self, method: str, params: dict[str, object]) -> list[str]:
        assert CONTRACT is not None
        return CONTRACT.check_call(method, params)

    def test_a_good_call_passes(self) -> None:
        assert (
            self.check("sendMessage", {"chat_id": "42", "text": "Hej", "reply_markup": KEYBOARD})
            == []
        )

    def test_unknown_method(self) -> None:
        assert self.check("sendSms", {}) == ["sendSms: no such method in Bot API 10.1"]

    def test_missing_required_parameter(self) -> None:
        assert self.check("sendMessage", {"chat_id": "42"}) == [
            "sendMessage: required parameter 'text' missing"
        ]

    def test_unknown_parameter(self) -> None:
        problems = self.check("answerCallbackQuery", {"callback_query_id": "1", "txt": "x"})
        assert problems == ["answerCallbackQuery: unknown parameter 'txt'"]

    def test_wrong_type(self) -> None:
        assert self.check("getUpdates", {"timeout": "soon"})
        assert self.check("answerCallbackQuery", {"callback_query_id": "1", "show_alert": "maybe"})

    def test_nested_objects_are_checked(self) -> None:
        bad = json.dumps({"inline_keyboard": [[{"label": "Mødt", "callback_data": "m:1"}]]})
        problems = self.check("sendMessage", {"chat_id": "42", "text": "x", "reply_markup": bad})
        assert any("'label'" in p for p in problems) and any(
            "'text' missing" in p for p in problems
        )

    def test_the_fake_refuses_and_records_a_violation(self, telegram_api: FakeTelegram) -> None:
        status, body = telegram_api.handle("sendMessage", {"chat_id": "42"})
        assert status == 400 and "contract violation" in body["description"]
        assert telegram_api.violations
        telegram_api.violations.clear()  # this test broke it on purpose

    def test_updates_made_up_by_tests_are_checked(self, telegram_api: FakeTelegram) -> None:
        with pytest.raises(AssertionError, match="required field 'chat' missing"):
            telegram_api.check_update({"update_id": 1, "message": {"message_id": 1, "date": 0}})


def test_without_the_spec_nothing_is_checked(tmp_path: object) -> None:
    from pathlib import Path

    assert TelegramContract.load(Path(str(tmp_path)) / "telegram_bot_api.json") is None
    assert "contract check is skipped" in MISSING_SPEC
