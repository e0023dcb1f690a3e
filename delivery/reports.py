"""Provider-neutral intake of delivery reports: keep each one raw, move the message forward."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlmodel import Session

from delivery import optout
from store import outbox
from store.models import Message, ProviderCallback
from store.types import Direction, MessageStatus

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    """One status callback, already read from the provider's vocabulary into ours."""

    channel: str
    provider_id: str
    message_id: int | None  # our id, when the callback URL carried it
    provider_status: str  # the provider's own word, kept as is
    status: MessageStatus | None  # None: nothing to apply (an unknown or inbound status)
    error_code: int | None
    error: str | None  # for `Message.error`, the code kept in it
    opted_out: bool
    unreachable: bool
    raw: Mapping[str, object]


@dataclass(frozen=True)
class DeliveryResult:
    """What a report did."""

    found: bool
    moved: bool


def record_delivery(*, session: Session, report: DeliveryReport, now: datetime) -> DeliveryResult:
    """Keep the raw report, then apply it to its message: forward only, opt-outs at once."""
    callback = ProviderCallback(
        channel=report.channel,
        provider_id=report.provider_id,
        status=report.provider_status,
        error_code=report.error_code,
        raw=json.dumps(report.raw, sort_keys=True, ensure_ascii=False),
        received_at=now,
    )
    session.add(callback)
    message = _find(session=session, report=report)
    callback.message_id = message.id if message is not None else None
    if message is None:
        log.info("delivery.unknown_message", channel=report.channel)
        return DeliveryResult(found=False, moved=False)
    if report.opted_out:
        _opt_out(session=session, message=message, now=now)
    if message.provider_id is not None and message.provider_id != report.provider_id:
        # A report on an earlier attempt of the same message (sent, then retried): kept, unused.
        log.info("delivery.other_attempt", channel=report.channel, message_id=message.id)
        return DeliveryResult(found=True, moved=False)
    moved = report.status is not None and outbox.advance_status(
        session=session, message=message, status=report.status, now=now
    )
    if moved and report.error is not None:
        message.error = report.error[:200]
    log.info(
        "delivery.recorded",
        message_id=message.id,
        status=report.provider_status,
        error_code=report.error_code,
        moved=moved,
        unreachable=report.unreachable,
    )
    return DeliveryResult(found=True, moved=moved)


def _find(*, session: Session, report: DeliveryReport) -> Message | None:
    """Find the outbound message by our id, else by the provider's; lock it for the update."""
    message_id = report.message_id
    if message_id is None:
        found = outbox.by_provider_id(
            session=session, channel=report.channel, provider_id=report.provider_id
        )
        message_id = found.id if found is not None else None
    if message_id is None:
        return None
    # Two reports on one message in parallel: the second waits, then sees the first's status.
    message = session.get(Message, message_id, with_for_update=True, populate_existing=True)
    if message is None or message.direction != Direction.OUT or message.channel != report.channel:
        return None
    return message


def _opt_out(*, session: Session, message: Message, now: datetime) -> None:
    optout.provider_opt_out(
        session=session,
        contact_id=message.contact_id,
        channel=message.channel,
        address=message.address,
        now=now,
    )
