"""While answers wait for their rate-limit slot, new inbound SMS are still taken at once.

The real app under uvicorn (its synchronous endpoints in the thread pool, as in production), the
Twilio channel on the fake, and its rate limiter held closed by the test: every send after the
first waits for a slot the test gives only at the end. More citizens write than the pool has
threads (anyio's 40); each SMS must be stored and answered 200 while the sends are still held,
and once the slots open every answer goes out, once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from channels.console import ConsoleChannel
from channels.twilio import TwilioChannel
from core.clock import SimulatedClock
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime, twilio_config
from store.models import Message
from store.types import Direction, MessageStatus
from tests.fakes.twilio_api import TwilioApiFake
from tests.reliability.serving import serving
from tests.waiting import HANG_GUARD_SECONDS, wait_until
from tests.webhooks.twilio_service import NOW, PUBLIC, SMS, sms

THREAD_POOL = 40  # anyio's default for a sync endpoint, its dependencies and background tasks
CITIZENS = THREAD_POOL + 5
# A request stuck behind held sends never answers: the guard against a hang, not a timing.
REQUEST_GUARD_SECONDS = HANG_GUARD_SECONDS


@dataclass
class HeldSlots:
    """A rate limiter's sleep that returns only once the test opens the slots."""

    opened: threading.Event = field(default_factory=threading.Event)
    waiting: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waiting += 1
        assert self.opened.wait(HANG_GUARD_SECONDS), "the slots were never opened"
        with self._lock:
            self.waiting -= 1


@pytest.fixture
def held() -> HeldSlots:
    return HeldSlots()


@pytest.fixture
def runtime(database_url: str, twilio_api: TwilioApiFake, held: HeldSlots) -> Iterator[Runtime]:
    settings = Settings(
        database_url=database_url,
        channel="twilio",
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=SecretStr(twilio_api.auth_token),
        twilio_from="+4570203040",
        public_base_url=PUBLIC,
        twilio_api_base_url=twilio_api.base_url,
    )
    # A clock that never moves: the first send takes the free slot, every later one waits.
    twilio = TwilioChannel(twilio_config(settings), clock=lambda: 0.0, sleep=held.sleep)
    runtime = build_runtime(
        settings,
        clock=SimulatedClock(NOW),
        channels={"console": ConsoleChannel(), "twilio": twilio},
    )
    try:
        yield runtime
    finally:
        held.opened.set()  # never leave a sender asleep behind a failed test
        runtime.courier.close(timeout=30)
        runtime.engine.dispose()


def _number(n: int) -> str:
    return f"+45209{n:05d}"


def _post(client: httpx.Client, base: str, token: str, n: int) -> httpx.Response:
    form = sms(n, body="hej", sender=_number(n))
    signature = RequestValidator(token).compute_signature(f"{PUBLIC}{SMS}", form)
    return client.post(f"{base}{SMS}", data=form, headers={"X-Twilio-Signature": signature})


def _messages(runtime: Runtime, direction: Direction) -> list[Message]:
    with Session(runtime.engine) as session:
        query = select(Message).where(col(Message.direction) == direction)
        return list(session.exec(query.order_by(col(Message.id))))


def test_inbound_sms_are_taken_while_the_answers_wait_for_their_slot(
    runtime: Runtime, twilio_api: TwilioApiFake, held: HeldSlots
) -> None:
    with (
        serving(create_app(runtime)) as base,
        httpx.Client(timeout=REQUEST_GUARD_SECONDS) as client,
    ):
        for n in range(1, CITIZENS + 1):
            answer = _post(client, base, twilio_api.auth_token, n)
            assert answer.status_code == 200, f"inbound SMS {n}"
        wait_until(lambda: held.waiting >= 1, "a send waits for its slot")
        # Every SMS is stored, and every answer but the first still waits for its slot.
        inbound = _messages(runtime, Direction.IN)
        assert {m.address for m in inbound} == {_number(n) for n in range(1, CITIZENS + 1)}
        assert not held.opened.is_set()
        assert len(twilio_api.created()) <= 1

        held.opened.set()

        def all_sent() -> bool:
            answers = _messages(runtime, Direction.OUT)
            return len(answers) >= CITIZENS and all(m.status == MessageStatus.SENT for m in answers)

        wait_until(all_sent, "every answer sent")
    answers = _messages(runtime, Direction.OUT)
    assert sorted(m.address for m in answers) == sorted(_number(n) for n in range(1, CITIZENS + 1))
    sent_to = sorted(form["To"][0] for form in twilio_api.created())
    assert sent_to == sorted(m.address for m in answers)  # each answer once, none twice
