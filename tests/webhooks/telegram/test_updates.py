"""Reading Telegram updates: what each kind of update means to the service."""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram_updates import Updates
from webhooks.telegram.updates import (
    ButtonPress,
    ChatMembership,
    ChatText,
    Other,
    Unreadable,
    Update,
    read_update,
)


def read(raw: dict[str, Any]) -> Update:
    update = read_update(raw)
    assert isinstance(update, Update)
    return update


class TestReadUpdate:
    def test_text(self, updates: Updates) -> None:
        raw = updates.text(42, "Ja tak")
        update = read(raw)
        assert update.update_id == raw["update_id"] and update.kind == "message"
        assert update.event == ChatText("42", raw["message"]["message_id"], "Ja tak")

    def test_button_press(self, updates: Updates) -> None:
        raw = updates.press(42, 7, "m:3")
        assert read(raw).event == ButtonPress(raw["callback_query"]["id"], "42", 7, "m:3")

    def test_blocked_and_started(self, updates: Updates) -> None:
        assert read(updates.membership(42, status="kicked")).event == ChatMembership("42", True)
        assert read(updates.membership(42, status="member")).event == ChatMembership("42", False)

    def test_group_chats_and_other_statuses_are_of_no_use(self, updates: Updates) -> None:
        raw = updates.text(42, "hej")
        raw["message"]["chat"]["type"] = "group"
        assert read(raw).event == Other()
        left = updates.membership(42, status="member")
        left["my_chat_member"]["new_chat_member"]["status"] = "left"
        assert read(left).event == Other()

    def test_extra_fields_are_ignored(self, updates: Updates) -> None:
        raw = updates.text(42, "hej")
        raw["message"]["something_new_in_api_11"] = {"x": 1}
        assert isinstance(read(raw).event, ChatText)

    def test_not_an_update(self) -> None:
        assert isinstance(read_update([1]), Unreadable)
        assert isinstance(read_update({"update_id": 2**60}), Unreadable)
