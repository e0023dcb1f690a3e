"""The audit log: who was shown or changed a citizen's personal data, written by each use case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlmodel import Session, col

from core.principal import Principal
from store.models import AuditEvent, Contact

CLI_ACTOR = "cli"
KEY_ACTOR = "api_key:"
READ = "citizen.read"  # personal data shown in an API answer
CONTACT = "contact"  # AuditEvent.subject_type of an entry about one citizen


def actor_of(principal: Principal) -> str:
    """Name an API key as the audit log does."""
    return f"{KEY_ACTOR}{principal.key_id}"


def record_reads(
    *, session: Session, actor: str, contact_ids: Iterable[int | None], now: datetime, detail: str
) -> None:
    """Log that these citizens' personal data was shown to `actor`; `detail` names the endpoint."""
    ids = sorted({i for i in contact_ids if i is not None})
    add_reads(session=session, actor=actor, action=READ, contact_ids=ids, now=now, detail=detail)


def record_reads_by_ref(
    *, session: Session, actor: str, public_ids: Iterable[str], now: datetime, detail: str
) -> None:
    """Log reads of the citizens with these pseudonyms."""
    refs = sorted(set(public_ids))
    found = (
        session.scalars(select(col(Contact.id)).where(col(Contact.public_id).in_(refs)))
        if refs
        else ()
    )
    ids = [i for i in found if i is not None]
    record_reads(session=session, actor=actor, contact_ids=ids, now=now, detail=detail)


def add_reads(
    *,
    session: Session,
    actor: str,
    action: str,
    contact_ids: Sequence[int],
    now: datetime,
    detail: str,
) -> None:
    """Write one audit entry per citizen whose personal data was shown."""
    if not contact_ids:
        return
    rows = [
        {
            "at": now,
            "actor": actor,
            "action": action,
            "subject_type": CONTACT,
            "subject_id": contact_id,
            "detail": detail,
        }
        for contact_id in contact_ids
    ]
    session.execute(insert(AuditEvent), rows)


def add_event(
    *, session: Session, actor: str, action: str, subject_type: str, now: datetime, detail: str
) -> None:
    """Write one audit entry about no particular row (an erasure, a retention run)."""
    session.add(
        AuditEvent(at=now, actor=actor, action=action, subject_type=subject_type, detail=detail)
    )
