"""Telegram updates as the service understands them, read from the Bot API's JSON.

Only the fields the service uses are read; everything else in an update is ignored, so a new
Bot API version does not break the intake. What cannot be read is `Unreadable`, and the
caller answers it with a 200 so that Telegram does not redeliver it forever.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PRIVATE = "private"
# my_chat_member statuses: the user blocked the bot, or started it (again).
BLOCKED = "kicked"
STARTED = "member"
# Telegram's ids have at most 52 significant bits; anything larger is not from Telegram.
ID_LIMIT = 2**53


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Chat(_Lenient):
    id: int = Field(ge=-ID_LIMIT, le=ID_LIMIT)
    type: str


class _Message(_Lenient):
    message_id: int = Field(ge=0, le=ID_LIMIT)
    chat: _Chat
    text: str | None = None


class _CallbackQuery(_Lenient):
    id: str
    message: _Message | None = None  # absent for inline-mode messages, which the bot never has
    data: str | None = None


class _ChatMember(_Lenient):
    status: str


class _ChatMemberUpdated(_Lenient):
    chat: _Chat
    new_chat_member: _ChatMember


class _Update(_Lenient):
    update_id: int = Field(ge=0, le=ID_LIMIT)
    message: _Message | None = None
    callback_query: _CallbackQuery | None = None
    my_chat_member: _ChatMemberUpdated | None = None


@dataclass(frozen=True)
class ChatText:
    """Someone wrote text to the bot in a private chat."""

    chat_id: str
    message_id: int
    text: str


@dataclass(frozen=True)
class ButtonPress:
    """Someone pressed a button under one of the bot's messages."""

    query_id: str
    chat_id: str
    message_id: int
    data: str


@dataclass(frozen=True)
class ChatMembership:
    """A user blocked the bot (`blocked`) or started it again."""

    chat_id: str
    blocked: bool


@dataclass(frozen=True)
class Other:
    """An update the service has no use for (a photo, an edit, a group, …)."""


Event = ChatText | ButtonPress | ChatMembership | Other


@dataclass(frozen=True)
class Update:
    """An update's id and what it means."""

    update_id: int
    kind: str
    event: Event


@dataclass(frozen=True)
class Unreadable:
    """A body that is not a Telegram update."""

    problem: str


def read_update(raw: object) -> Update | Unreadable:
    """Read one update; anything that is not an update becomes `Unreadable`."""
    if not isinstance(raw, dict):
        return Unreadable("not a JSON object")
    try:
        update = _Update.model_validate(raw)
    except ValidationError as error:
        return Unreadable(f"{error.error_count()} invalid fields")
    kind = next((key for key in raw if key != "update_id"), "none")
    return Update(update_id=update.update_id, kind=str(kind), event=_event(update))


def _event(update: _Update) -> Event:
    message, query, member = update.message, update.callback_query, update.my_chat_member
    if message is not None and message.chat.type == PRIVATE and message.text:
        return ChatText(str(message.chat.id), message.message_id, message.text)
    if query is not None and query.message is not None and query.data:
        chat_id = str(query.message.chat.id)
        return ButtonPress(query.id, chat_id, query.message.message_id, query.data)
    if member is not None and member.chat.type == PRIVATE:
        status = member.new_chat_member.status
        if status in (BLOCKED, STARTED):
            return ChatMembership(str(member.chat.id), blocked=status == BLOCKED)
    return Other()
