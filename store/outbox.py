"""Messages in and out. All SQL about messages lives here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NotRequired, TypedDict, Unpack
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col

from core.calendar import COPENHAGEN
from store.db import insert_row
from store.models import Campaign, CampaignBlackout, Conversation, Message, OptOut
from store.types import STATUS_RANK, Direction, MessageStatus, Trigger

# Kinds that may still go out to someone who has opted out: the confirmation of that opt-out.
OPT_OUT_SAFE_KINDS = ("opt_out",)
CLAIMABLE = (MessageStatus.QUEUED, MessageStatus.ERRORED)
# Rows of (label, callback data or URL) under a message, as channels.port has them.
Buttons = tuple[tuple[tuple[str, str], ...], ...]
# Where `queue` notes, in the session, the addresses it queued to (`queued_addresses`).
_QUEUED_TO = "outbox.queued_to"


class Outbound(TypedDict):
    """An outbound message as the code queues it (`queue`, `outbound`)."""

    channel: str
    address: str
    kind: str
    trigger: Trigger
    text: str
    now: datetime
    contact_id: NotRequired[int | None]
    conversation_id: NotRequired[int | None]
    staff_member_id: NotRequired[int | None]
    buttons: NotRequired[Buttons]


def queue(*, session: Session, **message: Unpack[Outbound]) -> int:
    """Write an outbound message to the outbox, in the caller's transaction; return its id.

    The row is written at once, with no object in the session (`session.get` reads it): the
    ids follow the order messages are queued in, and a dialogue step pays for no object.
    """
    return queue_row(session, outbound(**message))


def queue_row(session: Session, values: dict[str, Any]) -> int:
    """Write a row made by `outbound`, as `queue` does; return its id."""
    message_id = insert_row(session, _MESSAGES, values)
    note_queued(session, values["address"])
    return message_id


def outbound(**message: Unpack[Outbound]) -> dict[str, Any]:
    """The outbox row `queue` writes, for a statement that writes it with another row.

    Such a statement calls `note_queued` too (`store.inbox`: a notice with its inbox item).
    """
    buttons = message.get("buttons", ())
    return {
        "contact_id": message.get("contact_id"),
        "conversation_id": message.get("conversation_id"),
        "staff_member_id": message.get("staff_member_id"),
        "direction": Direction.OUT.value,
        "channel": message["channel"],
        "address": message["address"],
        "kind": message["kind"],
        "trigger": message["trigger"].value,
        "text": message["text"],
        "status": MessageStatus.QUEUED.value,
        "attempts": 0,
        "created_at": message["now"],
        "next_attempt_at": message["now"],
        "meta": json.dumps({"buttons": buttons}, ensure_ascii=False) if buttons else None,
    }


_MESSAGES: Table = SQLModel.metadata.tables["message"]


def note_queued(session: Session, address: str) -> None:
    """Note that this session queued to `address` (messages moved there count too)."""
    session.info.setdefault(_QUEUED_TO, {})[address] = None


def queued_addresses(session: Session) -> tuple[str, ...]:
    """The addresses this session queued messages to, in order: a webhook has them sent at once.

    The answer to a citizen and a notice to a staff member's phone or chat alike; read it in
    the unit of work, before it ends.
    """
    return tuple(session.info.get(_QUEUED_TO, {}))


def buttons_of(message: Message) -> Buttons:
    """Return the buttons stored with a message (none for most)."""
    if not message.meta:
        return ()
    rows = json.loads(message.meta).get("buttons", [])
    return tuple(tuple((str(label), str(data)) for label, data in row) for row in rows)


def record_inbound(
    *,
    session: Session,
    channel: str,
    address: str,
    text: str,
    provider_id: str,
    now: datetime,
    contact_id: int | None = None,
    conversation_id: int | None = None,
) -> int | None:
    """Store an inbound message once per provider id: its id, or None when it was seen before.

    The contact and conversation it belongs to, when known already, are written with it.
    """
    values = {
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "direction": Direction.IN.value,
        "channel": channel,
        "address": address,
        "kind": "reply",
        "trigger": Trigger.REPLY.value,
        "text": text,
        "status": MessageStatus.RECEIVED.value,
        "provider_id": provider_id,
        "attempts": 0,
        "created_at": now,
    }
    statement = _inbound_insert(session.get_bind().dialect.name)
    found: int | None = session.connection().execute(statement, values).scalar_one_or_none()
    return found


def link_inbound(
    *, session: Session, message_id: int, contact_id: int, conversation_id: int
) -> None:
    """Note whose conversation an inbound message turned out to belong to (a first message)."""
    session.connection().execute(
        update(_MESSAGES)
        .where(_MESSAGES.c.id == message_id)
        .values(contact_id=contact_id, conversation_id=conversation_id)
    )


def _inbound_insert(dialect: str) -> Any:
    """The INSERT … ON CONFLICT DO NOTHING RETURNING id of an inbound message, built once."""
    if dialect not in _INBOUND_INSERT:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        _INBOUND_INSERT[dialect] = (
            insert(_MESSAGES)
            .on_conflict_do_nothing(
                index_elements=["channel", "direction", "provider_id"],
                index_where=_MESSAGES.c.provider_id.is_not(None),
            )
            .returning(_MESSAGES.c.id)
        )
    return _INBOUND_INSERT[dialect]


_INBOUND_INSERT: dict[str, Any] = {}


def in_campaign_window(local: datetime) -> ColumnElement[bool]:
    """True for a message outside any campaign, or whose campaign's window is open at `local`.

    `local` is the claim's time in the campaigns' zone: its hour must lie in the campaign's hours
    and its date outside the campaign's blackouts. With the service's own window (working day,
    service hours), which the caller checks, that is exactly `CampaignWindow.is_open`.
    """
    blacked_out = exists().where(
        col(CampaignBlackout.campaign_id) == col(Campaign.id),
        col(CampaignBlackout.first_day) <= local.date(),
        col(CampaignBlackout.last_day) >= local.date(),
    )
    campaign_open = exists().where(
        col(Conversation.id) == col(Message.conversation_id),
        col(Campaign.id) == col(Conversation.campaign_id),
        col(Campaign.window_start_hour) <= local.hour,
        col(Campaign.window_end_hour) > local.hour,
        ~blacked_out,
    )
    return or_(col(Message.conversation_id).is_(None), campaign_open)


def claim_batch(
    *,
    session: Session,
    now: datetime,
    window_open: bool,
    limit: int,
    lease: timedelta,
    tz: ZoneInfo = COPENHAGEN,
    margin: timedelta = timedelta(0),
    address: str | None = None,
) -> Sequence[Message]:
    """Claim queued messages for sending; scheduled ones only while the window is open.

    With an `address`, only the messages to that address (the answer to what it just wrote).

    With a `margin`, a scheduled message is claimed only if its campaign's window stays open for
    at least `margin` (the caller checks the service's window likewise): one that could not
    reach the citizen before the window closes waits for the next opening.
    A message left in `sending` by a sender that died is claimed again once its lease is out.
    An opt-out without a channel holds everywhere; one with a channel (a Telegram chat gone)
    holds back only that channel's messages.
    """
    opted_out = exists().where(
        col(OptOut.contact_id) == col(Message.contact_id),
        col(OptOut.revoked_at).is_(None),
        or_(col(OptOut.channel).is_(None), col(OptOut.channel) == col(Message.channel)),
    )
    due = or_(
        col(Message.status).in_(CLAIMABLE) & (col(Message.next_attempt_at) <= now),
        (col(Message.status) == MessageStatus.SENDING) & (col(Message.claimed_at) < now - lease),
    )
    query = (
        select(Message)
        .where(col(Message.direction) == Direction.OUT, due)
        .where(~opted_out | col(Message.kind).in_(OPT_OUT_SAFE_KINDS))
        .order_by(col(Message.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if address is not None:
        query = query.where(col(Message.address) == address)
    # A scheduled message also waits for its campaign's window; replies go at any hour.
    reply = col(Message.trigger) == Trigger.REPLY
    if window_open:
        open_now = in_campaign_window(now.astimezone(tz))
        if margin:
            last = now + margin - timedelta(microseconds=1)  # open through the whole margin
            open_now = open_now & in_campaign_window(last.astimezone(tz))
        query = query.where(reply | open_now)
    else:
        query = query.where(reply)
    messages = session.scalars(query).all()
    for message in messages:
        message.status = MessageStatus.SENDING
        message.claimed_at = now
        message.attempts += 1
    return messages


def campaigns_of(*, session: Session, message_ids: Sequence[int]) -> dict[int, Campaign]:
    """Return the campaign behind each of these messages that has one, by message id."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(col(Message.id), Campaign)
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .join(Campaign, col(Campaign.id) == col(Conversation.campaign_id))
        .where(col(Message.id).in_(message_ids))
    ).all()
    return {message_id: campaign for message_id, campaign in rows}  # noqa: C416 (typed rows)


def cancel_pending_for_contact(*, session: Session, contact_id: int) -> int:
    """Withdraw every unsent message to a contact; return how many."""
    result = session.execute(
        update(Message)
        .where(
            col(Message.contact_id) == contact_id,
            col(Message.direction) == Direction.OUT,
            col(Message.status).in_(CLAIMABLE),
        )
        .values(status=MessageStatus.CANCELLED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def withdraw(*, session: Session, message_id: int) -> bool:
    """Withdraw a claimed message before it is handed over (its person opted out meanwhile)."""
    result = session.execute(
        update(Message)
        .where(col(Message.id) == message_id, col(Message.status) == MessageStatus.SENDING)
        .values(status=MessageStatus.CANCELLED)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def advance_status(
    *, session: Session, message: Message, status: MessageStatus, now: datetime
) -> bool:
    """Move a message's status forward; a late or repeated callback never moves it back.

    One conditional UPDATE: the database checks the rank on the row as it is now, not as this
    session read it, so a delivery report committed a moment ago (while the sender waited for the
    provider's answer) is never overwritten by the sender's "sent".
    """
    if status == MessageStatus.ERRORED:
        earlier: tuple[MessageStatus, ...] = (MessageStatus.SENDING,)
    else:
        earlier = tuple(s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status])
    changes: dict[str, object] = {"status": status}
    if status == MessageStatus.DELIVERED:
        changes["delivered_at"] = now
    result = session.execute(
        update(Message)
        .where(col(Message.id) == message.id, col(Message.status).in_(earlier))
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if int(result.rowcount) != 1:  # type: ignore[attr-defined]
        return False
    for name, value in changes.items():
        set_committed_value(message, name, value)  # written already: not dirty again
    return True


def by_provider_id(*, session: Session, channel: str, provider_id: str) -> Message | None:
    """Find an outbound message by the provider's id for it."""
    return session.scalars(
        select(Message).where(
            col(Message.channel) == channel,
            col(Message.direction) == Direction.OUT,
            col(Message.provider_id) == provider_id,
        )
    ).first()


def provider_ids_taken(*, session: Session, channel: str, provider_ids: Sequence[str]) -> set[str]:
    """Return which of these provider ids an outbound message of ours already carries."""
    found = session.scalars(
        select(col(Message.provider_id)).where(
            col(Message.channel) == channel,
            col(Message.direction) == Direction.OUT,
            col(Message.provider_id).in_(provider_ids),
        )
    ).all()
    return {provider_id for provider_id in found if provider_id is not None}


def for_contact(*, session: Session, contact_id: int) -> Sequence[Message]:
    """Return one contact's messages in time order."""
    return session.scalars(
        select(Message)
        .where(col(Message.contact_id) == contact_id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
