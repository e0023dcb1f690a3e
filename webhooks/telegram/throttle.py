"""Wrong link codes are throttled per chat and across all chats, counted from the outbox.

Every wrong code is answered (`BAD_CODE_KIND`), so the outbox already holds the count, shared by
every process on the store. A chat that gave `PER_CHAT` wrong codes in `WINDOW` is told once to
wait, and its codes are not looked up until the window has passed; when all chats together gave
`ALL_CHATS` wrong codes in the window (a wrong code names no one, so the target is every live
code), codes are not looked up for anyone until it has passed. A code has 40 bits: at these
rates guessing one of even 100,000 live codes takes centuries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from store.models import Message
from store.telegram import TELEGRAM

BAD_CODE_KIND = "telegram_bad_code"
THROTTLED_KIND = "telegram_throttled"
WINDOW = timedelta(minutes=10)
PER_CHAT = 5
ALL_CHATS = 200


def _count(session: Session, *, kind: str, since: datetime, chat_id: str | None) -> int:
    statement = select(func.count()).where(
        col(Message.channel) == TELEGRAM,
        col(Message.kind) == kind,
        col(Message.created_at) >= since,
    )
    if chat_id is not None:
        statement = statement.where(col(Message.address) == chat_id)
    return int(session.scalar(statement) or 0)


def throttled(*, session: Session, chat_id: str, now: datetime) -> bool:
    """Tell whether this chat may not try a code now."""
    since = now - WINDOW
    mine = _count(session, kind=BAD_CODE_KIND, since=since, chat_id=chat_id)
    return (
        mine >= PER_CHAT
        or _count(session, kind=BAD_CODE_KIND, since=since, chat_id=None) >= ALL_CHATS
    )


def told_to_wait(*, session: Session, chat_id: str, now: datetime) -> bool:
    """Tell whether this chat was already told to wait in this window."""
    return _count(session, kind=THROTTLED_KIND, since=now - WINDOW, chat_id=chat_id) > 0
