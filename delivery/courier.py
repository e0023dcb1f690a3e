"""The reply courier: a few sender threads per process, woken by the webhooks that commit answers.

An inbound message's answer is committed to the outbox with it; the webhook then only tells the
courier the address. The courier's own threads claim and send what is queued to it (`Replies`:
the same lease, window and opt-out gates as a tick), so waiting for a rate-limit slot never holds
one of the threads that serve requests: a burst of replies waits here, while new inbound webhooks
are still taken at once. What the courier has not sent when the process dies is still in the
outbox, and the next tick sends it (asking the provider first), so each answer goes exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

import structlog

log = structlog.get_logger(__name__)

# Sender threads per process. They share the channel's rate limiter, so more of them do not send
# faster than its MPS; a few keep the provider's round trip from being what paces the sends.
REPLY_WORKERS = 4
# A thread with nothing to send for this long ends; the next address starts one again.
IDLE_SECONDS = 60.0


class ReplyCourier:
    """Send the answers queued to the addresses it is told about, in its own threads.

    One address is sent by one thread at a time, so a citizen's answers keep their order; an
    address told about again while it is being sent is sent once more after (its newest answer
    may have been committed after the claim). A thread starts when more addresses wait than
    threads idle, up to `workers`, and ends after `idle_seconds` with nothing to send.
    """

    def __init__(
        self,
        *,
        send: Callable[..., object],
        workers: int = REPLY_WORKERS,
        idle_seconds: float = IDLE_SECONDS,
        name: str = "reply-courier",
    ) -> None:
        if workers < 1:
            raise ValueError("a courier needs at least one thread")
        self._send = send
        self._workers = workers
        self._idle_seconds = idle_seconds
        self._name = name
        self._ready = threading.Condition()
        self._pending: dict[str, list[Future[None]]] = {}  # in the order they were told
        self._busy: set[str] = set()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for an address
        self._started = 0
        self._closed = False

    def notify(self, *, address: str) -> Future[None]:
        """Have what is queued to `address` sent soon; the future is done once it was tried."""
        done: Future[None] = Future()
        with self._ready:
            if self._closed:  # shutting down: the next tick sends it
                done.set_result(None)
                return done
            self._pending.setdefault(address, []).append(done)
            if len(self._pending) > self._idle and len(self._threads) < self._workers:
                self._start()
            self._ready.notify()
        return done

    @property
    def threads(self) -> int:
        """How many sender threads run now (idle ones included)."""
        with self._ready:
            return len(self._threads)

    @property
    def closed(self) -> bool:
        """True once `close` was called: addresses told from then on wait for the tick."""
        return self._closed

    def close(self, *, timeout: float | None = None) -> None:
        """Send what was told already, then stop the threads; later addresses wait for a tick."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _start(self) -> None:
        self._started += 1
        name = f"{self._name}-{self._started}"
        thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _next(self) -> str | None:
        return next((address for address in self._pending if address not in self._busy), None)

    def _run(self) -> None:
        while True:
            with self._ready:
                address = self._next()
                while address is None and not self._closed:
                    self._idle += 1
                    woken = self._ready.wait(self._idle_seconds)
                    self._idle -= 1
                    address = self._next()
                    if address is None and not woken:
                        break
                if address is None:
                    self._threads.remove(threading.current_thread())
                    return
                waiting = self._pending.pop(address)
                self._busy.add(address)
            try:
                self._send(address=address)
            except Exception:
                # Safe in the outbox: the next tick sends what this could not.
                log.exception("courier.reply_failed")
            finally:
                with self._ready:
                    self._busy.discard(address)
                    self._ready.notify_all()
                for done in waiting:
                    done.set_result(None)
