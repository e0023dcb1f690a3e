"""A process that dies between or inside ticks loses nothing and doubles nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from outreach.campaigns import launch
from store.models import Invitation, Message
from store.types import DueStatus, MessageStatus
from tests.factories import MONDAY, WINDOW, add_contact, make_world

REPO = Path(__file__).resolve().parents[2]

# Runs one tick in a fresh process at a given time; a channel that logs what it was handed.
# With KILL_AT=n the process SIGKILLs itself while handling the n-th due invitation, i.e. in
# the middle of the tick's transaction.
TICK_SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys
    from datetime import datetime
    from channels.port import Receipt
    from recruitbot.runtime import build_runtime
    from core.settings import Settings
    from core.clock import SimulatedClock
    import conversation.invitations as invitations

    url, when, log_path, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    class LoggingChannel:
        name = "console"
        def send(self, message):
            with open(log_path, "a") as log:
                log.write(json.dumps({"id": message.message_id, "pid": os.getpid()}) + "\\n")
                log.flush()
                os.fsync(log.fileno())
            return Receipt(provider_id=f"log-{message.message_id}")

    handled = 0
    original = invitations._send_one
    def dying_send_one(**kwargs):
        global handled
        handled += 1
        if handled == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(**kwargs)
    invitations._send_one = dying_send_one

    runtime = build_runtime(Settings(database_url=url), clock=SimulatedClock(
        datetime.fromisoformat(when)), channels={"console": LoggingChannel()})
    runtime.ticker.tick()
    """
)


def run_tick(url: str, when: datetime, log: Path, *, kill_at: int = 0) -> int:
    """Tick once in a new process; return its exit code."""
    result = subprocess.run(
        [sys.executable, "-c", TICK_SCRIPT, url, when.isoformat(), str(log), str(kill_at)],
        cwd=REPO,
        env={**os.environ, "RECRUITBOT_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, -signal.SIGKILL), result.stderr
    return result.returncode


class TestCrashBetweenTicks:
    def test_nothing_lost_nothing_doubled(
        self, engine: Engine, database_url: str, tmp_path: Path
    ) -> None:
        with Session(engine) as session:
            world = make_world(session)
            for n in range(30):
                add_contact(session, world, phone=f"+45200000{n:02d}")
            launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
            session.commit()
        log = tmp_path / "sent.jsonl"
        # 11:00 — a tick completes, then the process ends (a crash between two ticks).
        assert run_tick(database_url, MONDAY + timedelta(hours=3), log) == 0
        # 14:00 — a new process dies in the middle of handling the due invitations.
        assert (
            run_tick(database_url, MONDAY + timedelta(hours=6), log, kill_at=3) == -signal.SIGKILL
        )
        # 17:59 — another new process picks up whatever is due.
        assert run_tick(database_url, MONDAY + timedelta(hours=9, minutes=59), log) == 0

        handed = [json.loads(line)["id"] for line in log.read_text().splitlines()]
        with Session(engine) as session:
            invitations = session.scalars(select(Invitation)).all()
            messages = session.scalars(
                select(Message).where(col(Message.kind) == "invitation")
            ).all()
        assert len(invitations) == 30
        assert {(i.status, i.skip_reason) for i in invitations} == {(DueStatus.DONE, None)}
        per_contact = Counter(m.contact_id for m in messages)
        assert len(per_contact) == 30 and set(per_contact.values()) == {1}
        assert Counter(handed).most_common(1)[0][1] == 1, "a message was handed over twice"
        assert sorted(handed) == sorted(m.id for m in messages)
        assert {m.status for m in messages} == {MessageStatus.SENT}
        assert len({json.loads(line)["pid"] for line in log.read_text().splitlines()}) == 2
