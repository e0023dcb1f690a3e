"""An inbound SMS while another process holds the store: 503 at once, then kept on the retry.

On SQLite another connection holds the file's write lock (BEGIN IMMEDIATE); on PostgreSQL
another transaction holds an uncommitted row with the same MessageSid, which the webhook's
insert must wait for. Either way the webhook waits its few seconds, answers 503 with
Retry-After, keeps nothing, and takes the message once when Twilio sends it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text
from sqlmodel import Session, col

from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from store.models import Message
from store.types import Direction
from tests.fakes.twilio_api import TwilioApiFake
from tests.webhooks.twilio_service import NOW, SMS, Service, invite, running_service, sid, sms


@pytest.fixture
def service(database_url: str, twilio_api: TwilioApiFake) -> Iterator[Service]:
    with running_service(database_url, twilio_api) as running:
        invite(running)
        yield running


@contextmanager
def held(database_url: str, provider_id: str) -> Iterator[None]:
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
                    "INSERT INTO message (direction, channel, address, kind, trigger, text, "
                    "status, provider_id, attempts, created_at) VALUES ('in', 'twilio', "
                    "'+4520123456', 'reply', 'reply', 'ja', 'received', :sid, 0, :now)"
                ),
                {"sid": provider_id, "now": NOW},
            )
            yield
            connection.rollback()
    finally:
        engine.dispose()


def _inbound(service: Service) -> list[str | None]:
    with Session(service.runtime.engine) as session:
        query = select(Message.provider_id).where(col(Message.direction) == Direction.IN)
        return list(session.scalars(query))


class TestABusyStore:
    def test_is_a_503_with_retry_after_and_the_retry_is_kept_once(
        self, service: Service, database_url: str
    ) -> None:
        with held(database_url, sid(1)):
            refused = service.post(SMS, sms(1))
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "5"
        assert _inbound(service) == [], "nothing half-kept"
        # Twilio sends the same MessageSid again: kept once, the dialogue runs once.
        assert service.post(SMS, sms(1)).status_code == 200
        assert service.post(SMS, sms(1)).status_code == 200
        assert _inbound(service) == [sid(1)]

    def test_the_connection_gets_its_usual_wait_back(
        self, service: Service, database_url: str
    ) -> None:
        assert service.post(SMS, sms(2)).status_code == 200
        raw = service.runtime.engine.raw_connection()
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
