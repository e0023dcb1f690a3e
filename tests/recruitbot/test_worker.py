"""`recruitbot worker` and `recruitbot serve --workers N`, as real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from recruitbot.cli.worker import LOCK_HELD_EXIT
from store import outbox
from store.db import make_engine
from store.migrate import upgrade
from store.models import Message
from store.types import MessageStatus, Trigger
from tests.factories import add_contact, make_world
from tests.waiting import wait_healthy, wait_until

RECRUITBOT = Path(sys.executable).parent / "recruitbot"
STARTED = "recruitbot worker: ticking every"
Worker = tuple[subprocess.Popen[bytes], Path]  # the process and its log


def environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RECRUITBOT_DATABASE_URL": f"sqlite:///{database}",
        "RECRUITBOT_TICK_SECONDS": "3600",  # one tick at start, then quiet
        "RECRUITBOT_LOG_LEVEL": "WARNING",
    }


def wait_for(path: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until a process has written `text` to its log file."""
    wait_until(
        lambda: text in path.read_text(),
        f"never said {text!r}",
        alive=lambda: process.poll() is None or text in path.read_text(),
        interval=0.1,
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "worker.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def running_worker(database: Path, tmp_path: Path) -> Iterator[Worker]:
    """A `recruitbot worker` that has taken the sender lock and ticked."""
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [RECRUITBOT, "worker"], env=environment(database), stdout=out, stderr=out
        )
    try:
        wait_for(log, STARTED, process)
        yield process, log
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def queue_reply(database: Path) -> int:
    """Queue an answer to a citizen: due at once and at any hour, so the real clock is fine."""
    engine = make_engine(f"sqlite:///{database}")
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, now=now)
        contact = add_contact(session, world, phone="+4520123456", now=now)
        message_id = outbox.queue(
            session=session,
            channel="console",
            address=contact.phone,
            kind="reply",
            trigger=Trigger.REPLY,
            text="Tak for dit svar.",
            now=now - timedelta(minutes=1),
            contact_id=contact.id,
        )
        session.commit()
    engine.dispose()
    return message_id


def status_of(database: Path, message_id: int) -> str:
    engine = make_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        status = session.get_one(Message, message_id).status
    engine.dispose()
    return status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestWorkerOnce:
    def test_sends_due_work_and_exits(self, database: Path) -> None:
        message_id = queue_reply(database)
        result = subprocess.run(
            [RECRUITBOT, "worker", "--once"],
            env=environment(database),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "sent 1." in result.stdout
        assert status_of(database, message_id) == MessageStatus.SENT


class TestOneSenderOnSqlite:
    def test_second_worker_refuses_to_start(self, database: Path, running_worker: Worker) -> None:
        first, _ = running_worker
        second = subprocess.run(
            [RECRUITBOT, "worker"],
            env=environment(database),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == LOCK_HELD_EXIT == 3
        assert f"(pid {first.pid}) holds the sender lock" in second.stderr
        assert "On SQLite only one sender may run" in second.stderr
        assert first.poll() is None, "the first worker keeps running"

    def test_serve_serves_without_its_scheduler(
        self,
        database: Path,
        tmp_path: Path,
        running_worker: Worker,
    ) -> None:
        port = free_port()
        log = tmp_path / "serve.log"
        env = {**environment(database), "RECRUITBOT_LOG_LEVEL": "INFO"}
        with log.open("wb") as out:
            server = subprocess.Popen(
                [RECRUITBOT, "serve", "--port", str(port)], env=env, stdout=out, stderr=out
            )
        try:
            wait_for(log, "Application startup complete", server)
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            assert "scheduler.not_started" in log.read_text()
            assert "serving without the scheduler" in log.read_text()
        finally:
            server.terminate()
            server.wait(timeout=30)


class TestStopping:
    def test_sigterm_stops_it_and_frees_the_lock(
        self, database: Path, running_worker: Worker
    ) -> None:
        process, log = running_worker
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert "recruitbot worker: stopped." in log.read_text()
        again = subprocess.run(
            [RECRUITBOT, "worker", "--once"],
            env=environment(database),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr


class TestServeWorkers:
    def test_two_api_workers_answer(self, database: Path, tmp_path: Path) -> None:
        port = free_port()
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [RECRUITBOT, "serve", "--port", str(port), "--workers", "2"],
                env=environment(database),
                stdout=out,
                stderr=out,
            )
        try:
            response = wait_healthy(port, "serve", alive=lambda: server.poll() is None)
            assert response.json() == {"status": "ok", "database": "sqlite"}
            assert "no scheduler" in log.read_text()
        finally:
            server.terminate()
            assert server.wait(timeout=60) == 0

    def test_scheduler_inside_several_workers_is_refused(self, database: Path) -> None:
        result = subprocess.run(
            [RECRUITBOT, "serve", "--workers", "2", "--scheduler"],
            env=environment(database),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert "recruitbot worker" in result.stderr
