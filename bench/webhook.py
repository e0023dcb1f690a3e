"""Row 4: inbound replies through /webhooks/twilio/sms, signed, one dialogue step, committed.

`recruitbot serve --no-scheduler` in a subprocess; 32 concurrent httpx clients post replies
signed with the SDK's RequestValidator, each from a citizen whose invitation is waiting for an
answer. Reference: a bare FastAPI endpoint on the same uvicorn settings. Then an open-loop run
at 100 requests per second for the latency target.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bench.databases import analyze, fresh_database
from bench.figures import Figure, Target
from bench.fixtures import (
    add_contacts,
    add_invited_conversations,
    mark_campaign_running,
    phone,
    small_world,
)
from bench.machine import SERVICE_CORE, can_pin, on_core, pin
from store.db import make_engine
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN

PATH = "/webhooks/twilio/sms"
PUBLIC_BASE_URL = "https://recruitbot.bench.invalid"
CLIENTS = 32
RATE = 100.0  # requests per second for the latency run
WARM_UP = 20
STARTUP_SECONDS = 240  # how long a server may take to answer, or to stop
REPO = Path(__file__).resolve().parents[1]
THROUGHPUT = Target(text="≥ 30 % of the bare endpoint", bound=0.3)
P99 = Target(text="p99 < 50 ms at 100 req/s", bound=50.0, on="figure", better="lower")


@dataclass(frozen=True)
class Signed:
    body: bytes
    signature: str


@dataclass(frozen=True)
class Load:
    """What one load run saw."""

    requests: int
    seconds: float
    latencies_ms: list[float]
    failures: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(*, backend: str, size: int, workdir: Path, workers: int = 1) -> list[Figure]:
    """Post `size` replies at full speed, then some at 100/s; the bare endpoint likewise.

    With `workers` > 1 the service runs that many API processes, and so does the bare endpoint.
    With one, the server has a core of its own and the clients the other (`bench.machine`).
    """
    rate_requests = min(size, 1000)
    total = WARM_UP + size + rate_requests
    requests = signed_replies(total)
    core = service_core(workers)
    with fresh_database(backend, workdir=workdir) as url:
        _fixture(url, count=total)
        with on_core(), serving(_recruitbot_command(workers), env=_env(url), core=core) as base:
            real = _runs(base, requests, size=size)
        handled = _handled(url)
    with on_core(), serving(bare_command(workers), env=dict(os.environ), core=core) as base:
        bare = _runs(base, requests, size=size)
    full, paced = real
    bare_full, bare_paced = bare
    if full.failures or paced.failures or handled != total:
        raise RuntimeError(f"{full.failures + paced.failures} failed; {handled} of {total} stored")
    return [
        Figure(
            row="webhook",
            backend=backend,
            what=f"inbound replies, {CLIENTS} concurrent clients ({size:,} requests)"
            + processes(workers),
            figure=full.rate,
            unit="req/s",
            reference=bare_full.rate,
            reference_what="bare FastAPI endpoint, same uvicorn settings",
            target=THROUGHPUT,
            details={
                "p50_ms": full.percentile(0.5),
                "p99_ms": full.percentile(0.99),
                "bare_p50_ms": bare_full.percentile(0.5),
                "bare_p99_ms": bare_full.percentile(0.99),
            },
        ),
        Figure(
            row="webhook",
            backend=backend,
            what=f"inbound replies at {RATE:g} req/s: p99 ({paced.requests:,} requests)"
            + processes(workers),
            figure=paced.percentile(0.99),
            unit="ms",
            reference=bare_paced.percentile(0.99),
            reference_what="bare endpoint's p99 at the same rate",
            target=P99,
            details={"p50_ms": paced.percentile(0.5), "achieved_req_per_s": paced.rate},
        ),
    ]


def signed_replies(count: int) -> list[Signed]:
    """One "ja" per citizen, signed as Twilio signs: URL plus sorted form fields."""
    validator = RequestValidator(AUTH_TOKEN)
    replies = []
    for i in range(1, count + 1):
        form = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": ACCOUNT_SID,
            "From": phone(i),
            "To": "+4552000000",
            "Body": "Ja tak",
            "NumMedia": "0",
        }
        signature = validator.compute_signature(PUBLIC_BASE_URL + PATH, form)
        replies.append(Signed(urlencode(form).encode(), signature))
    return replies


def _fixture(url: str, *, count: int) -> None:
    engine = make_engine(url)
    world = small_world(engine, channel="twilio")
    mark_campaign_running(engine, world=world)
    add_contacts(engine, count=count, world=world)
    add_invited_conversations(engine, count=count, world=world, channel="twilio")
    analyze(engine)
    engine.dispose()


def _handled(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text(
                "SELECT count(*) FROM message "
                "WHERE direction = 'in' AND conversation_id IS NOT NULL"
            )
        ).scalar_one()
    engine.dispose()
    return int(count)


def _recruitbot_command(workers: int = 1) -> list[str]:
    command = [str(Path(sys.executable).parent / "recruitbot"), "serve", "--no-scheduler"]
    return [*command, "--workers", str(workers)] if workers > 1 else command


def bare_command(workers: int = 1) -> list[str]:
    """The bare endpoint, with as many worker processes as the service gets."""
    return [sys.executable, "-m", "bench.bare_app", "--workers", str(workers)]


def processes(workers: int) -> str:
    """What a figure's label adds when the service ran several API processes."""
    return f", {workers} API workers" if workers > 1 else ""


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "RECRUITBOT_DATABASE_URL": url,
        "RECRUITBOT_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RECRUITBOT_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_core(workers: int) -> int | None:
    """The core one API process gets to itself; several share the machine with the clients."""
    return SERVICE_CORE if workers == 1 and can_pin() else None


@contextmanager
def serving(
    command: Sequence[str], *, env: dict[str, str], core: int | None = None
) -> Iterator[str]:
    """Start a server on a free port (on `core` alone, if given); yield its base URL once it
    answers."""
    port = _free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if core is not None:
        pin(process.pid, core)  # before it starts a thread: every thread inherits it
    base = f"http://127.0.0.1:{port}"
    try:
        # Several API workers each import the whole app first: minutes on a loaded machine.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not come up") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=STARTUP_SECONDS)


def _runs(base: str, requests: list[Signed], *, size: int) -> tuple[Load, Load]:
    """Warm up, then the full-speed run, then the paced run, each on its own citizens."""
    warm, full, paced = (
        requests[:WARM_UP],
        requests[WARM_UP : WARM_UP + size],
        requests[WARM_UP + size :],
    )
    asyncio.run(_load(base, warm, rate=None))
    return asyncio.run(_load(base, full, rate=None)), asyncio.run(_load(base, paced, rate=RATE))


async def post_signed(http: httpx.AsyncClient, signed: Signed) -> httpx.Response:
    """POST one signed reply to the SMS webhook, as Twilio would."""
    return await http.post(
        PATH,
        content=signed.body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signed.signature,
        },
    )


async def _load(base: str, requests: list[Signed], *, rate: float | None) -> Load:
    """Post every request from CLIENTS clients; with `rate`, each at its scheduled time.

    The clients are built before the clock starts: each builds its TLS context (~20 ms of CPU),
    and 32 of them inside the timed run would count 0.7 s of the generator's own start-up as the
    first requests' wait, the bare endpoint's as much as the service's.
    """
    latencies: list[float] = []
    failures = 0
    queue = iter(enumerate(requests))

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal failures
        for index, signed in queue:
            due = start + index / rate if rate else time.perf_counter()
            if rate and (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            response = await post_signed(http, signed)
            # Paced: measured from the time it was due, so a backlog counts as waiting.
            latencies.append(1000 * (time.perf_counter() - due))
            failures += response.status_code != 200

    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=30))
            for _ in range(CLIENTS)
        ]
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for http in clients))
        seconds = time.perf_counter() - start
    return Load(len(requests), seconds, latencies, failures)
