"""The ticker: APScheduler only calls `tick`; the rows in the database say what is due."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from bot.service import Dialogue
from channels.port import Channel
from outreach import invitations
from outreach.pacing import PacingPolicy, release_waves
from outreach.sending import LEASE, send_batch
from scheduler import jobs
from scheduler.clock import Clock
from store.db import unit_of_work
from store.telegram import prune_updates

log = structlog.get_logger(__name__)
UPDATE_MEMORY = timedelta(days=7)


class DailyJob(Protocol):
    """Housekeeping that runs on the first tick of each day (it keeps track of that itself)."""

    def __call__(self, *, engine: Engine, now: datetime) -> None: ...


@dataclass(frozen=True)
class TickReport:
    invitations: int
    reminders: int
    follow_ups: int
    sent: int
    released: int = 0  # invitations released in today's waves (outreach.pacing)


@dataclass
class Ticker:
    """Runs every kind of due work once per tick, each batch in its own transaction.

    Setting `stopping` ends a tick after the batch in hand: every batch commits on its own, so
    what is left is still due for the next process.
    """

    engine: Engine
    clock: Clock
    dialogue: Dialogue
    channels: Mapping[str, Channel]
    batch: int = 200
    lease: timedelta = LEASE
    pacing: PacingPolicy = field(default_factory=PacingPolicy)
    stopping: threading.Event = field(default_factory=threading.Event)
    daily_jobs: tuple[DailyJob, ...] = ()  # e.g. privacy.retention.RetentionJob

    def tick(self) -> TickReport:
        """Release today's waves, handle everything due now, then deliver the outbox."""
        released = self._release_waves()
        self._housekeeping()
        invited = self._drain(invitations.process_due)
        reminded = self._drain(jobs.process_reminders)
        followed = self._drain(jobs.process_follow_ups)
        sent = 0
        while True:
            report = send_batch(
                engine=self.engine,
                channels=self.channels,
                window=self.dialogue.window,
                now=self.clock.now(),
                limit=self.batch,
                lease=self.lease,
            )
            handled = report.sent + report.errored + report.failed + report.withheld
            sent += report.sent
            if handled < self.batch or self.stopping.is_set():
                break
        return TickReport(invited, reminded, followed, sent, released)

    def _housekeeping(self) -> None:
        # Telegram redelivers an update for a day at most; a week of ids is plenty to dedupe.
        with unit_of_work(self.engine) as session:
            prune_updates(session=session, before=self.clock.now() - UPDATE_MEMORY)
        for job in self.daily_jobs:
            try:
                job(engine=self.engine, now=self.clock.now())
            except Exception:
                # The rest of the tick still runs; tomorrow's first tick runs the job again.
                log.exception("scheduler.daily_job_failed", job=type(job).__name__)

    def _release_waves(self) -> int:
        with unit_of_work(self.engine) as session:
            return release_waves(
                session=session,
                window=self.dialogue.window,
                now=self.clock.now(),
                policy=self.pacing,
            )

    def _drain(self, job: jobs.DueJob) -> int:
        total = 0
        while True:
            with unit_of_work(self.engine) as session:
                handled = job(
                    session=session, dialogue=self.dialogue, now=self.clock.now(), limit=self.batch
                )
            total += handled
            if handled < self.batch or self.stopping.is_set():
                return total


def start_background(
    ticker: Ticker, *, seconds: float, at_once: bool = False
) -> BackgroundScheduler:
    """Tick every `seconds` in a background thread; never two ticks at once.

    With `at_once` the first tick runs now rather than after the first interval.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    # APScheduler reads an explicit next_run_time of None as "paused": pass it only when set.
    first = {"next_run_time": datetime.now(UTC)} if at_once else {}
    scheduler.add_job(
        _safe_tick,
        "interval",
        args=[ticker],
        seconds=seconds,
        max_instances=1,
        coalesce=True,
        id="tick",
        **first,
    )
    scheduler.start()
    return scheduler


def _safe_tick(ticker: Ticker) -> None:
    try:
        report = ticker.tick()
        log.info("scheduler.tick", **report.__dict__)
    except Exception:
        # The next tick retries: the rows are still due.
        log.exception("scheduler.tick_failed")
