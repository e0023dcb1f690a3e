"""What the bench ran on: CPU, cores, memory, Python, PostgreSQL."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from bench.databases import postgres_admin_url
from store.db import make_engine


def machine_info() -> dict[str, object]:
    """Describe this machine, and the PostgreSQL server when one is reachable."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(),
        "platform": platform.platform(),
        # The webhook and reply rows with one API process; the step row runs on the load core.
        "pinning": f"service on core {SERVICE_CORE}, load on core {LOAD_CORE}"
        if can_pin()
        else None,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _postgres_version() -> str | None:
    url = postgres_admin_url()
    if url is None:
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


# On a machine with two cores or more the service gets one core and the bench (the load
# generator, and the fake Twilio it starts) another, so a figure is the service's own and not
# the generator's stalls. PostgreSQL is not pinned: it runs wherever the kernel puts it.
SERVICE_CORE = 0
LOAD_CORE = 1


def can_pin() -> bool:
    """Tell whether processes can be given cores of their own here (Linux, two cores or more)."""
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


def pin(pid: int, core: int) -> None:
    """Keep process `pid` (0: this one) and the threads it starts from now on on one core."""
    if can_pin():
        os.sched_setaffinity(pid, {core})


@contextmanager
def on_core(core: int = LOAD_CORE) -> Iterator[None]:
    """Run the block, and the processes it starts, on one core (the load generator's)."""
    if not can_pin():
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
