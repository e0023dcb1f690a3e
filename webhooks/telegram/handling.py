"""One Telegram update, from the webhook or from long polling: processed once, then followed up.

`handle_update` runs in the caller's transaction: it records the update id (a repeat is not
processed again), links chats, runs the citizen's dialogue, records attendance. Messages go
into the outbox like every other message. Two things cannot wait for the sender and are not
messages: answering a button press and editing the message the button sits under. They come
back as `Action`s, carried out after the commit by `follow_up`, which also delivers the
outbox at once so that a chat on Telegram feels like a chat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from channels.port import Buttons, Channel, ChannelPermanentError, ChannelTemporaryError
from conversation.service import Dialogue
from core.calendar import SendWindow
from core.clock import Clock
from delivery import optout
from delivery.courier import ReplyCourier
from store import outbox
from store import telegram as telegram_store
from store.db import unit_of_work
from webhooks.telegram import chat as telegram_chat
from webhooks.telegram import staff as telegram_staff
from webhooks.telegram.common import Action, AnswerButton, EditMessage, TelegramSetup, audit
from webhooks.telegram.updates import (
    ButtonPress,
    ChatMembership,
    ChatText,
    Unreadable,
    read_update,
)

log = structlog.get_logger(__name__)


Status = Literal["processed", "duplicate", "ignored", "unreadable"]


@dataclass(frozen=True)
class Handled:
    """What became of one update."""

    status: Status
    actions: tuple[Action, ...] = field(default=())
    queued_to: tuple[str, ...] = ()  # addresses messages were queued to (`outbox.queue`)


@runtime_checkable
class BotActions(Protocol):
    """The Bot API calls that are not messages (the Telegram channel has them)."""

    def answer_callback(self, *, query_id: str, text: str) -> None: ...

    def edit_message(
        self, *, chat_id: str, message_id: int, text: str, buttons: Buttons
    ) -> None: ...


def handle_update(
    *, session: Session, dialogue: Dialogue, setup: TelegramSetup, raw: object, now: datetime
) -> Handled:
    """Process one update exactly once; return what must be done after the commit."""
    update = read_update(raw)
    if isinstance(update, Unreadable):
        log.warning("telegram.update_unreadable", problem=update.problem)
        return Handled("unreadable")
    if not telegram_store.record_update(
        session=session, update_id=update.update_id, kind=update.kind, now=now
    ):
        log.info("telegram.update_duplicate", update_id=update.update_id)
        return Handled("duplicate")
    log.info("telegram.update", update_id=update.update_id, kind=update.kind)
    match update.event:
        case ChatText() as text:
            telegram_chat.on_text(
                session=session, dialogue=dialogue, setup=setup, event=text, now=now
            )
            return Handled("processed")
        case ButtonPress() as press:
            actions = telegram_staff.on_press(
                session=session, dialogue=dialogue, setup=setup, event=press, now=now
            )
            return Handled("processed", actions)
        case ChatMembership() as membership:
            on_membership(session=session, event=membership, now=now)
            return Handled("processed")
    return Handled("ignored")


def on_membership(*, session: Session, event: ChatMembership, now: datetime) -> None:
    """A user blocked the bot or started it again.

    A citizen who blocks the bot is opted out of everything, in this transaction. Starting the
    bot again does not lift that: only the citizen's own START does (`telegram_chat`).
    """
    staff = telegram_store.staff_by_chat(session=session, chat_id=event.chat_id)
    if staff is not None and event.blocked:
        staff.channel, staff.address = "console", ""
        telegram_store.cancel_pending_to_chat(session=session, chat_id=event.chat_id)
        audit(session=session, action="staff.telegram_blocked", staff_id=staff.id, now=now)
    contact = telegram_store.contact_by_chat(session=session, chat_id=event.chat_id)
    if contact is None or contact.id is None:
        return
    if event.blocked:
        optout.opt_out_blocked_bot(
            session=session, contact_id=contact.id, chat_id=event.chat_id, source="blocked", now=now
        )
    else:
        # The chat works again: lifts only an opt-out of Telegram alone (a chat that was gone).
        telegram_store.revoke_telegram_opt_out(session=session, contact_id=contact.id, now=now)
    log.info("telegram.citizen_membership", blocked=event.blocked)


class TelegramServices(Protocol):
    """What the webhook and the poller use of the composition root's runtime."""

    engine: Engine
    clock: Clock
    window: SendWindow
    dialogue: Dialogue
    channels: Mapping[str, Channel]
    courier: ReplyCourier


def process_update(
    *,
    services: TelegramServices,
    setup: TelegramSetup,
    raw: object,
    busy_timeout_ms: int | None = None,
) -> Handled:
    """Handle one update in its own unit of work.

    The webhook waits `busy_timeout_ms` at most for a busy store (`webhooks.busy`); past it the
    unit of work is rolled back and OperationalError raised, with nothing of the update kept.
    Polling has no one waiting for an answer and keeps the usual wait.
    """
    with unit_of_work(services.engine, busy_timeout_ms=busy_timeout_ms) as session:
        handled = handle_update(
            session=session,
            dialogue=services.dialogue,
            setup=setup,
            raw=raw,
            now=services.clock.now(),
        )
        return replace(handled, queued_to=outbox.queued_addresses(session))


def follow_up(*, services: TelegramServices, handled: Handled) -> list[Future[None]]:
    """After the commit: answer buttons, edit forms, and have what the update queued sent.

    The messages are sent by the process's reply courier, in its own threads, to exactly the
    addresses this update queued to (the citizen's chat, a staff member's phone or chat): a
    Telegram update never sends anyone else's messages, nor waits for an SMS rate limit. Each
    future is done once its address was tried; what was not sent waits in the outbox for the
    tick. Never raises.
    """
    bot = services.channels.get("telegram")
    if isinstance(bot, BotActions):
        carry_out(handled.actions, bot=bot)
    return [services.courier.notify(address=address) for address in handled.queued_to]


def carry_out(actions: Sequence[Action], *, bot: BotActions) -> None:
    """Make the Bot API calls; a failure is logged, the staff member can press again."""
    for action in actions:
        try:
            match action:
                case AnswerButton(query_id=query_id, text=text):
                    bot.answer_callback(query_id=query_id, text=text)
                case EditMessage(chat_id=chat_id, message_id=message_id, text=text, buttons=rows):
                    bot.edit_message(
                        chat_id=chat_id, message_id=message_id, text=text, buttons=rows
                    )
        except (ChannelTemporaryError, ChannelPermanentError) as error:
            log.warning("telegram.action_failed", action=type(action).__name__, reason=str(error))
