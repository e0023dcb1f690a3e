"""Opt-outs in force: the lookup every send and every invitation asks, and lifting them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlmodel import Session, col

from store.models import OptOut


def in_force(*, session: Session, contact_id: int) -> bool:
    """Tell whether the contact has an opt-out of everything in force."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    col(OptOut.contact_id) == contact_id,
                    col(OptOut.revoked_at).is_(None),
                    col(OptOut.channel).is_(None),
                )
            )
        )
    )


def revoke(*, session: Session, contact_id: int, now: datetime) -> None:
    """Lift the contact's opt-outs of everything; a chat that was gone stays gone."""
    session.execute(
        update(OptOut)
        .where(
            col(OptOut.contact_id) == contact_id,
            col(OptOut.revoked_at).is_(None),
            col(OptOut.channel).is_(None),  # a chat that was gone comes back by starting the bot
        )
        .values(revoked_at=now)
    )
