"""Row 5: due reminders claimed and sent; peak memory with few or many rows scheduled.

Throughput: the real `Ticker` (release, invitations, `conversation.jobs.process_reminders`,
follow-ups, `send_batch`) on a simulated clock inside the send window, over `size` due invitation
reminders.
Memory: in fresh subprocesses, the same claim-and-send loop handles the same number of reminders
with 10,000 or 1,000,000 scheduled; peak RSS from `resource.getrusage`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from bench.channel import DiscardingChannel
from bench.databases import analyze, bulk_insert, fresh_database
from bench.figures import Figure, Target
from bench.fixtures import (
    NOW,
    add_contacts,
    add_invited_conversations,
    mark_campaign_running,
    small_world,
    table,
)
from conversation.service import Dialogue
from core.calendar import SendWindow
from core.clock import SimulatedClock
from recruitbot.runtime import build_ticker
from store.db import make_engine

REPO = Path(__file__).resolve().parents[1]
MEMORY = Target(
    text="peak RSS within 20 % from 10,000 to 1,000,000 scheduled", bound=1.2, better="lower"
)


def run(
    *, backend: str, size: int, workdir: Path, scheduled: tuple[int, int], handled: int
) -> list[Figure]:
    """Measure throughput over `size` due reminders, then memory at both `scheduled` counts."""
    with fresh_database(backend, workdir=workdir) as url:
        _fixture(url, conversations=size, scheduled=size)
        rate, sent = _throughput(url, size=size)
    peaks = []
    for count in scheduled:
        with fresh_database(backend, workdir=workdir) as url:
            _fixture(url, conversations=handled, scheduled=count)
            peaks.append(_peak_rss(url, limit=handled))
    few, many = scheduled
    return [
        Figure(
            row="reminders",
            backend=backend,
            what=f"{size:,} due reminders claimed and sent (Ticker)",
            figure=rate,
            unit="reminders/s",
            details={"sent": sent},
        ),
        Figure(
            row="reminders",
            backend=backend,
            what=f"peak RSS handling {handled:,}: {many:,} vs {few:,} scheduled",
            figure=peaks[1],
            unit="MiB",
            reference=peaks[0],
            reference_what=f"peak RSS with {few:,} scheduled",
            target=MEMORY,
        ),
    ]


def _fixture(url: str, *, conversations: int, scheduled: int) -> None:
    """`conversations` citizens waiting on their invitation; `scheduled` reminders, all due."""
    engine = make_engine(url)
    world = small_world(engine)
    mark_campaign_running(engine, world=world)
    add_contacts(engine, count=conversations, world=world)
    add_invited_conversations(engine, count=conversations, world=world, channel="console")
    bulk_insert(
        engine,
        table("reminder"),
        _reminders(conversations=conversations, count=scheduled),
        ("kind", "conversation_id", "due_at", "status"),
    )
    analyze(engine)
    engine.dispose()


def _reminders(*, conversations: int, count: int) -> Iterator[tuple[object, ...]]:
    # The first `conversations` fall due first, one per conversation; the rest queue behind.
    first_due = NOW - timedelta(hours=1)
    for i in range(count):
        yield (
            "invitation_reminder",
            i % conversations + 1,
            first_due + timedelta(milliseconds=i),
            "scheduled",
        )


def _throughput(url: str, *, size: int) -> tuple[float, int]:
    engine = make_engine(url)
    ticker = build_ticker(
        engine=engine,
        clock=SimulatedClock(NOW),
        dialogue=Dialogue(window=SendWindow()),
        channels={"console": DiscardingChannel()},
    )
    start = time.perf_counter()
    report = ticker.tick()
    seconds = time.perf_counter() - start
    engine.dispose()
    if report.reminders != size or report.sent != size:
        raise RuntimeError(f"handled {report.reminders} and sent {report.sent} of {size}")
    return size / seconds, report.sent


def _peak_rss(url: str, *, limit: int) -> float:
    result = subprocess.run(
        [sys.executable, "-m", "bench.reminder_rss", url, str(limit)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report["handled"] != limit:
        raise RuntimeError(f"the memory run handled {report['handled']} of {limit}")
    return float(report["peak_rss_mib"])
