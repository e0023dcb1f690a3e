"""The outbox and the sender: window gating, opt-out at the last gate, forward-only status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from channels.console import ConsoleChannel
from channels.port import ChannelPermanentError, ChannelTemporaryError, OutgoingMessage, Receipt
from delivery.optout import opt_out
from delivery.sender import send_batch
from store import outbox
from store.models import Message
from store.types import MessageStatus, Trigger
from tests.factories import MONDAY, WINDOW, add_contact, make_world

EVENING = MONDAY.replace(hour=20)
NOON = MONDAY.replace(hour=12)


def queue(
    session: Session,
    trigger: Trigger,
    *,
    contact_id: int | None = None,
    kind: str = "question",
    now: datetime = MONDAY,
) -> Message:
    message = session.get_one(
        Message,
        outbox.queue(
            session=session,
            channel="console",
            address="+4520000001",
            kind=kind,
            trigger=trigger,
            text="Hej",
            now=now,
            contact_id=contact_id,
        ),
    )
    session.commit()
    return message


class FlakyChannel:
    name = "console"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def send(self, message: OutgoingMessage) -> Receipt:
        raise self.error


class TestWindowGate:
    def test_scheduled_waits_for_the_window_replies_do_not(self, engine: Engine) -> None:
        with Session(engine, expire_on_commit=False) as session:
            scheduled = queue(session, Trigger.SCHEDULED)
            reply = queue(session, Trigger.REPLY)
        channel = ConsoleChannel()
        report = send_batch(
            engine=engine, channels={"console": channel}, window=WINDOW, now=EVENING, limit=10
        )
        assert report.sent == 1
        assert [m.message_id for m in channel.sent] == [reply.id]
        send_batch(
            engine=engine,
            channels={"console": channel},
            window=WINDOW,
            now=WINDOW.next_open(EVENING),
            limit=10,
        )
        assert [m.message_id for m in channel.sent] == [reply.id, scheduled.id]


class TestOptOutGate:
    def test_nothing_but_the_confirmation_reaches_an_opted_out_contact(
        self, engine: Engine
    ) -> None:
        with Session(engine, expire_on_commit=False) as session:
            world = make_world(session)
            contact = add_contact(session, world, phone="+4520000001")
            session.commit()
            queue(session, Trigger.SCHEDULED, contact_id=contact.id)
            # Written behind the opt-out's back (another worker, an old row): still held back.
            opt_out(
                session=session,
                contact_id=contact.id,
                address=contact.phone,
                source="keyword",
                now=MONDAY,
            )
            session.commit()
            late = queue(session, Trigger.REPLY, contact_id=contact.id)
            confirmation = queue(session, Trigger.REPLY, contact_id=contact.id, kind="opt_out")
        channel = ConsoleChannel()
        send_batch(engine=engine, channels={"console": channel}, window=WINDOW, now=NOON, limit=10)
        assert [m.message_id for m in channel.sent] == [confirmation.id]
        with Session(engine, expire_on_commit=False) as session:
            assert session.get_one(Message, late.id).status == MessageStatus.QUEUED


class TestFailures:
    def test_temporary_errors_back_off_then_fail(self, engine: Engine) -> None:
        with Session(engine, expire_on_commit=False) as session:
            message = queue(session, Trigger.REPLY)
        channel = FlakyChannel(ChannelTemporaryError("503"))
        now = NOON
        for _ in range(5):
            send_batch(
                engine=engine, channels={"console": channel}, window=WINDOW, now=now, limit=10
            )
            now += timedelta(hours=1)
        with Session(engine, expire_on_commit=False) as session:
            stored = session.get_one(Message, message.id)
            assert stored.status == MessageStatus.FAILED
            assert stored.attempts == 5

    def test_provider_opt_out_opts_the_contact_out(self, engine: Engine) -> None:
        with Session(engine, expire_on_commit=False) as session:
            world = make_world(session)
            contact = add_contact(session, world, phone="+4520000001")
            session.commit()
            queue(session, Trigger.REPLY, contact_id=contact.id)
        channel = FlakyChannel(ChannelPermanentError("21610 unsubscribed", opted_out=True))
        send_batch(engine=engine, channels={"console": channel}, window=WINDOW, now=NOON, limit=10)
        from delivery.optout import is_opted_out

        with Session(engine, expire_on_commit=False) as session:
            assert contact.id is not None
            assert is_opted_out(session=session, contact_id=contact.id)


class TestStatus:
    def test_status_only_moves_forward(self, session: Session) -> None:
        message = queue(session, Trigger.REPLY)
        message.status = MessageStatus.SENT
        now = datetime(2026, 11, 23, 12, tzinfo=UTC)
        assert outbox.advance_status(
            session=session, message=message, status=MessageStatus.DELIVERED, now=now
        )
        assert not outbox.advance_status(
            session=session, message=message, status=MessageStatus.SENT, now=now
        )
        assert message.status == MessageStatus.DELIVERED

    def test_claim_skips_what_is_not_due(self, session: Session) -> None:
        queue(session, Trigger.REPLY, now=NOON)
        claimed = outbox.claim_batch(
            session=session,
            now=NOON - timedelta(minutes=1),
            window_open=True,
            limit=10,
            lease=timedelta(minutes=10),
        )
        assert claimed == []
        assert (
            len(session.scalars(select(Message).where(col(Message.status) == "queued")).all()) == 1
        )
