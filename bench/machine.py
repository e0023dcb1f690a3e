"""What the bench ran on: CPU, cores, memory, Python, PostgreSQL."""

from __future__ import annotations

import os
import platform
import sqlite3
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
