"""Rate limits on the admin API: per key, per address without a valid key; webhooks untouched.

Time is the service's injected clock (a `SimulatedClock`): nothing here sleeps. The sustained
test sends at twice the limit for ten simulated minutes in `make test`, an hour in `make soak`,
and counts exactly what the bucket lets through.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr

from api.ratelimit import MAX_BUCKETS, TokenBuckets
from api.routing import API_PREFIX
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from tests.api.support import NOW, bearer, make_key
from tests.reliability import size

PER_KEY = 6
PER_ADDRESS = 3
CAMPAIGNS = "/api/v1/campaigns"


@dataclass
class Api:
    runtime: Runtime
    client: TestClient
    clock: SimulatedClock

    def get(self, key: str | None = None, path: str = CAMPAIGNS) -> Response:
        headers = bearer(key) if key is not None else {}
        response: Response = self.client.get(path, headers=headers)
        return response

    def key(self) -> str:
        return make_key(self.runtime.engine, role=Role.COORDINATOR, municipality="Roskilde")


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    clock = SimulatedClock(NOW)
    settings = Settings(
        database_url=database_url,
        api_rate_per_minute=PER_KEY,
        api_rate_unauthenticated_per_minute=PER_ADDRESS,
        telegram_secret_token=SecretStr("the-right-secret-0123456789"),
    )
    runtime = build_runtime(settings, clock=clock, migrate=False)
    yield Api(runtime, TestClient(create_app(runtime), raise_server_exceptions=False), clock)
    runtime.engine.dispose()


def _refused(response: Response) -> int:
    """Check a 429 in the error tree's shape; return its Retry-After."""
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.json()["error"]["message"]
    return int(response.headers["Retry-After"])


class TestPerKey:
    def test_a_key_over_its_limit_waits_and_others_do_not(self, api: Api) -> None:
        key, other = api.key(), api.key()
        assert [api.get(key).status_code for _ in range(PER_KEY)] == [200] * PER_KEY
        wait = _refused(api.get(key))
        assert wait == 60 // PER_KEY  # one token comes back every ten seconds
        assert api.get(other).status_code == 200
        api.clock.advance(timedelta(seconds=wait - 1))
        _refused(api.get(key))
        api.clock.advance(timedelta(seconds=1))
        assert api.get(key).status_code == 200

    def test_a_full_minute_refills_the_whole_bucket(self, api: Api) -> None:
        key = api.key()
        for _ in range(PER_KEY):
            api.get(key)
        api.clock.advance(timedelta(minutes=5))  # a bucket never holds more than a minute
        codes = [api.get(key).status_code for _ in range(PER_KEY + 1)]
        assert codes == [200] * PER_KEY + [429]

    def test_sustained_at_twice_the_limit_gets_exactly_the_limit(self, api: Api) -> None:
        key = api.key()
        minutes = size(10, 60)
        interval = timedelta(seconds=30 / PER_KEY)  # twice the rate allowed
        sent = minutes * PER_KEY * 2
        codes = []
        for _ in range(sent):
            codes.append(api.get(key).status_code)
            api.clock.advance(interval)
        # A minute's burst at the start, then one token for each 1/PER_KEY of a minute until
        # the last request, (sent - 1) intervals after the first.
        refilled = int(PER_KEY * (sent - 1) * interval.total_seconds() / 60)
        assert set(codes) == {200, 429}
        assert codes.count(200) == PER_KEY + refilled


class TestWithoutAValidKey:
    def test_key_guessing_is_throttled_per_address(self, api: Api) -> None:
        guesses = [api.get(f"rbk_guess{n}").status_code for n in range(size(30, 3000))]
        assert guesses[:PER_ADDRESS] == [401] * PER_ADDRESS
        assert set(guesses[PER_ADDRESS:]) == {429}
        # The address is over its limit, and a valid key from it still gets through at once:
        # one office's bad keys (or a proxy's) never lock out its good ones.
        key = api.key()
        assert [api.get(key).status_code for _ in range(PER_KEY)] == [200] * PER_KEY
        _refused(api.get(key))  # its own bucket, not the address's
        _refused(api.get("rbk_guess-again"))

    def test_no_key_and_a_revoked_key_count_alike(self, api: Api) -> None:
        revoked = make_key(api.runtime.engine, role=Role.COORDINATOR, revoked=True)
        codes = [api.get().status_code, api.get(revoked).status_code, api.get("x").status_code]
        assert codes == [401, 401, 401]
        _refused(api.get())

    def test_a_valid_key_does_not_use_up_the_address(self, api: Api) -> None:
        key = api.key()
        for _ in range(PER_KEY):
            assert api.get(key).status_code == 200
        assert api.get().status_code == 401  # the address's own budget is untouched

    def test_another_address_is_not_affected(self, api: Api) -> None:
        for _ in range(PER_ADDRESS + 1):
            api.get()
        other = TestClient(create_app(api.runtime), client=("192.0.2.7", 50000))
        assert other.get(CAMPAIGNS).status_code == 401


class TestNotLimited:
    def test_webhooks_are_not_rate_limited(self, api: Api) -> None:
        for _ in range(PER_ADDRESS + 1):
            api.get()  # this address is now over its limit on the API
        sms = api.client.post("/webhooks/twilio/sms", data={"Body": "ja"})
        assert sms.status_code == 403
        for _ in range(size(20, 500)):
            telegram = api.client.post(
                "/webhooks/telegram",
                json={"update_id": 1},
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            assert telegram.status_code == 403
        assert api.client.get("/healthz").status_code == 200


class TestDocumented:
    def test_every_api_operation_documents_429_with_retry_after(self, api: Api) -> None:
        paths = api.client.get("/openapi.json").json()["paths"]
        operations = [
            (path, op)
            for path, item in paths.items()
            if path.startswith(API_PREFIX)
            for op in item.values()
        ]
        assert operations
        for path, operation in operations:
            refusal = operation["responses"]["429"]
            assert "Retry-After" in refusal["headers"], path
            schema = refusal["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, path


class TestBuckets:
    def test_concurrent_takes_never_exceed_the_bucket(self) -> None:
        buckets = TokenBuckets(per_minute=30, clock=lambda: 0.0)
        granted: list[bool] = []
        lock = threading.Lock()

        def take() -> None:
            for _ in range(10):
                ok = buckets.take("k") is None
                with lock:
                    granted.append(ok)

        threads = [threading.Thread(target=take) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert granted.count(True) == 30 and len(granted) == 80

    def test_memory_is_bounded_however_many_addresses(self) -> None:
        now = [0.0]
        buckets = TokenBuckets(per_minute=10, clock=lambda: now[0])
        for n in range(size(2 * MAX_BUCKETS, 20 * MAX_BUCKETS)):
            buckets.take(f"198.51.100.{n}")
            now[0] += 0.001
        assert len(buckets._buckets) <= MAX_BUCKETS

    def test_a_clock_set_back_does_not_drain_a_bucket(self) -> None:
        now = [100.0]
        buckets = TokenBuckets(per_minute=2, clock=lambda: now[0])
        assert buckets.take("k") is None
        now[0] = 50.0
        assert buckets.take("k") is None
        assert buckets.take("k") is not None
