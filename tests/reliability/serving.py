"""The real app under uvicorn in a thread, for requests that must truly arrive at the same moment.

TestClient runs one request at a time; here each request has its own connection and the app's
synchronous endpoints run in uvicorn's thread pool, as in production.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from tests.waiting import wait_started

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve the app on a free port of 127.0.0.1 until the block ends; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_started(server, thread, "the app")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def at_once(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """Run `work` on every item, each in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(items))

    def released(item: T) -> R:
        barrier.wait(timeout=30)
        return work(item)

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(released, items))
