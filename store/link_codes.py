"""One-time codes that link a Telegram chat to a staff member or a citizen; only hashes stored.

A code is eight characters from an alphabet without look-alikes (no 0/O, 1/I), about 40 bits:
enough against guessing through the bot for the weeks a code lives, short enough to type from
an SMS. The plain code is returned once, to be shown or sent, and never stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col

from store.models import LinkCode

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
STAFF_CODE_TTL = timedelta(hours=24)
# A citizen's code rides on the invitation; it lives as long as a campaign's reminders do.
CITIZEN_CODE_TTL = timedelta(days=60)
_SEPARATORS = re.compile(r"[\s\-]+")
_CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


class LinkKind(StrEnum):
    """Who a code links: a staff member or a citizen (contact)."""

    STAFF = "staff"
    CITIZEN = "citizen"


def normalize(text: str) -> str:
    """Upper-case a typed code and drop spaces and dashes ("k7m3-q9tx" → "K7M3Q9TX")."""
    return _SEPARATORS.sub("", text).upper()


def looks_like_code(text: str) -> bool:
    """Tell whether a text is shaped like a code, so it is worth looking up."""
    return bool(_CODE.fullmatch(normalize(text)))


def hash_code(code: str) -> str:
    """Hash a code as it is stored."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def issue(
    *, session: Session, kind: LinkKind, target_id: int, now: datetime, ttl: timedelta
) -> tuple[LinkCode, str]:
    """Create a code and return its row with the plain code, which is not stored."""
    plain = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    row = LinkCode(
        kind=kind,
        target_id=target_id,
        code_hash=hash_code(plain),
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    session.flush()
    return row, plain


def link_code_for_contact(
    *, session: Session, contact_id: int, now: datetime, ttl: timedelta = CITIZEN_CODE_TTL
) -> str:
    """Return a fresh code a citizen can give the Telegram bot to continue there."""
    _, plain = issue(session=session, kind=LinkKind.CITIZEN, target_id=contact_id, now=now, ttl=ttl)
    return plain


def redeem(*, session: Session, code: str, now: datetime) -> LinkCode | None:
    """Use a code once; None if it is unknown, expired or used (the caller says no more)."""
    used_id = session.execute(
        update(LinkCode)
        .where(
            col(LinkCode.code_hash) == hash_code(code),
            col(LinkCode.used_at).is_(None),
            col(LinkCode.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(LinkCode.id))
    ).scalar_one_or_none()
    return None if used_id is None else session.get(LinkCode, used_id)


def start_link(*, bot_username: str, code: str) -> str:
    """Return the t.me link that opens the bot and sends it `/start CODE`."""
    return f"https://t.me/{bot_username.removeprefix('@')}?start={code}"
