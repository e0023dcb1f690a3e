"""Updates as Telegram sends them, checked against the Bot API before a test uses them."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.fakes.telegram_api import BOT_USER, DATE, FakeTelegram

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET = "test-secret_0123456789-abcdef"


def user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Bruger"}


def chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Bruger"}


class Updates:
    """Make updates with fresh ids, each one checked against the contract."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self._message_ids = iter(range(5000, 10**6))

    def _made(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.fake.next_update_id(), **body}
        self.fake.check_update(update)
        return update

    def text(self, chat_id: int, text: str) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "from": user(chat_id),
            "chat": chat(chat_id),
            "date": DATE,
            "text": text,
        }
        return self._made({"message": message})

    def press(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        """A press of a button under the bot's message `message_id`."""
        message = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": chat(chat_id),
            "date": DATE,
            "text": "…",
        }
        query = {
            "id": f"q{next(self._message_ids)}",
            "from": user(chat_id),
            "message": message,
            "chat_instance": "-1234",
            "data": data,
        }
        return self._made({"callback_query": query})

    def membership(self, chat_id: int, *, status: str) -> dict[str, Any]:
        """The user blocked the bot ("kicked") or started it again ("member")."""
        old = "member" if status == "kicked" else "kicked"
        member = {
            "chat": chat(chat_id),
            "from": user(chat_id),
            "date": DATE,
            "old_chat_member": _member(old),
            "new_chat_member": _member(status),
        }
        return self._made({"my_chat_member": member})


def _member(status: str) -> dict[str, Any]:
    if status == "kicked":
        return {"status": "kicked", "user": BOT_USER, "until_date": 0}
    return {"status": status, "user": BOT_USER}


def post(client: TestClient, update: object, *, secret: str | None = None) -> Response:
    """Post an update to the webhook as Telegram does, with the right secret by default."""
    headers = {
        SECRET_HEADER: SECRET if secret is None else secret,
        "Content-Type": "application/json",
    }
    response: Response = client.post(
        "/webhooks/telegram", content=json.dumps(update), headers=headers
    )
    return response
