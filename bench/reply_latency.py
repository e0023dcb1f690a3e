"""Row 7: reply latency, from the inbound webhook's POST to the answer reaching Twilio.

`recruitbot serve --no-scheduler` on the Twilio channel, default settings, its Messages API
pointed at the spec-checked fake in a process of its own (`bench.twilio_fake --arrivals`, which
notes when each create request came in). Each citizen's invitation waits for an answer; each
posts one signed "Ja tak". No tick runs: an answer that reached the fake was sent by the process
that took the webhook. Measured at a steady pace and in a burst from 32 clients at once; then
the burst again with the sender allowed 100 messages a second (`FAST_MPS`), because at the
default 10 a second no sender can hand 300 answers over in less than 30 s (`rate_floor_ms`).
With one API process the server has a core to itself and the clients and the fake the other.

Reference, in the same run: the bare endpoint's round trip plus one create request straight to
the fake, which is what an answer costs without a dialogue, a database or a sender.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.databases import fresh_database
from bench.figures import Figure, Target
from bench.fixtures import phone
from bench.machine import on_core
from bench.webhook import (
    PATH,
    REPO,
    Signed,
    _env,
    _fixture,
    _recruitbot_command,
    post_signed,
    processes,
    service_core,
    serving,
)
from bench.webhook import signed_replies as _signed_replies
from core.settings import Settings
from store.db import make_engine
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN

PACE = 5.0  # replies a second in the steady run: a busy afternoon, not a flood
BURST_CLIENTS = 32
P95 = Target(text="p95 ≤ 1 s", bound=1000.0, on="figure", better="lower")
SETTLE_SECONDS = 60.0  # how long to wait for the last answers to reach the fake
# The burst again from a sender allowed this many messages a second (a Twilio short code or a
# messaging service with several numbers), so the dialogue, not the rate, is what is measured.
FAST_MPS = 100


@dataclass(frozen=True)
class Latencies:
    """Milliseconds from each POST's start to its answer's arrival at the fake."""

    values: list[float]
    missing: int

    def percentile(self, share: float) -> float:
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(*, backend: str, size: int, workdir: Path, workers: int = 1) -> list[Figure]:
    """Post `size` replies at a steady pace, then `size` in a burst; the reference likewise.

    With `workers` > 1 the service runs that many API processes; each sends the answers to the
    webhooks it took, claimed from the shared outbox as a tick claims them.
    """
    replies = signed_replies(3 * size)
    steady, burst, fast = replies[:size], replies[size : 2 * size], replies[2 * size :]
    core = service_core(workers)
    with (
        on_core(),
        fresh_database(backend, workdir=workdir) as url,
        arrivals_at_fake() as (base, seen),
    ):
        _fixture(url, count=3 * size)
        env = {**_env(url), **_twilio_env(base)}
        with serving(_recruitbot_command(workers), env=env, core=core) as app:
            posted_steady = asyncio.run(_post(app, steady, clients=1, pace=PACE))
            posted_burst = asyncio.run(_post(app, burst, clients=BURST_CLIENTS, pace=None))
            _wait_until_sent(url, expected=2 * size)
        # The same burst from a sender allowed more: a messaging service or a short code.
        env["RECRUITBOT_TWILIO_MPS"] = str(FAST_MPS)
        with serving(_recruitbot_command(workers), env=env, core=core) as app:
            posted_fast = asyncio.run(_post(app, fast, clients=BURST_CLIENTS, pace=None))
            _wait_until_sent(url, expected=3 * size)
    arrived = _arrivals(seen)
    with on_core():
        reference = _reference(size=min(size, 200), core=core)
    figures = []
    default_mps = Settings.model_fields["twilio_mps"].default
    runs = (
        ("steady", posted_steady, default_mps),
        ("burst", posted_burst, default_mps),
        ("burst", posted_fast, FAST_MPS),
    )
    for name, posted, mps in runs:
        latencies = _latencies(posted, arrived)
        if latencies.missing:
            raise RuntimeError(f"{latencies.missing} answers never reached the fake ({name})")
        what = (
            f"reply latency at {PACE:g} replies/s ({size:,} replies)"
            if name == "steady"
            else f"reply latency, burst of {BURST_CLIENTS} clients ({size:,} replies), "
            f"{mps:g} msg/s allowed"
        ) + processes(workers)
        # No sender can beat its rate: the 95th answer in a hundred leaves after this at best.
        floor = 1000 * 0.95 * size / (mps * workers) if name == "burst" else 0.0
        figures.append(
            Figure(
                row="reply",
                backend=backend,
                what=what + ": p95, webhook POST → Twilio's create request",
                figure=latencies.percentile(0.95),
                unit="ms",
                reference=reference.percentile(0.95),
                reference_what="bare endpoint round trip + one create request to the fake, p95",
                target=P95,
                details={
                    "p50_ms": round(latencies.percentile(0.5), 1),
                    "p99_ms": round(latencies.percentile(0.99), 1),
                    "reference_p50_ms": round(reference.percentile(0.5), 1),
                    "mps": mps,
                    "rate_floor_ms": round(floor, 1),
                },
            )
        )
    return figures


def signed_replies(count: int) -> list[tuple[str, Signed]]:
    """Each citizen's phone number with their signed "Ja tak"."""
    replies = _signed_replies(count)
    return [(phone(i + 1), reply) for i, reply in enumerate(replies)]


@contextmanager
def arrivals_at_fake() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """Run the fake in its own process; after the block its report is in the list."""
    command = [sys.executable, "-m", "bench.twilio_fake", "--arrivals"]
    process = subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdin is not None
    base_url = process.stdout.readline().strip()
    reports: list[dict[str, object]] = []
    try:
        yield base_url, reports
    finally:
        process.stdin.close()
        reports.append(json.loads(process.stdout.readline()))
        process.wait(timeout=30)


def _twilio_env(base: str) -> dict[str, str]:
    return {
        "RECRUITBOT_CHANNEL": "twilio",
        "RECRUITBOT_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RECRUITBOT_TWILIO_FROM": "+4552000000",
        "RECRUITBOT_TWILIO_API_BASE_URL": base,
    }


async def _post(
    base: str, replies: list[tuple[str, Signed]], *, clients: int, pace: float | None
) -> dict[str, float]:
    """Post every reply; return when each POST started (wall clock), by the citizen's number."""
    started: dict[str, float] = {}
    queue = iter(enumerate(replies))
    begin = time.perf_counter()

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for index, (number, signed) in queue:
                if pace and (wait := begin + index / pace - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                started[number] = time.time()
                response = await post_signed(http, signed)
                if response.status_code != 200:
                    raise RuntimeError(f"the webhook answered {response.status_code}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return started


def _wait_until_sent(url: str, *, expected: int) -> None:
    """Wait until the app has recorded every answer as sent (each goes after its response)."""
    engine = make_engine(url)
    query = text("SELECT count(*) FROM message WHERE direction = 'out' AND provider_id IS NOT NULL")
    deadline = time.monotonic() + SETTLE_SECONDS
    try:
        while True:
            with engine.connect() as connection:
                if int(connection.execute(query).scalar_one()) >= expected:
                    return
            if time.monotonic() > deadline:
                return  # the missing ones are reported as missing
            time.sleep(0.1)
    finally:
        engine.dispose()


def _arrivals(seen: list[dict[str, object]]) -> dict[str, float]:
    (report,) = seen
    arrivals = report.get("arrivals")
    assert isinstance(arrivals, list)
    first: dict[str, float] = {}
    for number, at in arrivals:
        first.setdefault(str(number), float(at))
    return first


def _latencies(posted: dict[str, float], arrived: dict[str, float]) -> Latencies:
    values = [1000 * (arrived[n] - t) for n, t in posted.items() if n in arrived]
    return Latencies(values, missing=len(posted) - len(values))


def _reference(*, size: int, core: int | None) -> Latencies:
    """The bare endpoint's round trip plus one create request straight to the fake."""
    values: list[float] = []
    with (
        serving([sys.executable, "-m", "bench.bare_app"], env=_bare_env(), core=core) as bare,
        arrivals_at_fake() as (fake, _),
        httpx.Client(base_url=bare, timeout=30) as app,
        httpx.Client(base_url=fake, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=30) as twilio,
    ):
        for i in range(size):
            start = time.perf_counter()
            app.post(PATH, content=b"Body=Ja", headers={"Content-Type": "text/plain"})
            twilio.post(
                f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                data={"To": f"+4520{i:06d}", "From": "+4552000000", "Body": "Tak for dit svar"},
            )
            values.append(1000 * (time.perf_counter() - start))
            time.sleep(1 / PACE)
    return Latencies(values, missing=0)


def _bare_env() -> dict[str, str]:
    return dict(os.environ)
