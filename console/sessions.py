"""Signing in to the console with an API key: a session row, its cookie and its CSRF token.

The cookie carries a random token; the store keeps only its SHA-256, like the keys themselves.
Every request checks the session and its key again, so a revoked key signs its sessions out at
once. The CSRF token is an HMAC of the session's token: only a page the session loaded has it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlmodel import Session

from console import repository
from core.principal import Principal, Role, hash_key
from store.keys import authenticate

log = structlog.get_logger(__name__)

LIFETIME = timedelta(hours=10)  # a working day; then sign in again
MAX_KEY_LENGTH = 200  # a key is 47 characters; anything far longer is not one


@dataclass(frozen=True)
class ConsoleUser:
    """Who is signed in: the key's role and scope, and the token that protects their forms."""

    principal: Principal
    csrf: str
    key_prefix: str
    municipality: str | None  # the name of the key's municipality; None: all

    @property
    def role(self) -> Role:
        return self.principal.role


def csrf_token(token: str) -> str:
    """Return the CSRF token that belongs to a session token."""
    return hmac.new(token.encode(), b"recruitbot-console-csrf", hashlib.sha256).hexdigest()


def sign_in(*, session: Session, key: str, now: datetime) -> tuple[ConsoleUser, str] | None:
    """Start a session for a valid key; return the user and the cookie's token, or None."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    principal = authenticate(session=session, plain=key)
    if principal is None:
        log.info("console.sign_in_refused")
        return None
    repository.drop_finished(session=session, api_key_id=principal.key_id, now=now)
    token = secrets.token_urlsafe(32)
    repository.add_session(
        session=session,
        token_hash=hash_key(token),
        api_key_id=principal.key_id,
        now=now,
        expires_at=now + LIFETIME,
    )
    log.info("console.signed_in", key_id=principal.key_id, role=principal.role.value)
    user = signed_in(session=session, token=token, now=now)
    assert user is not None
    return user, token


def signed_in(*, session: Session, token: str, now: datetime) -> ConsoleUser | None:
    """Return who a session token belongs to, or None if it is unknown, ended or expired."""
    if not token or len(token) > MAX_KEY_LENGTH:
        return None
    key = repository.active_key(session=session, token_hash=hash_key(token), now=now)
    if key is None or key.id is None:
        return None
    principal = Principal(key_id=key.id, role=Role(key.role), municipality_id=key.municipality_id)
    return ConsoleUser(
        principal=principal,
        csrf=csrf_token(token),
        key_prefix=key.prefix,
        municipality=repository.municipality_name(
            session=session, municipality_id=key.municipality_id
        ),
    )


def sign_out(*, session: Session, token: str, now: datetime) -> None:
    """End a session; its cookie no longer signs anyone in."""
    repository.end_session(session=session, token_hash=hash_key(token), now=now)
    log.info("console.signed_out")
