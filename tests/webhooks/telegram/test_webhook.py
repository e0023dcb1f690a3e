"""The webhook: only Telegram gets in, each update counts once, nothing malformed gives a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from recruitbot.runtime import Runtime
from store.models import Message, TelegramUpdate
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import SECRET, SECRET_HEADER, Updates, chat, post
from tests.webhooks.telegram import scenario

CHAT = scenario.CITIZEN_CHAT


def count(runtime: Runtime, model: type[Message] | type[TelegramUpdate]) -> int:
    with Session(runtime.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class TestSecretToken:
    @pytest.mark.parametrize("secret", [None, "", "wrong-secret", "test-secret_0123456789-abcdeF"])
    def test_missing_or_wrong_is_refused_and_nothing_is_written(
        self, client: TestClient, runtime: Runtime, updates: Updates, secret: str | None
    ) -> None:
        headers = {} if secret is None else {SECRET_HEADER: secret}
        response = client.post(
            "/webhooks/telegram", json=updates.text(CHAT, "Hej"), headers=headers
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert count(runtime, TelegramUpdate) == 0
        assert count(runtime, Message) == 0

    def test_without_a_configured_secret_everything_is_refused(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        runtime.settings = runtime.settings.model_copy(update={"telegram_secret_token": None})
        response = client.post(
            "/webhooks/telegram",
            json=updates.text(CHAT, "Hej"),
            headers={SECRET_HEADER: ""},
        )
        assert response.status_code == 403
        assert count(runtime, TelegramUpdate) == 0

    def test_the_right_secret_gets_in(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        response = post(client, updates.text(CHAT, "Hej"))
        assert response.status_code == 200
        assert response.json() == {"ok": True, "status": "processed"}
        # An unknown chat is asked for the code from the SMS, on Telegram.
        [sent] = telegram_api.sent(CHAT)
        assert "koden" in sent["text"]


class TestRepeatedUpdates:
    def test_the_same_update_five_times_has_one_effect(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        update = updates.text(CHAT, "Hej")
        statuses = [post(client, update).json()["status"] for _ in range(5)]
        assert statuses == ["processed"] + ["duplicate"] * 4
        assert count(runtime, TelegramUpdate) == 1
        assert count(runtime, Message) == 1
        assert len(telegram_api.sent(CHAT)) == 1


def update_with(**body: Any) -> dict[str, Any]:
    return {"update_id": 900_000_001, **body}


MESSAGE = {"message_id": 1, "date": 0, "chat": chat(CHAT)}
MALFORMED: list[object] = [
    [],
    "text",
    42,
    None,
    {},
    {"update_id": "one"},
    {"update_id": -5},
    {"update_id": 10**30},
    update_with(message="text"),
    update_with(message={"chat": {"id": "x"}}),
    update_with(message={**MESSAGE, "text": 7}),
    update_with(callback_query={"id": 5}),
    update_with(my_chat_member={"chat": chat(CHAT), "new_chat_member": "kicked"}),
]
IGNORED: list[object] = [
    update_with(edited_message={**MESSAGE, "text": "rettet"}),
    update_with(message={**MESSAGE, "photo": []}),  # no text
    update_with(message={**MESSAGE, "chat": {"id": -100, "type": "group"}, "text": "hej"}),
    update_with(callback_query={"id": "q", "chat_instance": "1", "data": "m:1"}),  # no message
    update_with(poll={"id": "p"}),
]


class TestMalformed:
    def test_unreadable_json_is_acknowledged_and_ignored(
        self, client: TestClient, runtime: Runtime
    ) -> None:
        for body in MALFORMED:
            response = post(client, body)
            assert response.status_code == 200, body
            assert response.json()["status"] == "unreadable", body
        assert count(runtime, Message) == 0
        assert count(runtime, TelegramUpdate) == 0

    def test_updates_of_no_use_are_recorded_once_and_ignored(
        self, client: TestClient, runtime: Runtime
    ) -> None:
        for number, body in enumerate(IGNORED):
            assert isinstance(body, dict)
            body = {**body, "update_id": 900_000_100 + number}
            assert post(client, body).json()["status"] == "ignored", body
            assert post(client, body).json()["status"] == "duplicate", body
        assert count(runtime, Message) == 0
        assert count(runtime, TelegramUpdate) == len(IGNORED)

    def test_a_body_that_is_not_json_is_a_400(self, client: TestClient, runtime: Runtime) -> None:
        for body in (b"", b"{", b"\xff\xfe", b"update_id=5", b"[" * 100_000, b" " * 1_000_001):
            response = client.post(
                "/webhooks/telegram", content=body, headers={SECRET_HEADER: SECRET}
            )
            assert response.status_code == 400, body
        assert count(runtime, TelegramUpdate) == 0

    def test_strange_button_presses_are_answered(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        assert made.staff.id is not None
        scenario.link_staff_directly(runtime, made.staff.id)
        strange = ["m:", "m:abc", "u:-1", "m:99999", "o:1:Q:0:0:0:0", "x" * 64, "m:²", "o:1:R"]
        for data in strange:
            response = post(client, updates.press(scenario.STAFF_CHAT, 1, data))
            assert response.status_code == 200, data
        assert len(telegram_api.answers) == len(strange)
        assert all("findes ikke" in answer["text"] for answer in telegram_api.answers)
