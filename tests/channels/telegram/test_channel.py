"""The Telegram adapter: the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlmodel import Session

from booking.attendance import attendance_buttons
from channels.port import ChannelPermanentError, ChannelTemporaryError, OutgoingMessage
from channels.telegram import TelegramChannel, TelegramConfig
from delivery.sender import send_batch
from recruitbot.runtime import Runtime
from store import outbox
from store.db import unit_of_work
from store.models import Message
from store.types import MessageStatus, Trigger
from tests.fakes.telegram_api import TOKEN, FakeTelegram

CHAT = 4242
# PTB's RetryAfter warns about its own future type for retry_after while it is being built.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


def message(text: str = "Hej", **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(message_id=1, address=str(CHAT), text=text, **kwargs)  # type: ignore[arg-type]


class TestSend:
    def test_text_with_attendance_buttons(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        receipt = telegram.send(message("Ny booking", buttons=attendance_buttons(17)))
        [sent] = telegram_api.sent(CHAT)
        assert receipt.provider_id == f"{CHAT}:{sent['message_id']}"
        assert sent["text"] == "Ny booking"
        assert sent["reply_markup"] == {
            "inline_keyboard": [
                [
                    {"text": "Mødt", "callback_data": "m:17"},
                    {"text": "Udeblevet", "callback_data": "u:17"},
                ]
            ]
        }

    def test_url_data_makes_a_link_button(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        telegram.send(message(buttons=((("Konsollen", "https://konsol.example/b/1"),),)))
        [button] = telegram_api.sent(CHAT)[0]["reply_markup"]["inline_keyboard"][0]
        assert button == {"text": "Konsollen", "url": "https://konsol.example/b/1"}

    def test_no_buttons_no_keyboard(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        telegram.send(message())
        assert "reply_markup" not in telegram_api.sent(CHAT)[0]
        assert telegram_api.methods_called() == ["getMe", "sendMessage"]

    def test_many_threads_share_one_bot(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        errors: list[Exception] = []

        def send_five(worker: int) -> None:
            try:
                for i in range(5):
                    telegram.send(message(f"{worker}-{i}"))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=send_five, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(telegram_api.sent(CHAT)) == 40
        assert telegram_api.methods_called().count("getMe") == 1


class TestErrors:
    def test_blocked_bot_is_a_full_opt_out(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        telegram_api.block(CHAT)
        with pytest.raises(ChannelPermanentError) as raised:
            telegram.send(message())
        assert raised.value.opted_out and not raised.value.channel_only
        assert "blocked" in raised.value.reason

    def test_a_deleted_account_closes_telegram_only(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        telegram_api.deactivate(CHAT)
        with pytest.raises(ChannelPermanentError) as raised:
            telegram.send(message())
        assert raised.value.opted_out and raised.value.channel_only
        assert "deactivated" in raised.value.reason

    def test_flood_control_is_temporary(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        telegram_api.flood(seconds=7)
        with pytest.raises(ChannelTemporaryError, match="Retry in 7 seconds"):
            telegram.send(message())
        telegram.send(message())  # flood over
        assert len(telegram_api.sent(CHAT)) == 1

    def test_bad_request_is_permanent(self, telegram: TelegramChannel) -> None:
        with pytest.raises(ChannelPermanentError, match="not found") as raised:
            telegram.edit_message(chat_id=str(CHAT), message_id=999, text="x", buttons=())
        assert not raised.value.opted_out

    def test_unreachable_api_is_temporary(self) -> None:
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        config = TelegramConfig(token=TOKEN, api_base_url=f"http://127.0.0.1:{port}/bot", timeout=2)
        channel = TelegramChannel(config)
        try:
            with pytest.raises(ChannelTemporaryError):
                channel.send(message())
        finally:
            channel.close()

    def test_an_edit_that_changes_nothing_is_no_error(
        self, telegram: TelegramChannel, telegram_api: FakeTelegram
    ) -> None:
        telegram.send(message("Samme"))
        message_id = telegram_api.sent(CHAT)[0]["message_id"]
        telegram.edit_message(chat_id=str(CHAT), message_id=message_id, text="Samme", buttons=())


class TestThroughTheSender:
    def queue(self, runtime: Runtime, text: str) -> int:
        with unit_of_work(runtime.engine) as session:
            return outbox.queue(
                session=session,
                channel="telegram",
                address=str(CHAT),
                kind="telegram_info",
                trigger=Trigger.REPLY,
                text=text,
                now=runtime.clock.now(),
            )

    def send(self, runtime: Runtime) -> None:
        send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=runtime.clock.now(),
            limit=10,
        )

    def test_delivered_and_recorded(self, runtime: Runtime, telegram_api: FakeTelegram) -> None:
        message_id = self.queue(runtime, "Hej fra kommunen")
        self.send(runtime)
        with Session(runtime.engine) as session:
            row = session.get_one(Message, message_id)
        assert row.status == MessageStatus.SENT
        assert row.provider_id == f"{CHAT}:{telegram_api.sent(CHAT)[0]['message_id']}"

    def test_flood_is_retried_later(self, runtime: Runtime, telegram_api: FakeTelegram) -> None:
        telegram_api.flood(seconds=30)
        message_id = self.queue(runtime, "Hej")
        self.send(runtime)
        with Session(runtime.engine) as session:
            row = session.get_one(Message, message_id)
        assert row.status == MessageStatus.ERRORED and row.next_attempt_at is not None

    def test_blocked_chat_fails_with_the_reason(
        self, runtime: Runtime, telegram_api: FakeTelegram
    ) -> None:
        telegram_api.block(CHAT)
        message_id = self.queue(runtime, "Hej")
        self.send(runtime)
        with Session(runtime.engine) as session:
            row = session.get_one(Message, message_id)
        assert row.status == MessageStatus.FAILED
        assert row.error is not None and "blocked" in row.error
