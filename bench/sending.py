"""Row 3: send queued messages through the real Twilio SDK to the local fake.

`delivery.sender.send_batch` with `channels.twilio.TwilioChannel` (MPS set high), the fake in
its own process. Reference: the same requests from a bare `httpx.Client`. The fake is run a
second time without its contract check, to show whether that check dominates.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.databases import bulk_insert, fresh_database
from bench.figures import Figure
from bench.fixtures import REMINDER_TEXT, phone, table
from channels.twilio import TwilioChannel, TwilioConfig
from core.calendar import SendWindow
from delivery.sender import send_batch
from store.db import make_engine
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN

FROM = "+4552000000"
BATCH = 200
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Served:
    """What the fake says it served, in its own words."""

    requests: int
    violations: list[str]
    cpu_seconds: float


@contextmanager
def running_fake(*, contract: bool = True) -> Iterator[tuple[str, list[Served]]]:
    """Start the fake in a subprocess; after the block, its report is in the list."""
    command = [sys.executable, "-m", "bench.twilio_fake", *([] if contract else ["--no-contract"])]
    process = subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdin is not None
    base_url = process.stdout.readline().strip()
    served: list[Served] = []
    try:
        yield base_url, served
    finally:
        process.stdin.close()
        report = json.loads(process.stdout.readline())
        process.wait(timeout=30)
        served.append(Served(report["requests"], report["violations"], report["cpu_seconds"]))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(*, backend: str, size: int, workdir: Path) -> list[Figure]:
    """Send `size` queued messages; the bare client sends as many (at most 20,000)."""
    with fresh_database(backend, workdir=workdir) as url, running_fake() as (base, served):
        rate, cpu, sent = _send(url, base_url=base, size=size)
    fake = served[0]
    if fake.violations:
        raise RuntimeError(f"the sender broke Twilio's contract: {fake.violations}")
    bare = min(size, 20_000)
    with running_fake() as (base, served_bare):
        bare_rate, bare_cpu = _bare(base, size=bare)
    with running_fake(contract=False) as (base, served_plain):
        plain_rate, _ = _bare(base, size=bare)
    per_request = 1000 * fake.cpu_seconds / max(1, fake.requests)
    details: dict[str, float | int | str] = {
        "sent": sent,
        "bare_requests": bare,
        "fake_cpu_ms_per_request": per_request,
        "fake_cpu_ms_per_request_bare": 1000 * served_bare[0].cpu_seconds / bare,
        "fake_cpu_ms_per_request_no_contract": 1000 * served_plain[0].cpu_seconds / bare,
        "bare_msg_per_s_no_contract": plain_rate,
    }
    return [
        Figure(
            row="send",
            backend=backend,
            what=f"send {size:,} queued messages: Twilio SDK → local fake",
            figure=rate,
            unit="msg/s",
            reference=bare_rate,
            reference_what="the fake driven by a bare httpx client",
            details=details,
        ),
        Figure(
            row="send",
            backend=backend,
            what="sender CPU per 1,000 messages",
            figure=cpu,
            unit="CPU s",
            reference=bare_cpu,
            reference_what="bare httpx client's CPU per 1,000",
        ),
    ]


def _queue(url: str, *, size: int, now: datetime) -> None:
    engine = make_engine(url)
    columns = (
        "direction", "channel", "address", "kind", "trigger", "text", "status", "attempts",
        "created_at", "next_attempt_at",
    )  # fmt: skip
    rows = (
        ("out", "twilio", phone(i), "reply", "reply", REMINDER_TEXT, "queued", 0, now, now)
        for i in range(1, size + 1)
    )
    bulk_insert(engine, table("message"), rows, columns)
    engine.dispose()


def _send(url: str, *, base_url: str, size: int) -> tuple[float, float, int]:
    now = datetime.now(UTC) - timedelta(seconds=1)
    _queue(url, size=size, now=now)
    engine = make_engine(url)
    config = TwilioConfig(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_=FROM, api_base_url=base_url, mps=1e6
    )
    channels = {"twilio": TwilioChannel(config)}
    window = SendWindow()
    sent = 0
    cpu, start = cpu_seconds(), time.perf_counter()
    while True:
        report = send_batch(
            engine=engine, channels=channels, window=window, now=datetime.now(UTC), limit=BATCH
        )
        sent += report.sent
        if report.sent + report.errored + report.failed < BATCH:
            break
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    engine.dispose()
    if sent != size:
        raise RuntimeError(f"sent {sent} of {size}")
    return sent / seconds, 1000 * cpu / sent, sent


def _bare(base_url: str, *, size: int) -> tuple[float, float]:
    """POST the same form as the SDK does, one request at a time, on one keep-alive client."""
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    with httpx.Client(base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as client:
        cpu, start = cpu_seconds(), time.perf_counter()
        for i in range(1, size + 1):
            form = {"To": phone(i), "From": FROM, "Body": REMINDER_TEXT, "ValidityPeriod": "14400"}
            response = client.post(path, data=form)
            if response.status_code != 201:
                raise RuntimeError(f"the fake answered {response.status_code}: {response.text}")
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return size / seconds, 1000 * cpu / size
