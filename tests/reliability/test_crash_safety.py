"""Crash safety: a campaign through the fake Twilio while its worker is killed, again and again.

The worker is a real process running the loop of `recruitbot worker` against the local fake of
Twilio's API, on a clock that starts on a Monday morning and runs 20 times faster than the wall,
so leases and back-offs pass in seconds. It is killed at moments of three kinds: at a random
time (often while invitations are being opened), after a random number of messages were
accepted, and *inside* a send — the fake stores the message, then kills the worker before it
answers. Besides, about 1 % of sends are accepted and then have their connection dropped. Each
kill is followed by a restart. At the end every targeted contact has exactly one invitation
accepted by Twilio: outcomes left unknown were settled by asking Twilio, not by sending again.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from outreach.campaigns import launch
from store.models import Invitation, Message
from store.types import DueStatus, MessageStatus
from tests.factories import MONDAY, WINDOW, make_world
from tests.fakes.twilio_api import Reply, TwilioApiFake, running_fake
from tests.reliability import SOAK, size, write_figures
from tests.reliability.members import add_members

REPO = Path(__file__).resolve().parents[2]
START = MONDAY + timedelta(hours=2)  # Monday 10:00 in Copenhagen
SPEED = 20  # simulated seconds per wall-clock second
DROP_RATE = 0.01  # sends accepted by Twilio whose answer is lost

# The loop of `recruitbot worker`, on a clock shared by every worker process and the fake.
WORKER = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, timedelta
    from recruitbot.cli.worker import _tick_until_stopped
    from recruitbot.runtime import build_runtime
    from core.settings import Settings
    from scheduler.lock import acquire_sender_lock

    start, epoch, speed = datetime.fromisoformat(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])

    class FastClock:
        def now(self):
            return start + timedelta(seconds=(time.time() - epoch) * speed)

    settings = Settings()
    lock = acquire_sender_lock(settings.database_url)
    _tick_until_stopped(build_runtime(settings, clock=FastClock(), migrate=False))
    """
)


@dataclass(frozen=True)
class Kill:
    kind: str  # "time": seconds after start; "accepted": after that many sends; "inside": in one
    at: float


def plan(rng: random.Random, *, kills: int, recipients: int) -> list[Kill]:
    """Draw the kills: every kind at least once, then at random, in the order they happen."""
    kinds = ["time", "accepted", "inside"] + [
        rng.choice(["time", "accepted", "inside"]) for _ in range(kills - 3)
    ]
    rng.shuffle(kinds)
    counts = sorted(rng.sample(range(1, recipients), kills))
    return [
        Kill(kind, rng.uniform(1.5, 4.0) if kind == "time" else counts[n])
        for n, kind in enumerate(kinds)
    ]


class Harness:
    """The fake Twilio with its faults, and worker processes on the shared fast clock."""

    def __init__(self, fake: TwilioApiFake, *, database_url: str, rng: random.Random) -> None:
        self.fake, self.database_url, self.rng = fake, database_url, rng
        self.epoch = time.time()
        self.worker: subprocess.Popen[str] | None = None
        self.kill_inside_at: int | None = None
        self.dropped = 0
        self._lock = threading.Lock()
        fake.clock = self.now
        original = fake.handle
        fake.handle = lambda *args: self._handle(original, *args)  # type: ignore[method-assign]

    def now(self) -> datetime:
        return START.astimezone(UTC) + timedelta(seconds=(time.time() - self.epoch) * SPEED)

    def accepted(self) -> int:
        return len(self.fake.messages)

    def start(self) -> subprocess.Popen[str]:
        self.worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, START.isoformat(), str(self.epoch), str(SPEED)],
            cwd=REPO,
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        return self.worker

    def kill(self, kill: Kill) -> None:
        """Run a worker until this kill happens to it, and wait for it to be gone."""
        worker, started = self.start(), time.monotonic()
        if kill.kind == "inside":
            with self._lock:
                self.kill_inside_at = int(kill.at)
        while worker.poll() is None and not self._due(kill, started):
            time.sleep(0.01)
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=60) == -signal.SIGKILL, worker.stderr and worker.stderr.read()

    def finish(self, engine: Engine, *, timeout: float) -> None:
        """Run a last worker until nothing is left to send, then stop it as an operator would."""
        worker = self.start()
        deadline = time.monotonic() + timeout
        while not settled(engine):
            assert worker.poll() is None, worker.stderr and worker.stderr.read()
            assert time.monotonic() < deadline, "the campaign did not finish in time"
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0

    def _due(self, kill: Kill, started: float) -> bool:
        if kill.kind == "time":
            return time.monotonic() - started >= kill.at
        return kill.kind == "accepted" and self.accepted() >= kill.at

    def _handle(
        self, original: Callable[..., Reply], method: str, target: str, *rest: object
    ) -> Reply:
        reply = original(method, target, *rest)
        if method != "POST" or reply.status != 201:
            return reply
        with self._lock:
            inside = self.kill_inside_at is not None and self.accepted() >= self.kill_inside_at
            if inside:
                self.kill_inside_at = None
        if inside and self.worker is not None:
            os.kill(self.worker.pid, signal.SIGKILL)  # Twilio has it; the sender never hears
            return Reply(drop=True)
        if self.rng.random() < DROP_RATE:
            self.dropped += 1
            return Reply(drop=True)
        return reply

    def _env(self) -> Mapping[str, str]:
        return {
            **os.environ,
            "RECRUITBOT_ENVIRONMENT": "test",
            "RECRUITBOT_DATABASE_URL": self.database_url,
            "RECRUITBOT_CHANNEL": "twilio",
            "RECRUITBOT_TWILIO_ACCOUNT_SID": self.fake.account_sid,
            "RECRUITBOT_TWILIO_AUTH_TOKEN": self.fake.auth_token,
            "RECRUITBOT_TWILIO_FROM": "+4570203040",
            "RECRUITBOT_TWILIO_API_BASE_URL": self.fake.base_url,
            "RECRUITBOT_TWILIO_MPS": "100000",
            "RECRUITBOT_TICK_SECONDS": "0.2",
            "RECRUITBOT_SENDER_LEASE_SECONDS": "60",  # 3 s of wall clock at SPEED
            "RECRUITBOT_LOG_LEVEL": "WARNING",
        }


def settled(engine: Engine) -> bool:
    """Tell whether every invitation is handled and no message is waiting to go."""
    with Session(engine) as session:
        open_invitations = session.scalar(
            select(func.count()).where(col(Invitation.status) == DueStatus.SCHEDULED)
        )
        waiting = session.scalar(
            select(func.count()).where(
                col(Message.direction) == "out",
                col(Message.status).in_(
                    [MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.ERRORED]
                ),
            )
        )
    return open_invitations == 0 and waiting == 0


def campaign_of(engine: Engine, *, recipients: int) -> list[str]:
    """Launch a Twilio campaign to `recipients` members, every invitation due at once."""
    with Session(engine) as session:
        world = make_world(session, now=START)
        world.campaign.channel = "twilio"
        world.campaign.paced = False
        phones = add_members(session, world, count=recipients, now=START)
        launch(session=session, campaign=world.campaign, now=START, window=WINDOW)
        session.execute(
            update(Invitation).values(status=DueStatus.SCHEDULED, due_at=START.astimezone(UTC))
        )
        session.commit()
    return phones


@contextmanager
def fake_twilio() -> Iterator[TwilioApiFake]:
    with running_fake() as fake:
        yield fake
    assert not fake.violations, "requests broke Twilio's contract:\n  " + "\n  ".join(
        fake.violations
    )


class TestKilledAgainAndAgain:
    def test_one_accepted_invitation_per_targeted_contact(
        self, engine: Engine, database_url: str
    ) -> None:
        recipients, kills = size(300, 10_000), 5
        phones = campaign_of(engine, recipients=recipients)
        rng = random.Random(7)
        with fake_twilio() as fake:
            harness = Harness(fake, database_url=database_url, rng=rng)
            kill_plan = plan(rng, kills=kills, recipients=recipients)
            for kill in kill_plan:
                harness.kill(kill)
            harness.finish(engine, timeout=size(120, 1800))
            accepted = Counter(form["To"][0] for form in fake.created())
            lookups = sum(1 for r in fake.requests if r.method == "GET")
            sids = {sid: resource["to"] for sid, resource in fake.messages.items()}

        with Session(engine) as session:
            invitations = session.scalars(select(Invitation)).all()
            messages = session.scalars(select(Message).where(col(Message.direction) == "out")).all()
        duplicates = sum(count - 1 for count in accepted.values())
        missing = len(set(phones) - set(accepted))
        assert duplicates == 0 and missing == 0 and set(accepted) == set(phones)
        assert {i.status for i in invitations} == {DueStatus.DONE}
        assert len(messages) == recipients
        assert {m.status for m in messages} == {MessageStatus.SENT}
        # Each row carries the Twilio message that reached its contact, settled ones included.
        assert all(sids[m.provider_id or ""] == m.address for m in messages)
        settled_rows = sum(1 for m in messages if m.attempts > 1)
        assert harness.dropped > 0 or not SOAK  # the short run may draw no drop
        write_figures(
            f"crash_safety-{engine.dialect.name}",
            database=engine.dialect.name,
            recipients=recipients,
            kills=[k.kind for k in kill_plan],
            accepted=sum(accepted.values()),
            duplicates=duplicates,
            missing=missing,
            answers_dropped=harness.dropped,
            retried_rows=settled_rows,
            lookups=lookups,
        )
