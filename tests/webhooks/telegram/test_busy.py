"""An update while another process holds the store: 503 within a few seconds, kept on the retry.

Telegram retries an update answered with anything but 2xx. On SQLite another connection holds
the file's write lock (BEGIN IMMEDIATE); on PostgreSQL another transaction holds an uncommitted
row with the same update id, which the webhook's insert must wait for. The webhook waits its
few seconds (`webhooks.busy`), answers 503 with Retry-After, keeps nothing, and processes the
update once when Telegram sends it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlmodel import Session

from recruitbot.runtime import Runtime
from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from store.models import Message, TelegramUpdate
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import Updates, post
from tests.webhooks.telegram import scenario

CHAT = scenario.CITIZEN_CHAT
NOW = "2026-01-01 00:00:00+00:00"


@contextmanager
def held(database_url: str, update_id: int) -> Iterator[None]:
    """Another process writing, and holding on."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(
                text(
                    "INSERT INTO telegram_update (update_id, kind, received_at) "
                    "VALUES (:update_id, 'message', :now)"
                ),
                {"update_id": update_id, "now": NOW},
            )
            yield
            connection.rollback()
    finally:
        engine.dispose()


def count(runtime: Runtime, model: type[Message] | type[TelegramUpdate]) -> int:
    with Session(runtime.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class TestABusyStore:
    def test_is_a_503_with_retry_after_and_the_retry_is_processed_once(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
        database_url: str,
    ) -> None:
        update = updates.text(CHAT, "Hej")
        with held(database_url, update["update_id"]):
            refused = post(client, update)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "5"
        assert count(runtime, TelegramUpdate) == 0, "nothing half-kept"
        assert count(runtime, Message) == 0
        assert telegram_api.sent(CHAT) == [], "no answer to an update not kept"
        # Telegram sends the same update again: processed once.
        assert post(client, update).json() == {"ok": True, "status": "processed"}
        assert post(client, update).json() == {"ok": True, "status": "duplicate"}
        assert count(runtime, TelegramUpdate) == 1
        assert len(telegram_api.sent(CHAT)) == 1

    def test_the_connection_gets_its_usual_wait_back(
        self, client: TestClient, runtime: Runtime, updates: Updates, database_url: str
    ) -> None:
        assert post(client, updates.text(CHAT, "Hej")).status_code == 200
        raw = runtime.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if database_url.startswith("sqlite"):
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone() == (SQLITE_BUSY_TIMEOUT_MS,)
            else:
                cursor.execute("SHOW lock_timeout")
                assert cursor.fetchone() == ("0",), "SET LOCAL ended with its transaction"
        finally:
            raw.close()
