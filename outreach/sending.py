"""The sender: deliver the outbox through the channels, one short transaction per result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from channels.port import (
    Channel,
    ChannelPermanentError,
    ChannelTemporaryError,
    OutgoingMessage,
    Receipt,
)
from outreach import optout
from scheduler.window import SendWindow
from store import outbox
from store.db import unit_of_work
from store.models import Message
from store.telegram import TELEGRAM, opt_out_of_telegram
from store.types import MessageStatus, Trigger

log = structlog.get_logger(__name__)

Outcome = Receipt | ChannelTemporaryError | ChannelPermanentError
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """Wait longer after each temporary failure: 1, 2, 4, 8 … minutes."""
    return timedelta(minutes=2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    errored: int = 0
    failed: int = 0
    withheld: int = 0  # claimed, then not sent: the person opted out earlier in the batch


@dataclass(frozen=True)
class _Claimed:
    """What the sender keeps of a claimed message once the claim's transaction is over."""

    outgoing: OutgoingMessage
    channel: str
    contact_id: int | None
    kind: str
    attempts: int


def send_batch(
    *,
    engine: Engine,
    channels: Mapping[str, Channel],
    window: SendWindow,
    now: datetime,
    limit: int,
) -> SendReport:
    """Claim a batch, hand each message to its channel, record each outcome."""
    with unit_of_work(engine) as session:
        claimed = outbox.claim_batch(
            session=session, now=now, window_open=window.is_open(now), limit=limit, lease=LEASE
        )
        work = [_claimed(message, window=window, now=now) for message in claimed]
    counts = {"sent": 0, "errored": 0, "failed": 0, "withheld": 0}
    stopped: set[int] = set()  # contacts who opted out through an outcome in this batch
    for item in work:
        if item.contact_id in stopped and item.kind not in outbox.OPT_OUT_SAFE_KINDS:
            with unit_of_work(engine) as session:
                outbox.withdraw(session=session, message_id=item.outgoing.message_id)
            counts["withheld"] += 1
            continue
        result = _deliver(channels.get(item.channel), item.outgoing)
        with unit_of_work(engine) as session:
            message = session.get_one(Message, item.outgoing.message_id)
            outcome = _record(
                session=session, message=message, result=result, attempts=item.attempts, now=now
            )
            counts[outcome] += 1
        if _full_opt_out(result) and item.contact_id is not None:
            stopped.add(item.contact_id)
    return SendReport(**counts)


def _claimed(message: Message, *, window: SendWindow, now: datetime) -> _Claimed:
    assert message.id is not None
    scheduled = message.trigger == Trigger.SCHEDULED
    outgoing = OutgoingMessage(
        message_id=message.id,
        address=message.address,
        text=message.text,
        buttons=outbox.buttons_of(message),
        expires_in=_expires_in(window=window, now=now) if scheduled else None,
    )
    return _Claimed(outgoing, message.channel, message.contact_id, message.kind, message.attempts)


def _full_opt_out(result: Outcome) -> bool:
    """Tell whether the provider's answer opts the person out of every channel."""
    if not isinstance(result, ChannelPermanentError):
        return False
    return result.opted_out and not result.channel_only


def _deliver(channel: Channel | None, outgoing: OutgoingMessage) -> Outcome:
    if channel is None:
        return ChannelPermanentError("no such channel configured")
    try:
        return channel.send(outgoing)
    except (ChannelTemporaryError, ChannelPermanentError) as error:
        return error


def _record(
    *, session: Session, message: Message, result: Outcome, attempts: int, now: datetime
) -> str:
    if isinstance(result, ChannelTemporaryError) and attempts < MAX_ATTEMPTS:
        message.status = MessageStatus.ERRORED
        message.error = str(result)[:200]
        message.next_attempt_at = now + backoff(attempts)
        log.warning("message.errored", message_id=message.id, attempts=attempts)
        return "errored"
    if not isinstance(result, Receipt):
        message.status = MessageStatus.FAILED
        message.error = str(result)[:200]
        if isinstance(result, ChannelPermanentError) and result.opted_out and message.contact_id:
            _provider_opt_out(session=session, message=message, result=result, now=now)
        log.warning("message.failed", message_id=message.id)
        return "failed"
    # Forward only: a delivery callback may have landed between the provider's answer and now.
    outbox.advance_status(session=session, message=message, status=MessageStatus.SENT, now=now)
    message.provider_id = result.provider_id
    message.sent_at = now
    return "sent"


def _provider_opt_out(
    *, session: Session, message: Message, result: ChannelPermanentError, now: datetime
) -> None:
    """The provider says the person does not want messages (or cannot get them there)."""
    assert message.contact_id is not None
    if result.channel_only:
        opt_out_of_telegram(
            session=session,
            contact_id=message.contact_id,
            chat_id=message.address,
            source="provider",
            now=now,
        )
        return
    if message.channel == TELEGRAM:
        optout.opt_out_blocked_bot(
            session=session,
            contact_id=message.contact_id,
            chat_id=message.address,
            source="blocked",
            now=now,
        )
        return
    optout.opt_out(
        session=session,
        contact_id=message.contact_id,
        address=message.address,
        source="provider",
        now=now,
    )


def _expires_in(*, window: SendWindow, now: datetime) -> int:
    """Return the seconds left of today's window: a scheduled SMS must not arrive after it."""
    closes = window.closes_at(now.astimezone(window.tz).date())
    return max(1, int((closes - now).total_seconds()))
