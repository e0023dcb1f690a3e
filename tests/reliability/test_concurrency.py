"""Concurrency on PostgreSQL: two API processes and two workers on one database.

Real processes, started as an operator would: `recruitbot serve --no-scheduler` twice, on two
ports behind one public address, and `recruitbot worker` twice, both sending through the local
fake of Twilio. Meanwhile a queue of messages drains, and citizens answer their invitations by
signed SMS to either API process at once and take free slots, most of them racing for the same
few times. Nothing is sent twice (every message's status callback id reaches Twilio once), no
slot is booked twice, every citizen ends with exactly one booking. On SQLite a second sender
refuses to start instead (tests/recruitbot/test_worker.py), so this runs on PostgreSQL only.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlmodel import Session, col
from twilio.request_validator import RequestValidator

from bot.types import ConversationState, Step
from conversation.service import start
from store.db import make_engine
from store.models import Booking, Campaign, Contact, Conversation, Message, Slot
from store.types import BookingStatus, Direction, MessageStatus, Trigger
from tests import conftest
from tests.factories import DIALOGUE, WINDOW, make_world
from tests.fakes.twilio_api import TwilioApiFake, running_fake
from tests.reliability import size, write_figures
from tests.reliability.members import add_members
from tests.waiting import wait_healthy

RECRUITBOT = Path(sys.executable).parent / "recruitbot"
PUBLIC = "https://recruit.example"
CLIENTS = 32
STAFF = 5


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The session's PostgreSQL database, emptied; skipped where none is reachable."""
    if conftest.POSTGRES_ADMIN_URL is None:
        pytest.skip("no PostgreSQL reachable on this machine")
    url: str = request.getfixturevalue("postgres_url")
    conftest.truncate_all(url)
    engine = make_engine(url, pool_size=CLIENTS + 4)
    yield engine
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def future_slots(session: Session, *, location_id: int, staff_ids: list[int], count: int) -> None:
    """Add `count` 45-minute slots on working days from the third day after today."""
    first = datetime.now(UTC).astimezone(WINDOW.tz).date() + timedelta(days=3)
    rows: list[dict[str, object]] = []
    for day in WINDOW.working_days(first):
        for hour in range(9, 15):
            for staff_id in staff_ids:
                starts = datetime(day.year, day.month, day.day, hour, tzinfo=WINDOW.tz)
                rows.append(
                    {
                        "location_id": location_id,
                        "staff_member_id": staff_id,
                        "starts_at": starts.astimezone(UTC),
                        "duration_min": 45,
                    }
                )
                if len(rows) == count:
                    session.execute(insert(Slot), rows)
                    return


def world_of(engine: Engine, *, citizens: int, queued: int) -> tuple[list[str], int]:
    """Citizens invited (the invitations already sent), slots for each, and a full outbox.

    Returns the citizens' phones and the id of the first message the workers are to send.
    """
    now = datetime.now(UTC)
    with Session(engine) as session:
        world = make_world(session, now=now, slot_days=0)
        world.campaign.channel = "twilio"
        world.campaign.status = "running"
        session.execute(delete(Slot))  # the world's own slots: this test makes its own
        staff_ids = [world.staff.id or 0] + [
            _staff(session, world.municipality.id or 0, n) for n in range(1, STAFF)
        ]
        future_slots(
            session, location_id=world.location.id or 0, staff_ids=staff_ids, count=citizens
        )
        phones = add_members(session, world, count=citizens + queued, now=now)
        campaign = session.get_one(Campaign, world.campaign.id)
        contacts = session.scalars(
            select(Contact).where(col(Contact.phone).in_(phones[:citizens]))
        ).all()
        for contact in contacts:
            start(session=session, dialogue=DIALOGUE, contact=contact, campaign=campaign, now=now)
        session.execute(  # sent before the test begins: not the workers' to send
            update(Message).values(status=MessageStatus.SENT, sent_at=now)
        )
        first = (session.scalar(select(func.max(Message.id))) or 0) + 1
        session.execute(insert(Message), _queued(phones[citizens:], now=now))
        session.commit()
    return phones[:citizens], first


def _staff(session: Session, municipality_id: int, n: int) -> int:
    from store.models import StaffMember

    staff = StaffMember(municipality_id=municipality_id, name=f"Sundhedskonsulent {n}")
    session.add(staff)
    session.flush()
    assert staff.id is not None
    return staff.id


def _queued(phones: list[str], *, now: datetime) -> list[dict[str, object]]:
    """Messages waiting in the outbox, due at once and at any hour (answers, not campaigns)."""
    return [
        {
            "direction": Direction.OUT.value,
            "channel": "twilio",
            "address": phone,
            "kind": "reply",
            "trigger": Trigger.REPLY.value,
            "text": f"Tak for din besked. Vi vender tilbage. ({n})",
            "status": MessageStatus.QUEUED.value,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for n, phone in enumerate(phones)
    ]


class Service:
    """Two API processes and two workers on one database, all sending to the fake Twilio."""

    def __init__(self, *, database_url: str, fake: TwilioApiFake, logs: Path) -> None:
        self.env = _environment(database_url, fake)
        self.logs = logs
        self.ports = [free_port(), free_port()]
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Service:
        for port in self.ports:
            self._start("serve", "--no-scheduler", "--port", str(port))
        for _ in range(2):
            self._start("worker")
        for port in self.ports:
            self._wait_healthy(port)
        return self

    def __exit__(self, *_: object) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=60) for process in self.processes]
        # uvicorn shuts down gracefully, then re-raises SIGTERM to exit as the signal says.
        assert codes == [-signal.SIGTERM, -signal.SIGTERM, 0, 0], self.log_text()
        assert self.log_text().count("Finished server process") == 2, self.log_text()

    def log_text(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.logs.glob("*.log")))

    def _start(self, *args: str) -> None:
        log = self.logs / f"{len(self.processes)}-{args[0]}.log"
        with log.open("wb") as out:
            self.processes.append(
                subprocess.Popen([RECRUITBOT, *args], env=self.env, stdout=out, stderr=out)
            )

    def _wait_healthy(self, port: int) -> None:
        try:
            wait_healthy(port, "serve", alive=lambda: all(p.poll() is None for p in self.processes))
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_text()}") from None


def _environment(database_url: str, fake: TwilioApiFake) -> Mapping[str, str]:
    return {
        **os.environ,
        "RECRUITBOT_ENVIRONMENT": "test",
        "RECRUITBOT_DATABASE_URL": database_url,
        "RECRUITBOT_CHANNEL": "twilio",
        "RECRUITBOT_TWILIO_ACCOUNT_SID": fake.account_sid,
        "RECRUITBOT_TWILIO_AUTH_TOKEN": fake.auth_token,
        "RECRUITBOT_TWILIO_FROM": "+4570203040",
        "RECRUITBOT_TWILIO_API_BASE_URL": fake.base_url,
        "RECRUITBOT_TWILIO_MPS": "100000",
        "RECRUITBOT_PUBLIC_BASE_URL": PUBLIC,
        "RECRUITBOT_TICK_SECONDS": "0.2",
        "RECRUITBOT_LOG_LEVEL": "WARNING",
    }


class Citizen:
    """Answers by signed SMS to either API process until booked, as a person on a phone would."""

    def __init__(self, service: Service, engine: Engine, token: str, seed: int) -> None:
        self.service, self.engine = service, engine
        self.validator = RequestValidator(token)
        self.rng = random.Random(seed)
        self.statuses: Counter[int] = Counter()
        self.retries = 0

    def book(self, phone: str) -> int:
        """Say yes, skip the questions, choose among the times offered until one is ours."""
        with httpx.Client(timeout=30) as client:
            for text in ("Ja tak", "nej"):
                self._say(client, phone, text)
            for attempt in range(1, 500):
                if self._step(phone) is not Step.CHOOSING_SLOT:
                    return attempt
                self._say(client, phone, self.rng.choice("123"))
        raise AssertionError(f"{phone} never got a slot")

    def _say(self, client: httpx.Client, phone: str, text: str) -> None:
        form = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": phone,
            "To": "+4570203040",
            "Body": text,
        }
        path = "/webhooks/twilio/sms"
        signature = self.validator.compute_signature(PUBLIC + path, form)
        for _ in range(3):
            port = self.rng.choice(self.service.ports)
            try:
                response = client.post(
                    f"http://127.0.0.1:{port}{path}",
                    data=form,
                    headers={"X-Twilio-Signature": signature},
                )
            except httpx.TransportError:
                # A connection reset under load: send the very same SMS again, as a provider
                # retries. Its MessageSid makes the repeat harmless, and the test proves it.
                self.retries += 1
                continue
            self.statuses[response.status_code] += 1
            return
        raise AssertionError(f"{phone}: three connection failures in a row")

    def _step(self, phone: str) -> Step:
        with Session(self.engine) as session:
            state = session.scalars(
                select(col(Conversation.state))
                .join(Contact, col(Contact.id) == col(Conversation.contact_id))
                .where(col(Contact.phone) == phone)
            ).one()
        return ConversationState.from_json(state).step


def drained(engine: Engine) -> bool:
    with Session(engine) as session:
        waiting = session.scalar(
            select(func.count()).where(
                col(Message.direction) == Direction.OUT,
                col(Message.status).in_(
                    [MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.ERRORED]
                ),
            )
        )
    return waiting == 0


def wait_until_drained(engine: Engine, service: Service, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not drained(engine):
        assert all(p.poll() is None for p in service.processes), service.log_text()
        assert time.monotonic() < deadline, "the outbox did not drain:\n" + service.log_text()
        time.sleep(0.2)


def callback_ids(fake: TwilioApiFake) -> Counter[int]:
    """Count our message ids in the status callbacks Twilio was given: one per message sent."""
    ids: Counter[int] = Counter()
    for form in fake.created():
        query = parse_qs(urlsplit(form["StatusCallback"][0]).query)
        ids[int(query["message_id"][0])] += 1
    return ids


class TestTwoApisTwoWorkers:
    def test_nothing_sent_twice_no_slot_booked_twice(
        self, pg_engine: Engine, tmp_path: Path
    ) -> None:
        citizens, queued = size(24, 1_000), size(500, 10_000)
        phones, first_id = world_of(pg_engine, citizens=citizens, queued=queued)
        url = pg_engine.url.render_as_string(hide_password=False)
        with running_fake() as fake, Service(database_url=url, fake=fake, logs=tmp_path) as svc:
            people = [Citizen(svc, pg_engine, fake.auth_token, seed) for seed in range(CLIENTS)]
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                tries = list(
                    pool.map(lambda n: people[n % CLIENTS].book(phones[n]), range(citizens))
                )
            wait_until_drained(pg_engine, svc, timeout=size(120, 1200))
            sent = callback_ids(fake)
        assert not fake.violations

        statuses = sum((person.statuses for person in people), Counter())
        with Session(pg_engine) as session:
            ours = session.scalars(
                select(col(Message.id)).where(
                    col(Message.direction) == Direction.OUT,
                    col(Message.channel) == "twilio",
                    col(Message.id) >= first_id,
                )
            ).all()
            active = session.scalars(
                select(Booking).where(col(Booking.status) == BookingStatus.BOOKED)
            ).all()
        assert set(statuses) == {200}, statuses
        twice = [message_id for message_id, count in sent.items() if count > 1]
        assert twice == [] and set(sent) == set(ours)
        assert len(ours) >= queued + 2 * citizens  # the queue, and the dialogue's own answers
        assert len(active) == citizens
        assert max(Counter(b.slot_id for b in active).values()) == 1
        assert max(Counter(b.contact_id for b in active).values()) == 1
        write_figures(
            "concurrency-postgresql",
            messages_sent=len(ours),
            sent_twice=len(twice),
            bookings=len(active),
            slots_booked_twice=sum(1 for c in Counter(b.slot_id for b in active).values() if c > 1),
            sms_posted=sum(statuses.values()),
            sms_resent_after_connection_reset=sum(person.retries for person in people),
            slot_choices_per_booking=round(sum(tries) / len(tries), 1),
        )
