"""An inbound SMS or a delivery report while another process holds the store: 503 within a few
seconds, then kept on the retry.

On SQLite another connection holds the file's write lock (BEGIN IMMEDIATE); on PostgreSQL
another transaction holds an uncommitted row with the same MessageSid (which the inbound
webhook's insert must wait for), or a lock on the reported message's row (which the delivery
report must wait for). Either way the webhook waits its few seconds, answers 503 with
Retry-After, keeps nothing, and takes the message or report once when Twilio sends it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlmodel import Session, col

from delivery.sender import send_batch
from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from store.models import Message, ProviderCallback
from store.types import Direction, MessageStatus
from tests.fakes.twilio_api import TwilioApiFake
from tests.webhooks.twilio_service import (
    NOW,
    SMS,
    STATUS,
    Service,
    invite,
    outbound,
    running_service,
    sid,
    sms,
)


@pytest.fixture
def service(database_url: str, twilio_api: TwilioApiFake) -> Iterator[Service]:
    with running_service(database_url, twilio_api) as running:
        invite(running)
        yield running


INBOUND_ROW = text(
    "INSERT INTO message (direction, channel, address, kind, trigger, text, "
    "status, provider_id, attempts, created_at) VALUES ('in', 'twilio', "
    "'+4520123456', 'reply', 'reply', 'ja', 'received', :sid, 0, :now)"
)
MESSAGE_ROW = text("SELECT id FROM message WHERE id = :id FOR UPDATE")


@contextmanager
def held(
    database_url: str, provider_id: str = "", *, statement: Any = INBOUND_ROW, **params: object
) -> Iterator[None]:
    """Another process writing, and holding on: on PostgreSQL, the statement's locks."""
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
            values = {"sid": provider_id, "now": NOW} if statement is INBOUND_ROW else params
            connection.execute(statement, values)
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


class TestADeliveryReportOnABusyStore:
    def sent(self, service: Service) -> Message:
        """The invitation, handed to the fake through the real sender."""
        runtime = service.runtime
        send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=NOW,
            limit=10,
        )
        [message] = outbound(service)
        assert message.status == MessageStatus.SENT and message.provider_id
        return message

    def report(self, service: Service, message: Message) -> Any:
        form = {
            "MessageSid": str(message.provider_id),
            "MessageStatus": "delivered",
            "AccountSid": "AC" + "0123456789abcdef" * 2,
            "To": message.address,
            "From": "+4570203040",
        }
        return service.post(STATUS, form, query=f"message_id={message.id}")

    def test_is_a_503_with_retry_after_and_the_retry_is_kept_once(
        self, service: Service, database_url: str
    ) -> None:
        message = self.sent(service)
        with held(database_url, statement=MESSAGE_ROW, id=message.id):
            refused = self.report(service, message)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "5"
        assert service.count(ProviderCallback) == 0, "nothing half-kept"
        [still] = outbound(service)
        assert still.status == MessageStatus.SENT
        # Twilio sends the report again: kept once, applied once.
        assert self.report(service, message).status_code == 204
        assert service.count(ProviderCallback) == 1
        [delivered] = outbound(service)
        assert delivered.status == MessageStatus.DELIVERED
