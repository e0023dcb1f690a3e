"""Settling an unknown outcome: what identifies the send, undated resources; a locked record."""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine, event

from store.db import make_engine
from store.models import Message
from store.types import MessageStatus
from tests.channels.test_twilio_sending import NOON, queue_to, send, stored
from tests.fakes.twilio_api import Delay, Drop, TwilioApiFake
from tests.waiting import wait_until


def _accepted_then_dropped(engine: Engine, twilio_api: TwilioApiFake) -> tuple[Message, str]:
    twilio_api.clock = lambda: NOON
    _, message = queue_to(engine)
    twilio_api.then(Drop(accepted=True))
    send(engine, twilio_api)
    assert stored(engine, message).status == MessageStatus.ERRORED
    [sid] = twilio_api.messages
    return message, sid


class TestSettling:
    def test_a_resource_without_date_created_is_found_not_sent_again(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        message, sid = _accepted_then_dropped(engine, twilio_api)
        twilio_api.messages[sid]["date_created"] = None
        send(engine, twilio_api, at=timedelta(minutes=1))
        settled = stored(engine, message)
        assert (settled.status, settled.provider_id) == ("sent", sid)
        assert len(twilio_api.created()) == 1, "never sent a second time"

    def test_the_same_text_from_another_sender_is_not_ours(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        message, sid = _accepted_then_dropped(engine, twilio_api)
        theirs = dict(twilio_api.messages.pop(sid))
        theirs.update(sid="SM" + secrets.token_hex(16), **{"from": "+4511223344"})
        twilio_api.messages[theirs["sid"]] = theirs
        send(engine, twilio_api, at=timedelta(minutes=1))
        resent = stored(engine, message)
        assert resent.status == "sent" and resent.provider_id != theirs["sid"]
        assert len(twilio_api.created()) == 2, "the other sender's message settles nothing"


@pytest.fixture
def impatient(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    """A SQLite store whose connections wait only 100 ms for a lock (production waits 30 s)."""
    path = tmp_path / "locked.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _short_wait(connection: Any, _: object) -> None:
        connection.execute("PRAGMA busy_timeout=100")

    yield engine, path
    engine.dispose()


def _poll(condition: Callable[[], bool], what: str) -> None:
    wait_until(condition, what, interval=0.01)


class TestRecordingUnderALock:
    def test_database_is_locked_is_retried_not_left_to_the_lease(
        self, impatient: tuple[Engine, Path], twilio_api: TwilioApiFake
    ) -> None:
        engine, path = impatient
        twilio_api.clock = lambda: NOON
        _, message = queue_to(engine)
        twilio_api.then(Delay(1.0))  # Twilio takes a second to answer: the lock goes on now
        holder = sqlite3.connect(path, isolation_level=None)
        with structlog.testing.capture_logs() as logs:
            sender = threading.Thread(target=send, args=(engine, twilio_api))
            sender.start()
            _poll(lambda: any(r.method == "POST" for r in twilio_api.requests), "no send")
            holder.execute("BEGIN IMMEDIATE")  # another process writes, and holds on
            _poll(
                lambda: any(e["event"] == "message.record_retry" for e in logs),
                "the recording was not retried",
            )
            holder.execute("COMMIT")
            sender.join(timeout=60)
        holder.close()
        assert not sender.is_alive()
        recorded = stored(engine, message)
        [sid] = twilio_api.messages
        assert (recorded.status, recorded.provider_id, recorded.attempts) == ("sent", sid, 1)
        assert len(twilio_api.created()) == 1
