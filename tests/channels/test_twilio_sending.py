"""The sender end to end through the Twilio channel and the fake: opt-outs, retries, failures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from channels.twilio import TwilioChannel
from delivery.optout import is_opted_out
from delivery.sender import send_batch
from store import outbox
from store.models import Contact, Message
from store.types import MessageStatus, Trigger
from tests.channels.test_twilio_channel import FakeTime, config
from tests.factories import MONDAY, WINDOW, add_contact, make_world
from tests.fakes.twilio_api import Drop, TwilioApiFake, TwilioError

NOON = MONDAY.replace(hour=12)


def queue_to(engine: Engine) -> tuple[Contact, Message]:
    """A contact in Roskilde and a message to them in the Twilio outbox."""
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session)
        contact = add_contact(session, world, phone="+4520123456")
        message_id = outbox.queue(
            session=session,
            channel="twilio",
            address=contact.phone,
            kind="question",
            trigger=Trigger.REPLY,
            text="Hej Anne",
            now=NOON,
            contact_id=contact.id,
        )
        message = session.get_one(Message, message_id)
        session.commit()
    return contact, message


def send(engine: Engine, fake: TwilioApiFake, *, at: timedelta = timedelta(0)) -> None:
    time = FakeTime()
    channel = TwilioChannel(config(fake), clock=time.clock, sleep=time.sleep)
    send_batch(engine=engine, channels={"twilio": channel}, window=WINDOW, now=NOON + at, limit=10)


def stored(engine: Engine, message: Message) -> Message:
    with Session(engine, expire_on_commit=False) as session:
        return session.get_one(Message, message.id)


class TestSenderWithTwilio:
    def test_a_message_goes_out_with_its_provider_id(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        _, message = queue_to(engine)
        send(engine, twilio_api)
        sent = stored(engine, message)
        assert sent.status == MessageStatus.SENT
        assert sent.provider_id in twilio_api.messages
        callback = twilio_api.forms[str(sent.provider_id)]["StatusCallback"][0]
        assert callback.endswith(f"/webhooks/twilio/status?message_id={message.id}")

    def test_21610_opts_the_contact_out(self, engine: Engine, twilio_api: TwilioApiFake) -> None:
        contact, message = queue_to(engine)
        twilio_api.then(TwilioError(21610))
        send(engine, twilio_api)
        failed = stored(engine, message)
        assert failed.status == MessageStatus.FAILED
        assert failed.error is not None and "21610" in failed.error
        with Session(engine) as session:
            assert contact.id is not None
            assert is_opted_out(session=session, contact_id=contact.id)

    def test_429_retries_later(self, engine: Engine, twilio_api: TwilioApiFake) -> None:
        _, message = queue_to(engine)
        twilio_api.then(TwilioError(20429, status=429, message="Too Many Requests"))
        send(engine, twilio_api)
        waiting = stored(engine, message)
        assert waiting.status == MessageStatus.ERRORED
        assert waiting.next_attempt_at == NOON + timedelta(minutes=1)
        send(engine, twilio_api, at=timedelta(seconds=30))  # not due yet: not even tried
        assert stored(engine, message).status == MessageStatus.ERRORED
        assert twilio_api.messages == {}
        send(engine, twilio_api, at=timedelta(minutes=1))
        sent = stored(engine, message)
        assert sent.status == MessageStatus.SENT and sent.attempts == 2
        assert sent.provider_id in twilio_api.messages

    def test_a_dropped_connection_retries_later(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        _, message = queue_to(engine)
        twilio_api.then(Drop())
        send(engine, twilio_api)
        assert stored(engine, message).status == MessageStatus.ERRORED
        send(engine, twilio_api, at=timedelta(minutes=1))
        assert stored(engine, message).status == MessageStatus.SENT

    def test_an_unreachable_number_fails_with_its_code(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        contact, message = queue_to(engine)
        twilio_api.then(TwilioError(30005))
        send(engine, twilio_api)
        failed = stored(engine, message)
        assert failed.status == MessageStatus.FAILED
        assert failed.error == "unreachable: twilio 30005: unknown destination handset"
        with Session(engine) as session:
            assert contact.id is not None
            assert not is_opted_out(session=session, contact_id=contact.id)

    def test_an_invalid_number_fails_with_its_code(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        _, message = queue_to(engine)
        twilio_api.then(TwilioError(21211))
        send(engine, twilio_api)
        failed = stored(engine, message)
        assert (failed.status, failed.error) == (MessageStatus.FAILED, "twilio 21211: invalid To")


class TestUnknownOutcomes:
    """A send whose outcome is unknown is settled by asking Twilio, never by sending blind."""

    def test_accepted_then_dropped_is_found_not_sent_again(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        twilio_api.clock = lambda: NOON
        _, message = queue_to(engine)
        twilio_api.then(Drop(accepted=True))
        send(engine, twilio_api)
        assert stored(engine, message).status == MessageStatus.ERRORED
        [sid] = twilio_api.messages
        send(engine, twilio_api, at=timedelta(minutes=1))
        settled = stored(engine, message)
        assert (settled.status, settled.provider_id, settled.attempts) == ("sent", sid, 2)
        assert len(twilio_api.created()) == 1
        assert [r.method for r in twilio_api.requests] == ["POST", "GET"]

    def test_dropped_before_twilio_took_it_is_sent_again(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        twilio_api.clock = lambda: NOON
        _, message = queue_to(engine)
        twilio_api.then(Drop())
        send(engine, twilio_api)
        send(engine, twilio_api, at=timedelta(minutes=1))
        assert stored(engine, message).status == MessageStatus.SENT
        assert len(twilio_api.created()) == 1
        assert [r.method for r in twilio_api.requests] == ["POST", "GET", "POST"]

    def test_a_sender_that_died_after_twilio_took_it_is_settled_after_the_lease(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        twilio_api.clock = lambda: NOON
        contact, message = queue_to(engine)
        with Session(engine) as session:  # the dead sender's claim, committed before it sent
            claimed = outbox.claim_batch(
                session=session, now=NOON, window_open=True, limit=10, lease=timedelta(minutes=10)
            )
            assert [m.id for m in claimed] == [message.id]
            session.commit()
        time = FakeTime()
        sid = (
            TwilioChannel(config(twilio_api), clock=time.clock, sleep=time.sleep)
            ._client.messages.create(to=contact.phone, from_="+4570203040", body="Hej Anne")
            .sid
        )
        send(engine, twilio_api, at=timedelta(minutes=5))
        assert stored(engine, message).status == MessageStatus.SENDING  # the lease still holds
        send(engine, twilio_api, at=timedelta(minutes=11))
        assert (stored(engine, message).status, stored(engine, message).provider_id) == (
            "sent",
            sid,
        )
        assert len(twilio_api.created()) == 1

    def test_twins_get_one_twilio_message_each(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        twilio_api.clock = lambda: NOON
        contact, first = queue_to(engine)
        with Session(engine, expire_on_commit=False) as session:
            second_id = outbox.queue(
                session=session,
                channel="twilio",
                address=contact.phone,
                kind="question",
                trigger=Trigger.REPLY,
                text="Hej Anne",
                now=NOON,
                contact_id=contact.id,
            )
            second = session.get_one(Message, second_id)
            session.commit()
        twilio_api.then(Drop(accepted=True), Drop(accepted=False))
        send(engine, twilio_api)
        send(engine, twilio_api, at=timedelta(minutes=1))
        assert {stored(engine, m).status for m in (first, second)} == {MessageStatus.SENT}
        assert stored(engine, first).provider_id != stored(engine, second).provider_id
        assert len(twilio_api.created()) == 2  # one settled, one sent: each text reaches them once

    def test_when_twilio_cannot_be_asked_nothing_is_sent(
        self, engine: Engine, twilio_api: TwilioApiFake
    ) -> None:
        twilio_api.clock = lambda: NOON
        _, message = queue_to(engine)
        twilio_api.then(Drop())
        send(engine, twilio_api)
        channel = TwilioChannel(
            config(twilio_api, api_base_url="http://127.0.0.1:9"), sleep=lambda _: None
        )
        send_batch(
            engine=engine,
            channels={"twilio": channel},
            window=WINDOW,
            now=NOON + timedelta(minutes=1),
            limit=10,
        )
        asked = stored(engine, message)
        assert asked.status == MessageStatus.ERRORED and "lookup" in (asked.error or "")
        assert twilio_api.created() == []
