"""Waiting for something to happen, in a way a busy machine does not fail.

A wait in a test waits for its condition and fails at once when what it waits on has died
(a thread, a process). The only deadline is a guard against a hang, long enough that two
spinning processes on a two-core CI machine never reach it: a slow start is not a failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import uvicorn

HANG_GUARD_SECONDS = 300.0


def wait_until(
    condition: Callable[[], bool],
    what: str,
    *,
    alive: Callable[[], bool] = lambda: True,
    interval: float = 0.02,
    guard: float = HANG_GUARD_SECONDS,
) -> None:
    """Return once `condition()` holds; fail if `alive()` turns false first, or on a hang."""
    deadline = time.monotonic() + guard
    while not condition():
        assert alive(), f"{what}: what it waited on has stopped"
        assert time.monotonic() < deadline, f"{what}: still not after {guard:.0f} s (a hang?)"
        time.sleep(interval)


def wait_started(server: uvicorn.Server, thread: threading.Thread, what: str) -> None:
    """Wait until a uvicorn server in `thread` listens; fail at once if the thread died."""
    wait_until(lambda: server.started, f"{what} did not start", alive=thread.is_alive)


def wait_healthy(port: int, what: str, *, alive: Callable[[], bool]) -> httpx.Response:
    """Poll `/healthz` on a local port until it answers 200; fail at once if the server died."""
    answers: list[httpx.Response] = []

    def answered() -> bool:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        answers.append(response)
        return response.status_code == 200

    wait_until(answered, f"{what} did not come up", alive=alive, interval=0.2)
    return answers[-1]
