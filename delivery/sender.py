"""The sender: deliver the outbox through the channels, one short transaction per result."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from channels.port import (
    Channel,
    ChannelPermanentError,
    ChannelTemporaryError,
    OutgoingMessage,
    Receipt,
    Settling,
)
from core.calendar import SendWindow
from core.clock import Clock
from delivery import optout
from outreach.windows import EmptyWindowError, load_window
from store import outbox
from store.db import unit_of_work
from store.models import Campaign, Message
from store.types import MessageStatus, Trigger

log = structlog.get_logger(__name__)

Outcome = Receipt | ChannelTemporaryError | ChannelPermanentError
MAX_ATTEMPTS = 5
# Seconds between tries to record a provider's answer when SQLite says "database is locked"
# (each try has waited out the busy timeout already): the answer is in hand, and a message left
# to its lease would be asked about, or sent, again ten minutes later.
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)
LEASE = timedelta(minutes=10)
# A scheduled message is handed over only with at least this much of its window left, as the
# provider's validity: with less it would likely expire unsent (Twilio recommends more than
# 5 seconds), so it waits for the next opening instead.
MIN_VALIDITY = timedelta(minutes=1)
_INSTANT = timedelta(microseconds=1)


def backoff(attempts: int) -> timedelta:
    """Wait longer after each temporary failure: 1, 2, 4, 8 … minutes."""
    return timedelta(minutes=2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    errored: int = 0
    failed: int = 0
    settled: int = 0  # of `sent`: found accepted by the provider after an unknown outcome
    withheld: int = 0  # claimed, then not sent: the person opted out earlier in the batch

    @property
    def handled(self) -> int:
        """How many claimed messages this batch settled one way or another."""
        return self.sent + self.errored + self.failed + self.withheld


@dataclass(frozen=True)
class _Claimed:
    """What the sender keeps of a claimed message once the claim's transaction is over."""

    outgoing: OutgoingMessage
    channel: str
    contact_id: int | None
    kind: str
    attempts: int  # this attempt included
    created_at: datetime


def send_batch(
    *,
    engine: Engine,
    channels: Mapping[str, Channel],
    window: SendWindow,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
    address: str | None = None,
) -> SendReport:
    """Claim a batch, hand each message to its channel, record each outcome.

    With an `address`, only the messages queued to it: the answer to a message just received.

    A message tried before may have reached the provider without our knowing (the process died,
    the answer was lost): where the channel can be asked (`Settling`), it is asked first, and a
    message it already accepted is recorded as sent instead of being sent again.
    """
    with unit_of_work(engine) as session:
        open_now = window.is_open(now) and window.is_open(now + MIN_VALIDITY - _INSTANT)
        claimed = outbox.claim_batch(
            session=session,
            now=now,
            window_open=open_now,
            limit=limit,
            lease=lease,
            margin=MIN_VALIDITY,
            address=address,
        )
        expiry = _expiries(session=session, claimed=claimed, window=window, now=now)
        work = [_claimed(message, expires_in=expiry.get(message.id or 0)) for message in claimed]
    counts = {"sent": 0, "errored": 0, "failed": 0, "settled": 0, "withheld": 0}
    stopped: set[int] = set()  # contacts who opted out through an outcome in this batch
    for item in work:
        for outcome in _handle(
            engine=engine, channels=channels, item=item, now=now, stopped=stopped
        ):
            counts[outcome] += 1
    return SendReport(**counts)


def _handle(
    *,
    engine: Engine,
    channels: Mapping[str, Channel],
    item: _Claimed,
    now: datetime,
    stopped: set[int],
) -> list[str]:
    """Send one claimed message (or settle or withhold it); return what it counts as."""
    if item.contact_id in stopped and item.kind not in outbox.OPT_OUT_SAFE_KINDS:
        with unit_of_work(engine) as session:
            outbox.withdraw(session=session, message_id=item.outgoing.message_id)
        return ["withheld"]
    channel = channels.get(item.channel)
    settled = _settle(engine=engine, channel=channel, item=item)
    result = settled if settled is not None else _deliver(channel, item.outgoing)
    try:
        outcome = _record_in_own_transaction(engine=engine, item=item, result=result, now=now)
    except IntegrityError:
        # Another sender settled a twin message onto the same provider id a moment ago.
        retry = ChannelTemporaryError("settled twice at once: ask the provider again")
        outcome = _record_in_own_transaction(engine=engine, item=item, result=retry, now=now)
    if _full_opt_out(result) and item.contact_id is not None:
        stopped.add(item.contact_id)
    return [outcome, "settled"] if isinstance(settled, Receipt) and outcome == "sent" else [outcome]


def _record_in_own_transaction(
    *, engine: Engine, item: _Claimed, result: Outcome, now: datetime
) -> str:
    """Record the outcome; after "database is locked", try the transaction again a few times."""
    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            return _record_once(engine=engine, item=item, result=result, now=now)
        except OperationalError as error:
            if delay is None or "locked" not in str(error.orig):
                raise
            log.warning("message.record_retry", message_id=item.outgoing.message_id)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _record_once(*, engine: Engine, item: _Claimed, result: Outcome, now: datetime) -> str:
    with unit_of_work(engine) as session:
        message = session.get_one(Message, item.outgoing.message_id)
        return _record(
            session=session, message=message, result=result, attempts=item.attempts, now=now
        )


def _claimed(message: Message, *, expires_in: int | None) -> _Claimed:
    assert message.id is not None
    outgoing = OutgoingMessage(
        message_id=message.id,
        address=message.address,
        text=message.text,
        buttons=outbox.buttons_of(message),
        expires_in=expires_in,
    )
    return _Claimed(
        outgoing,
        message.channel,
        message.contact_id,
        message.kind,
        message.attempts,
        message.created_at,
    )


def _full_opt_out(result: Outcome) -> bool:
    """Tell whether the provider's answer opts the person out of every channel."""
    if not isinstance(result, ChannelPermanentError):
        return False
    return result.opted_out and not result.channel_only


def _settle(*, engine: Engine, channel: Channel | None, item: _Claimed) -> Outcome | None:
    """Ask the provider about an earlier attempt; None: it has not got the message, send it."""
    if item.attempts <= 1 or not isinstance(channel, Settling):
        return None
    try:
        candidates = channel.accepted_like(item.outgoing, since=item.created_at)
    except ChannelTemporaryError as error:
        return error  # can't tell now: wait and ask again, never send blind
    if not candidates:
        return None
    with unit_of_work(engine) as session:
        taken = outbox.provider_ids_taken(
            session=session, channel=item.channel, provider_ids=candidates
        )
    free = [sid for sid in candidates if sid not in taken]
    if not free:
        return None
    log.info("message.settled", message_id=item.outgoing.message_id, attempts=item.attempts)
    return Receipt(provider_id=free[0], status="sent")


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
    optout.provider_opt_out(
        session=session,
        contact_id=message.contact_id,
        channel=message.channel,
        address=message.address,
        now=now,
        channel_only=result.channel_only,
    )


def _expiries(
    *, session: Session, claimed: Sequence[Message], window: SendWindow, now: datetime
) -> dict[int, int]:
    """Return, per scheduled message, the seconds left of its campaign's window (or the service's).

    A scheduled SMS must not arrive after its window: the provider drops it unsent after this.
    """
    scheduled = [m.id for m in claimed if m.trigger == Trigger.SCHEDULED and m.id is not None]
    campaigns = outbox.campaigns_of(session=session, message_ids=scheduled)
    windows: dict[int, SendWindow] = {}
    expiry = {}
    for message_id in scheduled:
        campaign = campaigns.get(message_id)
        own = window
        if campaign is not None and campaign.id is not None:
            if campaign.id not in windows:
                windows[campaign.id] = _campaign_window(session, campaign, window)
            own = windows[campaign.id]
        expiry[message_id] = _expires_in(window=own, now=now)
    return expiry


def _campaign_window(session: Session, campaign: Campaign, base: SendWindow) -> SendWindow:
    try:
        return load_window(session=session, campaign=campaign, base=base)
    except EmptyWindowError:  # no hours in common: nothing of it is claimed, so never reached
        return base


def _expires_in(*, window: SendWindow, now: datetime) -> int:
    """Return the seconds left of the window's open period: a scheduled SMS must not outlast it."""
    return max(1, int((window.open_until(now) - now).total_seconds()))


@dataclass(frozen=True)
class Sender:
    """The sender as a tick runs it: one batch through the configured channels."""

    channels: Mapping[str, Channel]
    window: SendWindow
    lease: timedelta = LEASE

    def __call__(self, *, engine: Engine, now: datetime, limit: int) -> SendReport:
        return send_batch(
            engine=engine,
            channels=self.channels,
            window=self.window,
            now=now,
            limit=limit,
            lease=self.lease,
        )


@dataclass(frozen=True)
class Replies:
    """Send the answer to an inbound message at once, from the process that committed it.

    The outbox stays the only way out: the answer was committed as outbox rows with the inbound
    message, and this claims them with the same lease, window and opt-out gates as a tick. If
    the process dies first, the next tick sends them (and asks the provider before sending a
    message again), so a reply still goes exactly once; it only no longer waits for the tick.
    """

    engine: Engine
    channels: Mapping[str, Channel]
    window: SendWindow
    clock: Clock
    lease: timedelta = LEASE
    limit: int = 10  # an answer is one to three messages; a stray backlog waits for the tick

    def __call__(self, *, address: str) -> SendReport:
        try:
            return send_batch(
                engine=self.engine,
                channels=self.channels,
                window=self.window,
                now=self.clock.now(),
                limit=self.limit,
                lease=self.lease,
                address=address,
            )
        except Exception:
            # Safe in the outbox: the next tick sends what this could not.
            log.exception("sender.reply_failed")
            return SendReport()
