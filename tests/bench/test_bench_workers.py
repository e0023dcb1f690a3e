"""`python -m bench --workers N`: the webhook row against several API processes. No timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ADMIN_URL

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(POSTGRES_ADMIN_URL is None, reason="no PostgreSQL reachable")
def test_webhook_row_with_two_api_workers(tmp_path: Path) -> None:
    # On PostgreSQL: two processes writing one SQLite file answer 503 when its write lock is
    # busy past the webhook's 3 s (Twilio's retry brings the message again), which the row
    # counts as failures on a loaded machine.
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "bench", "--quick", "--only", "webhook"]
    result = subprocess.run(
        [*command, "--backend", "postgresql", "--workers", "2", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["failed"] == [] and data["sizes"]["workers"] == 2
    whats = [figure["what"] for figure in data["figures"]]
    assert len(whats) == 2 and all(what.endswith(", 2 API workers") for what in whats)


def test_workers_below_one_are_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--workers", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "--workers must be at least 1" in result.stderr
