"""The console's own reads and writes: its sign-in sessions, and a few lists its forms offer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

from store.models import ApiKey, ConsoleSession, MonitoringRecord, Municipality, Partner


def add_session(
    *, session: Session, token_hash: str, api_key_id: int, now: datetime, expires_at: datetime
) -> ConsoleSession:
    """Store a new sign-in."""
    row = ConsoleSession(
        token_hash=token_hash, api_key_id=api_key_id, created_at=now, expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return row


def active_key(*, session: Session, token_hash: str, now: datetime) -> ApiKey | None:
    """Return the key behind a sign-in that is neither ended, expired nor of a revoked key."""
    return session.scalars(
        select(ApiKey)
        .join(ConsoleSession, col(ConsoleSession.api_key_id) == col(ApiKey.id))
        .where(
            col(ConsoleSession.token_hash) == token_hash,
            col(ConsoleSession.ended_at).is_(None),
            col(ConsoleSession.expires_at) > now,
            col(ApiKey.revoked_at).is_(None),
        )
    ).first()


def end_session(*, session: Session, token_hash: str, now: datetime) -> None:
    """Mark a sign-in as ended."""
    session.execute(
        update(ConsoleSession)
        .where(col(ConsoleSession.token_hash) == token_hash, col(ConsoleSession.ended_at).is_(None))
        .values(ended_at=now)
    )


def drop_finished(*, session: Session, api_key_id: int, now: datetime) -> None:
    """Delete a key's sign-ins that have ended or expired: they can never be used again."""
    session.execute(
        delete(ConsoleSession).where(
            col(ConsoleSession.api_key_id) == api_key_id,
            or_(col(ConsoleSession.ended_at).is_not(None), col(ConsoleSession.expires_at) <= now),
        )
    )


def municipality_name(*, session: Session, municipality_id: int | None) -> str | None:
    """Return a municipality's name, None for none."""
    if municipality_id is None:
        return None
    municipality = session.get(Municipality, municipality_id)
    return municipality.name if municipality else None


def partners(*, session: Session, municipality_id: int | None) -> Sequence[Partner]:
    """Return the partners a campaign of this municipality can use (all for None), by name."""
    query = select(Partner).order_by(col(Partner.name))
    if municipality_id is not None:
        query = query.where(
            or_(
                col(Partner.municipality_id) == municipality_id,
                col(Partner.municipality_id).is_(None),
            )
        )
    return session.scalars(query).all()


def record_of_booking(*, session: Session, booking_id: int) -> MonitoringRecord | None:
    """Return the monitoring record an attended booking's outcome wrote."""
    return session.scalars(
        select(MonitoringRecord).where(col(MonitoringRecord.booking_id) == booking_id)
    ).first()
