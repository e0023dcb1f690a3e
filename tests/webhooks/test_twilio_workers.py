"""Several API processes: each sends the answers to the SMS it took at once, none waits for a tick.

`recruitbot serve --workers 2 --no-scheduler` as real processes on the Twilio channel, its
Messages API pointed at the fake; no worker runs, so an answer that reaches the fake was sent by
the process that took the webhook. Citizens who write first (unknown numbers) get the short
answer, each once, whichever process took their SMS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from store.db import make_engine
from store.models import Message
from store.types import Direction, MessageStatus
from tests.fakes.twilio_api import TwilioApiFake
from tests.recruitbot.test_worker import free_port
from tests.waiting import wait_healthy, wait_until
from tests.webhooks.twilio_service import PUBLIC, SMS, sms

RECRUITBOT = Path(sys.executable).parent / "recruitbot"
CITIZENS = 12


def _number(n: int) -> str:
    return f"+45208{n:05d}"


def _answers(database_url: str) -> list[Message]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            query = select(Message).where(col(Message.direction) == Direction.OUT)
            return list(session.exec(query))
    finally:
        engine.dispose()


def test_two_api_processes_each_send_their_answers_at_once(
    database_url: str, twilio_api: TwilioApiFake, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RECRUITBOT_DATABASE_URL": database_url,
        "RECRUITBOT_CHANNEL": "twilio",
        "RECRUITBOT_TWILIO_ACCOUNT_SID": twilio_api.account_sid,
        "RECRUITBOT_TWILIO_AUTH_TOKEN": twilio_api.auth_token,
        "RECRUITBOT_TWILIO_FROM": "+4570203040",
        "RECRUITBOT_TWILIO_API_BASE_URL": twilio_api.base_url,
        "RECRUITBOT_TWILIO_MPS": "1000",
        "RECRUITBOT_PUBLIC_BASE_URL": PUBLIC,
        "RECRUITBOT_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [RECRUITBOT, "serve", "--port", str(port), "--workers", "2", "--no-scheduler"],
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        wait_healthy(port, "serve", alive=lambda: server.poll() is None)
        validator = RequestValidator(twilio_api.auth_token)

        def post(n: int) -> int:
            form = sms(n, body="Hej", sender=_number(n))
            signature = validator.compute_signature(f"{PUBLIC}{SMS}", form)
            headers = {"X-Twilio-Signature": signature}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                return client.post(SMS, data=form, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            assert list(pool.map(post, range(1, CITIZENS + 1))) == [200] * CITIZENS

        def all_sent() -> bool:
            answers = _answers(database_url)
            return len(answers) == CITIZENS and all(m.status == MessageStatus.SENT for m in answers)

        wait_until(all_sent, "every answer sent by the process that took its SMS", interval=0.1)
    finally:
        server.terminate()
        assert server.wait(timeout=60) == 0, log.read_text()[-2000:]
    sent_to = sorted(form["To"][0] for form in twilio_api.created())
    assert sent_to == sorted(_number(n) for n in range(1, CITIZENS + 1)), "each answer once"
