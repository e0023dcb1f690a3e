"""Telegram through python-telegram-bot: its async `Bot` behind the synchronous Channel port.

The sender runs in APScheduler's thread, the webhook's follow-up work in FastAPI's thread pool
and `telegram poll` in the main thread; all of them call in here at once. One event loop in a
daemon thread owns the Bot and its HTTP connections, and every call is handed to it. Measured
against the local fake (200 messages): 2.4 ms a message on the shared loop; 96 ms with
`asyncio.run` and a fresh Bot per message (a connection and a getMe each time); 5.6 ms with
`asyncio.run` per batch of 20, which still cannot serve the webhook's threads at the same time.

Telegram's errors become port errors here and nowhere else. Reasons carry Telegram's short
description ("Forbidden: bot was blocked by the user"), never a message's text.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from channels.port import (
    Buttons,
    ChannelPermanentError,
    ChannelTemporaryError,
    OutgoingMessage,
    Receipt,
)

log = structlog.get_logger(__name__)

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
# What the bot asks Telegram for: texts, button presses, and being blocked or restarted.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
T = TypeVar("T")


@dataclass(frozen=True)
class TelegramConfig:
    """What the adapter needs: the bot's token and where the Bot API is."""

    token: str
    api_base_url: str = TELEGRAM_API_BASE_URL
    timeout: float = 10.0  # seconds for one call, beyond a long poll's own wait


class BotLoop:
    """An event loop in a daemon thread that runs coroutines for synchronous callers."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="telegram-bot-loop", daemon=True
        )
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], *, timeout: float) -> T:
        """Run a coroutine on the loop and wait for its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except FutureTimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        """Stop the loop and its thread."""
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Build an inline keyboard from rows of (label, data); data that is a URL makes a link."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data)
                if data.startswith(("https://", "http://"))
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in buttons
        ]
    )


BLOCKED_BY_USER = "bot was blocked by the user"  # Telegram's words in the 403


def port_error(error: TelegramError) -> ChannelTemporaryError | ChannelPermanentError:
    """Translate a Telegram error: blocked means opted out, flood means later."""
    if isinstance(error, Forbidden):
        # Blocking the bot is the citizen's own "no more messages": a full opt-out, like STOP.
        # A chat that never started the bot or whose account is deleted is only unusable.
        blocked = BLOCKED_BY_USER in error.message.lower()
        return ChannelPermanentError(
            f"telegram: {error.message}"[:200], opted_out=True, channel_only=not blocked
        )
    if isinstance(error, RetryAfter):
        # error.message says how long to wait ("… Retry in 7 seconds"); the sender backs off more.
        return ChannelTemporaryError(f"telegram: {error.message}")
    if isinstance(error, BadRequest | ChatMigrated):
        return ChannelPermanentError(f"telegram: {error.message}"[:200])
    # TimedOut, NetworkError, InvalidToken (a configuration to fix), Conflict: worth a retry.
    return ChannelTemporaryError(f"telegram: {type(error).__name__}: {error.message}"[:200])


class TelegramChannel:
    """Send through a Telegram bot; also the few other Bot API calls the service makes."""

    name = "telegram"

    def __init__(self, config: TelegramConfig, *, loop: BotLoop | None = None) -> None:
        self._config = config
        self._loop = loop or BotLoop()
        self._bot = Bot(
            config.token,
            base_url=config.api_base_url,
            request=HTTPXRequest(connection_pool_size=8, read_timeout=config.timeout),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
        )
        self._ready = False
        self._ready_lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> Receipt:
        """Send a text, with its buttons as an inline keyboard."""
        sent = self._call(
            lambda: self._bot.send_message(
                chat_id=message.address,
                text=message.text,
                reply_markup=keyboard(message.buttons),
            )
        )
        log.debug("telegram.sent", message_id=message.message_id)
        return Receipt(provider_id=f"{sent.chat.id}:{sent.message_id}")

    def answer_callback(self, *, query_id: str, text: str) -> None:
        """Answer a button press: stops the button's spinner, shows `text` briefly."""
        self._call(lambda: self._bot.answer_callback_query(query_id, text=text[:200] or None))

    def edit_message(self, *, chat_id: str, message_id: int, text: str, buttons: Buttons) -> None:
        """Replace a message's text and buttons (the outcome dialogue lives in one message)."""
        try:
            self._call(
                lambda: self._bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard(buttons)
                )
            )
        except ChannelPermanentError as error:
            if "not modified" not in error.reason:  # a double tap: already showing this
                raise

    def updates(self, *, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        """Long-poll for updates, returned as the Bot API's JSON objects."""
        got = self._call(
            lambda: self._bot.get_updates(
                offset=offset,
                timeout=timeout,
                allowed_updates=list(ALLOWED_UPDATES),
            ),
            wait=timeout,
        )
        return [json.loads(update.to_json()) for update in got]

    def set_webhook(self, *, url: str, secret_token: str) -> None:
        """Have Telegram post updates to `url` with the secret token in a header."""
        self._call(
            lambda: self._bot.set_webhook(
                url, secret_token=secret_token, allowed_updates=list(ALLOWED_UPDATES)
            )
        )

    def delete_webhook(self) -> None:
        """Go back to long polling."""
        self._call(lambda: self._bot.delete_webhook())

    def username(self) -> str:
        """Return the bot's @username (without the @), as Telegram knows it."""
        return str(self._call(lambda: self._bot.get_me()).username or "")

    def close(self) -> None:
        """Close the Bot's connections and stop the loop."""
        if self._ready:
            try:
                self._loop.run(self._bot.shutdown(), timeout=self._config.timeout)
            except Exception:
                log.warning("telegram.shutdown_failed")
        self._loop.close()

    def _call(self, call: Callable[[], Awaitable[T]], *, wait: float = 0) -> T:
        """Run one Bot call on the loop; Telegram's errors leave as port errors."""
        self._initialize()

        async def run() -> T:
            return await call()

        try:
            return self._loop.run(run(), timeout=self._config.timeout + wait + 5)
        except TelegramError as error:
            raise port_error(error) from error
        except FutureTimeoutError as error:
            raise ChannelTemporaryError("telegram: no answer in time") from error

    def _initialize(self) -> None:
        # The first call sets up the connection pools and asks getMe, as PTB requires.
        with self._ready_lock:
            if self._ready:
                return
            try:
                self._loop.run(self._bot.initialize(), timeout=self._config.timeout + 5)
            except TelegramError as error:
                raise port_error(error) from error
            except FutureTimeoutError as error:
                raise ChannelTemporaryError("telegram: no answer in time") from error
            self._ready = True
