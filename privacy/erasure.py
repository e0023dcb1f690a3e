"""The deletes of an erasure: every row about the citizens, in one transaction, children first.

All SQL of an erasure lives here. The monitoring record of a health check is not deleted but
de-linked (no booking, a fresh random key), so the evaluation's suppressed tables still add up.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import ColumnElement, Engine, and_, delete, false, or_, select, update
from sqlmodel import Session, col

from privacy.repository import about, citizen_messages, opt_outs_of, staff_notices_about
from store.link_codes import LinkKind
from store.models import (
    AuditEvent,
    Booking,
    Contact,
    ContactChannel,
    Conversation,
    FollowUp,
    InboxItem,
    Invitation,
    LinkCode,
    Membership,
    Message,
    MonitoringRecord,
    OptOut,
    ProviderCallback,
    Reminder,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class _Subject:
    """The ids an erasure needs, read before anything is deleted."""

    contacts: list[int]
    addresses: Sequence[str]
    bookings: list[int]
    conversations: list[int]
    messages: list[int]
    staff_notices: int

    @classmethod
    def load(
        cls, session: Session, contacts: Sequence[Contact], addresses: Sequence[str]
    ) -> _Subject:
        ids = [c.id for c in contacts if c.id is not None]
        notices = staff_notices_about(contacts)
        said = citizen_messages(ids, addresses)
        return cls(
            contacts=ids,
            addresses=addresses,
            bookings=ids_of(
                session, select(col(Booking.id)).where(col(Booking.contact_id).in_(ids))
            ),
            conversations=ids_of(
                session, select(col(Conversation.id)).where(col(Conversation.contact_id).in_(ids))
            ),
            messages=ids_of(session, select(col(Message.id)).where(or_(said, notices))),
            staff_notices=len(ids_of(session, select(col(Message.id)).where(notices))),
        )


def _steps(s: _Subject) -> list[tuple[str, type[Any], ColumnElement[bool]]]:
    """What to delete, in an order no foreign key objects to."""
    ids, bookings, conversations = s.contacts, s.bookings, s.conversations
    citizen_codes = and_(col(LinkCode.kind) == LinkKind.CITIZEN, col(LinkCode.target_id).in_(ids))
    return [
        ("provider_callbacks", ProviderCallback, _callbacks(s.messages, s.addresses)),
        (
            "follow_ups",
            FollowUp,
            or_(
                col(FollowUp.booking_id).in_(bookings),
                col(FollowUp.conversation_id).in_(conversations),
            ),
        ),
        (
            "reminders",
            Reminder,
            or_(
                col(Reminder.booking_id).in_(bookings),
                col(Reminder.conversation_id).in_(conversations),
            ),
        ),
        ("invitations", Invitation, col(Invitation.contact_id).in_(ids)),
        (
            "inbox_items",
            InboxItem,
            or_(
                col(InboxItem.contact_id).in_(ids),
                col(InboxItem.address).in_(s.addresses),  # wrote first, before on any list
                col(InboxItem.conversation_id).in_(conversations),
                col(InboxItem.booking_id).in_(bookings),
            ),
        ),
        ("messages", Message, col(Message.id).in_(s.messages)),
        ("bookings", Booking, col(Booking.id).in_(bookings)),
        ("conversations", Conversation, col(Conversation.id).in_(conversations)),
        ("memberships", Membership, col(Membership.contact_id).in_(ids)),
        ("opt_outs", OptOut, opt_outs_of(ids, s.addresses)),
        ("contact_channels", ContactChannel, col(ContactChannel.contact_id).in_(ids)),
        ("link_codes", LinkCode, citizen_codes),
        ("audit_entries", AuditEvent, about(contact_ids=ids, booking_ids=bookings)),
        ("contacts", Contact, col(Contact.id).in_(ids)),
    ]


def erase_rows(
    *, session: Session, contacts: Sequence[Contact], addresses: Sequence[str]
) -> dict[str, int]:
    """Delete every row about these citizens (and their addresses); return counts by kind."""
    subject = _Subject.load(session, contacts, addresses)
    counts = {"monitoring_records_delinked": _delink(session, contacts, subject.bookings)}
    for name, model, condition in _steps(subject):
        counts[name] = delete_where(session, model, condition)
    # Staff notices are messages too; they are counted once, under their own name.
    counts["messages"] -= subject.staff_notices
    counts["staff_notices"] = subject.staff_notices
    return counts


def ids_of(session: Session, statement: Any) -> list[int]:
    """Run a select of ids; return them, nulls left out."""
    return [i for i in session.scalars(statement) if i is not None]


def delete_where(session: Session, model: type[Any], condition: Any) -> int:
    """Delete the rows of a model that meet the condition; return how many."""
    result = session.execute(
        delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _callbacks(message_ids: Sequence[int], addresses: Sequence[str]) -> Any:
    """Delivery reports of the messages, and unmatched ones that name the citizen's number."""
    unmatched = and_(
        col(ProviderCallback.message_id).is_(None),
        or_(false(), *(col(ProviderCallback.raw).contains(a, autoescape=True) for a in addresses)),
    )
    return or_(col(ProviderCallback.message_id).in_(message_ids), unmatched)


def _delink(session: Session, contacts: Sequence[Contact], booking_ids: Sequence[int]) -> int:
    """Cut the monitoring records loose from the citizens: no booking, a key nobody can link."""
    keys = [c.public_id for c in contacts]
    records = ids_of(
        session,
        select(col(MonitoringRecord.id)).where(
            or_(
                col(MonitoringRecord.booking_id).in_(booking_ids),
                col(MonitoringRecord.citizen_key).in_(keys),
            )
        ),
    )
    return delink(session, records)


def delink(session: Session, record_ids: Sequence[int]) -> int:
    """Give these monitoring records no booking and a fresh random key; return how many."""
    for record_id in record_ids:
        session.execute(
            update(MonitoringRecord)
            .where(col(MonitoringRecord.id) == record_id)
            .values(booking_id=None, citizen_key=random_citizen_key())
        )
    return len(record_ids)


def random_citizen_key() -> str:
    """Return a monitoring key that stands for nobody: random, unlike a pseudonym ("c-…")."""
    return "x-" + secrets.token_hex(8)


def purge_freed_space(engine: Engine) -> None:
    """After an erasure has committed, rebuild the SQLite file and empty its write-ahead log.

    secure_delete (store.db) zeroes a deleted row where it stands, but SQLite leaves stale copies
    of rows it once moved between pages in their pages' unused space: only VACUUM, which writes
    the file anew from the live rows, removes those. The checkpoint then moves the new pages into
    the file and truncates the -wal file, which held the old ones. PostgreSQL is left to its
    autovacuum: deleted rows are unreachable at once (docs/privacy.md says what remains on disk).
    """
    if engine.dialect.name != "sqlite":
        return
    # The raw connection runs in autocommit (store.db): neither statement can run in a transaction.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("VACUUM")
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    if busy:
        log.warning("privacy.checkpoint_busy")


def sweep_unlinked(*, session: Session, before: datetime) -> tuple[dict[str, int], list[str]]:
    """Delete old rows that name no contact but may name a person; return counts and numbers.

    That is messages from numbers on no list, notices to staff, raw delivery reports, opt-outs
    from numbers on no list (their numbers come back, to be kept as suppression keys), and inbox
    items about a number on no list that wrote first.
    """
    stale_messages = and_(col(Message.contact_id).is_(None), col(Message.created_at) < before)
    stale_opt_outs = and_(col(OptOut.contact_id).is_(None), col(OptOut.created_at) < before)
    stale_items = and_(
        col(InboxItem.contact_id).is_(None),
        col(InboxItem.address).is_not(None),
        col(InboxItem.created_at) < before,
    )
    numbers = sorted(
        set(
            session.scalars(
                select(col(OptOut.address)).where(
                    stale_opt_outs, col(OptOut.revoked_at).is_(None), col(OptOut.channel).is_(None)
                )
            )
        )
    )
    old_reports = or_(
        col(ProviderCallback.received_at) < before,
        col(ProviderCallback.message_id).in_(select(col(Message.id)).where(stale_messages)),
    )
    counts = {
        "provider_callbacks": delete_where(session, ProviderCallback, old_reports),
        "messages": delete_where(session, Message, stale_messages),
        "opt_outs": delete_where(session, OptOut, stale_opt_outs),
        "inbox_items": delete_where(session, InboxItem, stale_items),
    }
    return counts, [n for n in numbers if n.startswith("+")]
