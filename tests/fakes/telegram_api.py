"""A local fake of Telegram's Bot API: a real HTTP server on 127.0.0.1 that the real
python-telegram-bot talks to (uvicorn in a thread).

Stateful: it keeps the messages the bot sent (and edits them), the answers to button presses,
the webhook, and a queue of updates for getUpdates. Strict: every call is checked against the
Bot API spec (`telegram_contract`); a call that breaks it is answered 400 and recorded, and the
fixture fails the test at teardown, even if the code under test swallowed the error.
Scriptable: a chat can block the bot (403), and flood control can answer 429 with retry_after.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.telegram_contract import MISSING_SPEC, TelegramContract, decode_form_value
from tests.waiting import wait_started

TOKEN = "123456789:fake-token-for-tests_0123456789abcd"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Sundhedstjek",
    "username": "sundhed_bot",
}
DATE = 1_795_000_000  # a fixed Unix time: the fake never reads the clock for content


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    """The fake's state; tests read and script it."""

    contract: TelegramContract | None
    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    answers: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    blocked: set[int] = field(default_factory=set)
    deactivated: set[int] = field(default_factory=set)
    flood_seconds: int = 0
    flood_calls: int = 0
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(700_000_001))
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- for tests

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.violations.clear()
            self.messages.clear()
            self.answers.clear()
            self.updates.clear()
            self.blocked.clear()
            self.deactivated.clear()
            self.webhook = None
            self.flood_seconds = self.flood_calls = 0

    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (as they are now, after edits), oldest first."""
        with self.lock:
            return [
                m
                for (chat, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1])
                if chat_id is None or chat == int(chat_id)
            ]

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: sending to them answers 403."""
        self.blocked.add(chat_id)

    def deactivate(self, chat_id: int) -> None:
        """The user deleted their Telegram account: sending to them answers 403."""
        self.deactivated.add(chat_id)

    def flood(self, *, seconds: int, calls: int = 1) -> None:
        """The next `calls` calls of sendMessage answer 429 with retry_after."""
        self.flood_seconds, self.flood_calls = seconds, calls

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def queue_update(self, update: Mapping[str, Any]) -> None:
        """Queue an update for getUpdates; it must itself keep the contract."""
        self.check_update(update)
        with self.lock:
            self.updates.append(dict(update))

    def check_update(self, update: Mapping[str, Any]) -> None:
        """Fail if an update a test made up is not one Telegram could send."""
        if self.contract is not None:
            problems = self.contract.check_object("Update", dict(update))
            assert not problems, f"the test's update breaks the Bot API: {problems}"

    def methods_called(self) -> list[str]:
        return [c.method for c in self.calls]

    # ---- the API

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.calls.append(Call(method, params))
            if self.contract is not None:
                problems = self.contract.check_call(method, params)
                if problems:
                    self.violations.extend(problems)
                    return _error(400, "Bad Request: contract violation: " + "; ".join(problems))
            if method in ("editMessageText", "editMessageReplyMarkup", "sendMessage"):
                params = {k: _decoded(k, v) for k, v in params.items()}
            handler = getattr(
                self, "_api_" + re.sub(r"(?<!^)([A-Z])", r"_\1", method).lower(), None
            )
            if handler is None:
                self.violations.append(f"{method}: the fake does not serve this method")
                return _error(404, "Not Found")
            result: tuple[int, dict[str, Any]] = handler(params)
            return result

    def _api_get_me(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return _ok(BOT_USER)

    def _api_send_message(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.deactivated:
            return _error(403, "Forbidden: user is deactivated")
        if self.flood_calls > 0:
            self.flood_calls -= 1
            return _error(
                429,
                f"Too Many Requests: retry after {self.flood_seconds}",
                parameters={"retry_after": self.flood_seconds},
            )
        message = {
            "message_id": next(self._ids),
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private", "first_name": "Bruger"},
            "date": DATE,
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return _ok(message)

    def _api_answer_callback_query(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.answers.append(params)
        return _ok(True)

    def _api_edit_message_text(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message["text"] == params.get("text") and message.get("reply_markup") == markup:
            return _error(400, "Bad Request: message is not modified")
        message["text"] = params.get("text", message["text"])
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return _ok(message)

    def _api_get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0))
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(params.get("limit", 100))
        return _ok(self.updates[:limit])  # never waits: tests do not sleep

    def _api_set_webhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = dict(params)
        return _ok(True)

    def _api_delete_webhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = None
        return _ok(True)


def _decoded(name: str, value: Any) -> Any:
    if name == "reply_markup" or name == "message_id":
        return decode_form_value(value, ["Object"])
    return value


def _ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def _error(
    status: int, description: str, *, parameters: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


def make_app(fake: FakeTelegram) -> Starlette:
    async def endpoint(request: Request) -> JSONResponse:
        token, method = request.path_params["token"], request.path_params["method"]
        if token != TOKEN:
            return JSONResponse(_error(401, "Unauthorized")[1], status_code=401)
        params = await _params(request)
        status, body = fake.handle(method, params)
        return JSONResponse(body, status_code=status)

    return Starlette(routes=[Route("/bot{token}/{method}", endpoint, methods=["GET", "POST"])])


async def _params(request: Request) -> dict[str, Any]:
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        loaded = json.loads(body or b"{}")
        return dict(loaded)
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return dict(parse_qsl(body.decode(), keep_blank_values=True)) | dict(request.query_params)


@dataclass
class _Running:
    fake: FakeTelegram
    server: uvicorn.Server
    thread: threading.Thread


def _start() -> _Running:
    fake = FakeTelegram(contract=TelegramContract.load())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Without it, each small answer waits ~40 ms for a delayed ACK (Nagle); connections inherit it.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        make_app(fake), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_started(server, thread, "the fake Bot API")
    fake.base_url = f"http://127.0.0.1:{port}/bot"
    return _Running(fake, server, thread)


@pytest.fixture(scope="session")
def _telegram_server() -> Iterator[_Running]:
    running = _start()
    if running.fake.contract is None:
        print(f"\n{MISSING_SPEC}")
    yield running
    running.server.should_exit = True
    running.thread.join(timeout=10)


@pytest.fixture
def telegram_api(_telegram_server: _Running) -> Iterator[FakeTelegram]:
    """The fake Bot API, emptied for this test; a broken contract fails the test."""
    fake = _telegram_server.fake
    fake.reset()
    yield fake
    assert not fake.violations, f"calls broke the Bot API contract: {fake.violations}"
