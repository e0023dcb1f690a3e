"""Rate limits on the admin API: a token bucket per key, and one per address for the keyless.

Each bucket holds a minute's worth of requests and refills continuously, so a caller may burst
up to the limit and then goes on at the limit's pace. A request with a valid key draws on its
key's bucket only, whatever address it comes from. A request without one (no key, an unknown or
a revoked key) draws on its client address's bucket; once that is empty, such requests from the
address get 429 instead of 401. The key is looked up first (one indexed hash lookup): a key is
256 random bits, so the limit is there to slow floods, not to make guessing any harder.

The client address is the TCP peer's unless `RECRUITBOT_TRUSTED_PROXIES` names the reverse
proxies whose `X-Forwarded-For` uvicorn may believe (off by default: recruitbot.cli.worker).

`SignInThrottle` limits failed console sign-ins per address and per target (the key's prefix).
Webhooks do not pass through here: providers retry, and their requests are checked by
signature instead.

The buckets live in the process. `recruitbot serve` runs one process, so the limits hold as
set; behind several processes or replicas each keeps its own buckets and a caller gets up to N
times the limit (set the limit divided by N). Time comes from the injected clock.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from core.errors import AppError

MAX_BUCKETS = 10_000  # addresses and keys remembered; full (idle) buckets are dropped first


class RateLimitedError(AppError):
    """Too many requests: wait `retry_after` seconds."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One token bucket per caller, `per_minute` deep, refilled at `per_minute` a minute."""

    def __init__(
        self, *, per_minute: int, clock: Callable[[], float], max_buckets: int = MAX_BUCKETS
    ) -> None:
        if per_minute < 1:
            raise ValueError("a rate limit is at least 1 a minute")
        self.capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._max = max_buckets
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, caller: Hashable) -> int | None:
        """Take a token; return None if there was one, else the seconds until there is."""
        with self._lock:
            bucket = self._refilled(caller)
            if bucket.tokens < 1:
                return self._wait(bucket)
            bucket.tokens -= 1
            return None

    def wait(self, caller: Hashable) -> int | None:
        """Return the seconds until the caller has a token, or None if it has one now."""
        with self._lock:
            bucket = self._refilled(caller)
            return self._wait(bucket) if bucket.tokens < 1 else None

    def _wait(self, bucket: _Bucket) -> int:
        return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def _refilled(self, caller: Hashable) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(caller)
        if bucket is None:
            self._make_room(now)
            bucket = self._buckets[caller] = _Bucket(self.capacity, now)
        else:
            self._buckets.move_to_end(caller)
        # max(): a clock set back never drains a bucket.
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self._rate)
        bucket.at = max(bucket.at, now)
        return bucket

    def _make_room(self, now: float) -> None:
        if len(self._buckets) < self._max:
            return
        full = [
            caller
            for caller, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.at) * self._rate >= self.capacity
        ]
        for caller in full:
            del self._buckets[caller]
        while len(self._buckets) >= self._max:
            self._buckets.popitem(last=False)  # the longest unused


@dataclass
class ApiRateLimiter:
    """The admin API's two kinds of bucket: per key, and per address for requests without one."""

    keys: TokenBuckets
    addresses: TokenBuckets

    @classmethod
    def per_minute(
        cls, *, per_key: int, per_address: int, clock: Callable[[], float]
    ) -> ApiRateLimiter:
        return cls(
            keys=TokenBuckets(per_minute=per_key, clock=clock),
            addresses=TokenBuckets(per_minute=per_address, clock=clock),
        )

    def check_address(self, address: str) -> None:
        """Refuse an address that has used up its requests without a valid key."""
        wait = self.addresses.wait(address)
        if wait is not None:
            raise RateLimitedError(
                "too many requests without a valid API key from this address; try again later",
                retry_after=wait,
            )

    def keyless(self, address: str) -> None:
        """Count a request without a valid key against its address."""
        self.addresses.take(address)

    def take_for_key(self, key_id: int) -> None:
        """Count a request against its key; refuse it once the key is over its limit."""
        wait = self.keys.take(key_id)
        if wait is not None:
            per_minute = int(self.keys.capacity)
            raise RateLimitedError(
                f"this API key is over its limit of {per_minute} requests a minute; "
                f"try again in {wait} seconds",
                retry_after=wait,
            )


@dataclass
class SignInThrottle:
    """Failed sign-ins, per client address and per target; both are checked before a try."""

    addresses: TokenBuckets
    targets: TokenBuckets

    @classmethod
    def per_minute(cls, *, failures: int, clock: Callable[[], float]) -> SignInThrottle:
        return cls(
            addresses=TokenBuckets(per_minute=failures, clock=clock),
            targets=TokenBuckets(per_minute=failures, clock=clock),
        )

    def wait(self, *, address: str, target: str) -> int | None:
        """Return the seconds to wait before this address may try this target, or None."""
        waits = [w for w in (self.addresses.wait(address), self.targets.wait(target)) if w]
        return max(waits) if waits else None

    def failed(self, *, address: str, target: str) -> None:
        """Count a failed try against the address and the target."""
        self.addresses.take(address)
        self.targets.take(target)
