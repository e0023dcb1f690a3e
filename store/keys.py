"""Admin API keys: shown once, stored as a hash, scoped to a role and a municipality."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from core.principal import Principal, Role, hash_key
from store.models import ApiKey

KEY_PREFIX = "rbk_"


def create_key(
    *, session: Session, role: Role, municipality_id: int | None, name: str, now: datetime
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plain text, which is never stored."""
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=plain[:12],
        key_hash=hash_key(plain),
        role=role,
        municipality_id=municipality_id,
        created_at=now,
    )
    session.add(key)
    session.flush()
    return key, plain


def authenticate(*, session: Session, plain: str) -> Principal | None:
    """Return who holds this key, or None for an unknown or revoked key."""
    key = session.scalars(
        select(ApiKey).where(
            col(ApiKey.key_hash) == hash_key(plain), col(ApiKey.revoked_at).is_(None)
        )
    ).first()
    if key is None or key.id is None:
        return None
    return Principal(key_id=key.id, role=Role(key.role), municipality_id=key.municipality_id)


def list_keys(*, session: Session) -> Sequence[ApiKey]:
    """Return every key, newest first."""
    return session.scalars(select(ApiKey).order_by(col(ApiKey.id).desc())).all()


def revoke(*, session: Session, key_id: int, now: datetime) -> bool:
    """Revoke a key; return False if there is no such active key."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = now
    return True
