"""A service process on a simulated clock: tick every few minutes, log what reaches the channel.

Run as `python -m tests.reliability.ticking URL FROM UNTIL LOG [--kill-at WHEN]`. It ticks the
real ticker from FROM until UNTIL (every 5 simulated minutes while the send window is open,
every 30 while it is closed) and appends one JSON line per completed tick and per message handed
to the channel. With --kill-at the process SIGKILLs itself in the middle of the first tick at or
after WHEN, while handling a due reminder or follow-up, i.e. inside the tick's transaction: the
outage begins with a crash, not a clean stop.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from channels.port import OutgoingMessage, Receipt
from conversation import jobs
from core.clock import SimulatedClock
from core.settings import Settings
from recruitbot.runtime import build_runtime

OPEN_STEP = timedelta(minutes=5)
CLOSED_STEP = timedelta(minutes=30)


class LoggingChannel:
    """The console channel's place: it writes down each message and the simulated time."""

    name = "console"

    def __init__(self, clock: SimulatedClock, log: Path) -> None:
        self._clock, self._log = clock, log

    def send(self, message: OutgoingMessage) -> Receipt:
        write(self._log, {"id": message.message_id, "at": self._clock.now().isoformat()})
        return Receipt(provider_id=f"log-{message.message_id}")


def write(log: Path, line: dict[str, Any]) -> None:
    """Append a line and make it durable before going on: a SIGKILL may come next."""
    with log.open("a") as out:
        out.write(json.dumps({**line, "pid": os.getpid()}) + "\n")
        out.flush()
        os.fsync(out.fileno())


def die_in_a_tick(clock: SimulatedClock, kill_at: datetime) -> None:
    """Make the due-work jobs SIGKILL this process once the clock reaches `kill_at`."""
    original = jobs._run_event

    def dying(**kwargs: Any) -> Any:
        if clock.now() >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(**kwargs)

    jobs._run_event = dying  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("start", type=datetime.fromisoformat)
    parser.add_argument("until", type=datetime.fromisoformat)
    parser.add_argument("log", type=Path)
    parser.add_argument("--kill-at", type=datetime.fromisoformat, default=None)
    args = parser.parse_args()
    clock = SimulatedClock(args.start)
    runtime = build_runtime(
        Settings(database_url=args.url),
        clock=clock,
        channels={"console": LoggingChannel(clock, args.log)},
    )
    if args.kill_at is not None:
        die_in_a_tick(clock, args.kill_at)
    while clock.now() <= args.until:
        runtime.ticker.tick()
        write(args.log, {"tick": clock.now().isoformat()})
        step = OPEN_STEP if runtime.window.is_open(clock.now()) else CLOSED_STEP
        clock.advance(step)
    if args.kill_at is not None:
        # Nothing was due at the kill time: die all the same, the outage starts now.
        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
