"""The ticker: APScheduler only calls `tick`; the rows in the database say what is due.

The ticker knows no slice. What a tick runs is declared below it and injected at start by the
composition root (`recruitbot.runtime`): the waves of `outreach.pacing`, the due jobs of
`conversation.jobs` and the sender of `delivery.sender`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlmodel import Session

from core.clock import Clock
from store.db import unit_of_work
from store.telegram import prune_updates

log = structlog.get_logger(__name__)
UPDATE_MEMORY = timedelta(days=7)


class DailyJob(Protocol):
    """Housekeeping that runs on the first tick of each day (it keeps track of that itself)."""

    def __call__(self, *, engine: Engine, now: datetime) -> None: ...


class WaveJob(Protocol):
    """Start what is due to start and decide today's waves; return how many were released."""

    def __call__(self, *, session: Session, now: datetime) -> int: ...


class DueJob(Protocol):
    """Handle up to `limit` due rows in the given session; return how many were handled."""

    def __call__(self, *, session: Session, now: datetime, limit: int) -> int: ...


class Delivered(Protocol):
    """What one batch of the sender did."""

    @property
    def sent(self) -> int: ...

    @property
    def handled(self) -> int: ...


class DeliveryJob(Protocol):
    """Send one batch of the outbox, each message in its own transaction."""

    def __call__(self, *, engine: Engine, now: datetime, limit: int) -> Delivered: ...


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
    release: WaveJob
    invitations: DueJob
    reminders: DueJob
    follow_ups: DueJob
    deliver: DeliveryJob
    batch: int = 200
    stopping: threading.Event = field(default_factory=threading.Event)
    daily_jobs: tuple[DailyJob, ...] = ()  # e.g. privacy.retention.RetentionJob
    more_jobs: tuple[DueJob, ...] = ()  # e.g. inbox.jobs.InboxJob: drained after the follow-ups
    waitlist: DueJob | None = None  # freed times offered to the waitlist (booking.waitlist)

    def tick(self) -> TickReport:
        """Release today's waves, handle everything due now, then deliver the outbox."""
        released = self._release_waves()
        self._housekeeping()
        invited = self._drain(self.invitations)
        reminded = self._drain(self.reminders)
        followed = self._drain(self.follow_ups)
        for job in self.more_jobs:
            self._drain(job)
        if self.waitlist is not None:
            # Once a tick, not drained: an offer made waits for its answer before the next.
            with unit_of_work(self.engine) as session:
                self.waitlist(session=session, now=self.clock.now(), limit=self.batch)
        sent = 0
        while True:
            report = self.deliver(engine=self.engine, now=self.clock.now(), limit=self.batch)
            sent += report.sent
            if report.handled < self.batch or self.stopping.is_set():
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
            return self.release(session=session, now=self.clock.now())

    def _drain(self, job: DueJob) -> int:
        total = 0
        while True:
            with unit_of_work(self.engine) as session:
                handled = job(session=session, now=self.clock.now(), limit=self.batch)
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
