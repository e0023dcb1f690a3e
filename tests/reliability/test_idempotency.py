"""The same webhook many times, some at the same moment: one effect, and every report kept.

The real app runs under uvicorn in a thread (`serving`), so requests released together by a
barrier really overlap, each on its own connection, session and transaction. Every request is
signed with Twilio's own `RequestValidator` for the configured public URL.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col
from twilio.request_validator import RequestValidator

from conversation.service import start
from delivery.sender import send_batch
from recruitbot.app import create_app
from store import outbox
from store.db import make_engine, unit_of_work
from store.models import Conversation, Message, ProviderCallback
from store.types import Direction, MessageStatus, Trigger
from tests.conftest import BACKENDS
from tests.factories import DIALOGUE, add_contact, make_world
from tests.fakes.twilio_api import TwilioApiFake
from tests.fakes.twilio_api import twilio_api as twilio_api  # a fixture, used by name
from tests.reliability import size
from tests.reliability.serving import at_once, serving
from tests.webhooks.twilio_service import NOW, PUBLIC, SMS, STATUS, Service, running_service, sid
from webhooks.twilio import STATUS_MAP

CONVERSATIONS = size(20, 500)
MESSAGES = size(40, 1_000)
DELIVERIES, AT_ONCE = 5, 3  # each SMS arrives 5 times, the first 3 of them at the same moment
GROUP = 4  # conversations (or messages) whose requests are released together
SEED = 7
ACCOUNT = "AC" + "0123456789abcdef" * 2


@dataclass(frozen=True)
class Signed:
    """A webhook request as Twilio would send it: path, form and signature."""

    target: str
    form: Mapping[str, str]
    signature: str


@dataclass
class Served:
    service: Service
    base_url: str

    @property
    def engine(self) -> Engine:
        return self.service.runtime.engine

    def sign(self, path: str, form: Mapping[str, str], *, query: str = "") -> Signed:
        target = f"{path}?{query}" if query else path
        validator = RequestValidator(self.service.token)
        return Signed(target, form, validator.compute_signature(f"{PUBLIC}{target}", dict(form)))

    def post(self, request: Signed) -> int:
        answer = httpx.post(
            f"{self.base_url}{request.target}",
            data=dict(request.form),
            headers={"X-Twilio-Signature": request.signature},
            timeout=60,
        )
        return answer.status_code


@pytest.fixture
def served(database_url: str, twilio_api: TwilioApiFake) -> Iterator[Served]:
    """The app with Twilio configured, served by uvicorn on this test's database."""
    with (
        running_service(database_url, twilio_api) as service,
        serving(create_app(service.runtime)) as base_url,
    ):
        yield Served(service, base_url)


def invite_all(engine: Engine, count: int) -> list[int]:
    """Invite `count` citizens by SMS through a running Twilio campaign; return contact ids."""
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, now=NOW)
        world.campaign.channel, world.campaign.status = "twilio", "running"
        contacts = [add_contact(session, world, phone=phone(i), now=NOW) for i in range(count)]
        for contact in contacts:
            start(
                session=session,
                dialogue=DIALOGUE,
                contact=contact,
                campaign=world.campaign,
                now=NOW,
            )
        session.commit()
        return [c.id or 0 for c in contacts]


def phone(i: int) -> str:
    return f"+4521{i:06d}"


def inbound_sms(i: int, *, n: int = 0, body: str = "Ja tak") -> dict[str, str]:
    """The `n`-th SMS of citizen `i`."""
    return {
        "MessageSid": sid(100_000 * n + 10_000 + i),
        "SmsSid": sid(100_000 * n + 10_000 + i),
        "AccountSid": ACCOUNT,
        "From": phone(i),
        "To": "+4570203040",
        "Body": body,
        "NumMedia": "0",
    }


class TestInboundSmsDeliveredFiveTimes:
    def test_one_message_one_step_one_reply(self, served: Served) -> None:
        contact_ids = invite_all(served.engine, CONVERSATIONS + 1)
        control, repeated = contact_ids[0], contact_ids[1:]
        # The control citizen's SMS arrives once: the step the others must have taken, once.
        assert served.post(served.sign(SMS, inbound_sms(0))) == 200
        requests = {i: served.sign(SMS, inbound_sms(i)) for i in range(1, CONVERSATIONS + 1)}
        numbers = list(requests)
        for first in range(0, len(numbers), GROUP):
            group = numbers[first : first + GROUP]
            burst = [requests[i] for i in group for _ in range(AT_ONCE)]
            assert set(at_once(served.post, burst)) == {200}
        for _ in range(DELIVERIES - AT_ONCE):  # Twilio's retries, later
            assert {served.post(requests[i]) for i in numbers} == {200}

        with Session(served.engine) as session:
            inbound = session.scalars(select(Message).where(col(Message.direction) == Direction.IN))
            per_sid = Counter(m.provider_id for m in inbound)
            expected = _conversation(session, control)
            for contact_id in repeated:
                conversation = _conversation(session, contact_id)
                assert conversation.state == expected.state
                assert conversation.replied_at == NOW
                replies = _replies(session, conversation)
                assert [m.kind for m in replies] == [m.kind for m in _replies(session, expected)]
                assert len(replies) == 1
        assert len(per_sid) == CONVERSATIONS + 1 and set(per_sid.values()) == {1}
        print(
            f"\n{DELIVERIES} deliveries of each of {CONVERSATIONS} signed inbound SMS, {AT_ONCE} "
            f"at once: {CONVERSATIONS} messages stored, {CONVERSATIONS} dialogue steps, "
            f"{CONVERSATIONS} replies queued, 0 repeats"
        )


class TestTwoSmsFromOneCitizenAtOnce:
    def test_both_are_read_one_after_the_other(self, served: Served) -> None:
        """Two different SMS (two SIDs) at once: two steps in turn, not two from the same state."""
        contact_ids = invite_all(served.engine, CONVERSATIONS + 1)
        for n in (1, 2):  # the control citizen writes twice, one after the other
            assert served.post(served.sign(SMS, inbound_sms(0, n=n, body="ja"))) == 200
        numbers = range(1, CONVERSATIONS + 1)
        pairs = [served.sign(SMS, inbound_sms(i, n=n, body="ja")) for i in numbers for n in (1, 2)]
        for first in range(0, len(pairs), 2 * GROUP):
            assert set(at_once(served.post, pairs[first : first + 2 * GROUP])) == {200}
        with Session(served.engine) as session:
            expected = _conversation(session, contact_ids[0])
            expected_replies = [m.text for m in _replies(session, expected)]
            assert len(expected_replies) == 2
            for contact_id in contact_ids[1:]:
                conversation = _conversation(session, contact_id)
                assert conversation.state == expected.state
                assert [m.text for m in _replies(session, conversation)] == expected_replies


def _conversation(session: Session, contact_id: int) -> Conversation:
    return session.scalars(
        select(Conversation).where(col(Conversation.contact_id) == contact_id)
    ).one()


def _replies(session: Session, conversation: Conversation) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(
                col(Message.conversation_id) == conversation.id,
                col(Message.direction) == Direction.OUT,
                col(Message.trigger) == Trigger.REPLY,
            )
            .order_by(col(Message.id))
        )
    )


# Each message's story as Twilio may tell it: some steps on the way, at most one ending.
ENDINGS: list[tuple[str, str | None]] = [
    ("delivered", None),
    ("delivered", None),
    ("undelivered", "30005"),
    ("failed", "30008"),
    ("sent", None),  # no final report (yet)
]
ON_THE_WAY = ("queued", "sending", "sent")


def status_report(message: Message, status: str, code: str | None) -> dict[str, str]:
    form = {
        "MessageSid": str(message.provider_id),
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": ACCOUNT,
        "To": message.address,
        "From": "+4570203040",
        "ApiVersion": "2010-04-01",
    }
    return {**form, "ErrorCode": code} if code else form


class TestStatusCallbacksRepeatedInAnyOrder:
    def test_the_final_status_wins_and_every_report_is_kept(self, served: Served) -> None:
        messages = self.sent_invitations(served)
        rng = random.Random(SEED)
        final: dict[int, MessageStatus] = {}
        plan: dict[int, list[Signed]] = {}
        for message in messages:
            assert message.id is not None
            ending, code = rng.choice(ENDINGS)
            story = [s for s in ON_THE_WAY if rng.random() < 0.7] + [ending]
            final[message.id] = STATUS_MAP[ending]
            query = f"message_id={message.id}"
            plan[message.id] = [
                served.sign(STATUS, status_report(message, status, code), query=query)
                for status in story
                for _ in range(rng.randint(1, 3))
            ]
        ids = list(plan)
        for first in range(0, len(ids), GROUP):
            burst = [r for i in ids[first : first + GROUP] for r in plan[i]]
            rng.shuffle(burst)
            assert set(at_once(served.post, burst)) == {204}
        late = [r for i in rng.sample(ids, len(ids) // 2) for r in rng.sample(plan[i], 1)]
        assert {served.post(r) for r in late} == {204}  # e.g. a "sent" long after "delivered"

        posted = Counter(
            (int(r.target.split("=")[1]), r.form["MessageStatus"])
            for r in [*late, *(r for rs in plan.values() for r in rs)]
        )
        with Session(served.engine) as session:
            stored = {
                m.id: m for m in session.scalars(select(Message).where(col(Message.id).in_(ids)))
            }
            kept = list(session.scalars(select(ProviderCallback)))
        assert {i: stored[i].status for i in ids} == final
        for i in ids:
            assert (stored[i].delivered_at is not None) == (final[i] == MessageStatus.DELIVERED)
        assert Counter((c.message_id, c.status) for c in kept) == posted
        assert all(
            json.loads(c.raw)["MessageSid"] == stored[c.message_id].provider_id for c in kept
        )
        shares = Counter(status.value for status in final.values())
        print(
            f"\n{sum(posted.values())} status callbacks for {len(ids)} messages, each repeated "
            f"and shuffled, {GROUP} messages' callbacks at once (seed {SEED}): {len(ids)} right "
            f"final statuses ({dict(sorted(shares.items()))}), {len(kept)} raw callbacks kept"
        )

    def sent_invitations(self, served: Served) -> list[Message]:
        """Invite citizens and hand the invitations to the fake Twilio through the sender."""
        invite_all(served.engine, MESSAGES)
        runtime = served.service.runtime
        while send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=NOW,
            limit=200,
        ).sent:
            pass
        with Session(served.engine) as session:
            sent = list(session.scalars(select(Message).where(col(Message.direction) == "out")))
        assert len(sent) == MESSAGES and {m.status for m in sent} == {MessageStatus.SENT}
        return sent


# On SQLite the sender's transaction holds the write lock from its first read: no such race.
@pytest.mark.parametrize("database_url", [BACKENDS[1]], indirect=True)
class TestSenderAgainstADeliveryReport:
    def test_a_report_committed_while_the_sender_waited_is_not_overwritten(
        self, database_url: str
    ) -> None:
        """The sender read "sending"; "delivered" commits; then the sender records "sent"."""
        engine = make_engine(database_url)
        try:
            with unit_of_work(engine) as session:
                world = make_world(session, now=NOW)
                contact = add_contact(session, world, phone=phone(1), now=NOW)
                message_id = outbox.queue(
                    session=session,
                    channel="twilio",
                    address=contact.phone,
                    kind="info",
                    trigger=Trigger.REPLY,
                    text="Hej",
                    now=NOW,
                    contact_id=contact.id,
                )
                session.get_one(Message, message_id).status = MessageStatus.SENDING
            with Session(engine) as sender:
                seen = sender.get_one(Message, message_id)
                assert seen.status == MessageStatus.SENDING
                with unit_of_work(engine) as report:
                    delivered = report.get_one(Message, message_id, with_for_update=True)
                    moved = outbox.advance_status(
                        session=report,
                        message=delivered,
                        status=MessageStatus.DELIVERED,
                        now=NOW + timedelta(seconds=1),
                    )
                    assert moved
                assert not outbox.advance_status(
                    session=sender, message=seen, status=MessageStatus.SENT, now=NOW
                )
                sender.commit()
            with Session(engine) as session:
                assert session.get_one(Message, message_id).status == MessageStatus.DELIVERED
        finally:
            engine.dispose()
