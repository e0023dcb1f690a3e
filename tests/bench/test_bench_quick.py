"""`make bench` in --quick mode: every row measured, the JSON complete. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import POSTGRES_ADMIN_URL

REPO = Path(__file__).resolve().parents[2]
ROWS = {"import", "launch", "send", "webhook", "reply", "step", "reminders", "tables"}
FIGURE_KEYS = {
    "row", "backend", "what", "figure", "unit", "reference", "reference_what", "ratio", "target",
    "met", "details",
}  # fmt: skip


def test_quick_bench_writes_every_row(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["quick"] is True and data["failed"] == []
    machine = data["machine"]
    assert {"cpu", "cores", "ram_gib", "python", "postgresql"} <= set(machine)
    backends = {"sqlite", "postgresql"} if POSTGRES_ADMIN_URL else {"sqlite"}
    assert (machine["postgresql"] is not None) == ("postgresql" in backends)
    figures = data["figures"]
    assert {(f["row"], f["backend"]) for f in figures} == {(r, b) for r in ROWS for b in backends}
    for figure in figures:
        assert set(figure) == FIGURE_KEYS
        assert figure["figure"] > 0, figure
        if figure["reference"] is not None:
            assert (
                abs(figure["ratio"] - figure["figure"] / figure["reference"])
                < 1e-3 * figure["ratio"]
            )
        if figure["target"] is not None:
            assert isinstance(figure["met"], bool)
    with_targets = {f["row"] for f in figures if f["target"]}
    assert with_targets == {"import", "launch", "webhook", "reply", "step", "reminders", "tables"}
    assert "recruitbot bench" in result.stdout
