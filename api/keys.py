"""Admin API keys: shown once, stored as a hash, scoped to a role and a municipality."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import ApiKey

KEY_PREFIX = "rbk_"


class Role(StrEnum):
    """What a key may do."""

    COORDINATOR = "coordinator"  # member lists, campaigns, slots
    STAFF = "staff"  # their bookings and outcomes
    EVALUATOR = "evaluator"  # reports, read-only


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's role and the municipality it is limited to (None: all)."""

    key_id: int
    role: Role
    municipality_id: int | None

    def sees(self, municipality_id: int | None) -> bool:
        """Tell whether this key may see an object of that municipality."""
        return self.municipality_id is None or self.municipality_id == municipality_id


def hash_key(key: str) -> str:
    """Hash a key; keys are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


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
