"""A citizen's erasure on request or after the retention period, in one transaction.

Services never commit: the caller's unit of work holds the whole erasure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session

from booking import bookings
from core.calendar import local
from core.pseudonyms import Pseudonymizer
from privacy import repository, scope
from privacy.erasure import erase_rows
from privacy.partial import erase_own_rows, own_booking_ids
from privacy.schemas import ErasurePublic
from store import audit
from store.models import Contact

ERASE = "citizen.erase"
# To staff when an erased citizen held a slot: the slot is free, and the notice names nobody.
ERASED_BOOKING = (
    "Aflyst: {when}, {where}. Borgeren har bedt om at få sine oplysninger slettet, "
    "så tiden er ledig igen."
)


class ErasureReason(StrEnum):
    REQUEST = "request"  # the citizen asked
    RETENTION = "retention"  # past the retention period


def erase_citizen(
    *,
    session: Session,
    contact: Contact | None,
    phone: str | None,
    pseudonymizer: Pseudonymizer,
    actor: str,
    now: datetime,
    reason: ErasureReason = ErasureReason.REQUEST,
    municipality_id: int | None = None,
) -> ErasurePublic:
    """Hard-delete everything about a citizen (or a number never on a list) in one transaction.

    Erased on request, the number stays on the suppression list as a keyed hash; erased after the
    retention period, only if the person had opted out. Either way a re-imported list never
    texts someone who said STOP. A key limited to a municipality erases the whole person only if
    no other municipality holds them; else only its own part (privacy.partial), and the contact
    stays, unsuppressed, for the other.
    """
    if contact is not None and contact.id is not None:
        # Before anything is read: a dialogue step in flight finishes first (its booking too).
        repository.lock_conversations(session=session, contact_id=contact.id)
    if contact is not None and municipality_id is not None:
        shared = session.scalar(select(scope.held_elsewhere(contact, municipality_id)))
        if shared:
            return _erase_own_part(
                session=session,
                contact=contact,
                municipality_id=municipality_id,
                actor=actor,
                now=now,
            )
    contacts = [contact] if contact is not None else []
    ids = [c.id for c in contacts if c.id is not None]
    phones = sorted({*(c.phone for c in contacts), *([phone] if phone else [])})
    addresses = sorted({*phones, *repository.addresses(session=session, contacts=contacts)})
    opted_out = repository.is_opted_out(session=session, contact_ids=ids, addresses=addresses)
    _tell_staff_of_bookings_ahead(session=session, contact_ids=ids, now=now)
    counts = erase_rows(session=session, contacts=contacts, addresses=addresses)
    suppress = reason is ErasureReason.REQUEST or opted_out
    if suppress:
        key_reason = "erased_on_request" if reason is ErasureReason.REQUEST else "opted_out"
        for number in phones:
            repository.suppress(
                session=session,
                key=pseudonymizer.suppression_key(number),
                reason=key_reason,
                now=now,
            )
    erased = any(counts.values())
    audit.add_event(
        session=session,
        actor=actor,
        action=ERASE,
        subject_type="citizen",
        now=now,
        detail=f"{reason.value}: {describe(counts)}",
    )
    return ErasurePublic(erased=erased, deleted=counts, suppressed=suppress)


def _erase_own_part(
    *, session: Session, contact: Contact, municipality_id: int, actor: str, now: datetime
) -> ErasurePublic:
    """Erase what one municipality processed about a citizen another municipality holds."""
    assert contact.id is not None
    addresses = repository.addresses(session=session, contacts=[contact])
    own = own_booking_ids(session=session, contact=contact, municipality_id=municipality_id)
    _tell_staff_of_bookings_ahead(session=session, contact_ids=[contact.id], now=now, only=own)
    counts = erase_own_rows(
        session=session, contact=contact, addresses=addresses, municipality_id=municipality_id
    )
    audit.add_event(
        session=session,
        actor=actor,
        action=ERASE,
        subject_type="citizen",
        now=now,
        detail=f"{ErasureReason.REQUEST.value}, this municipality's part: {describe(counts)}",
    )
    return ErasurePublic(
        erased=any(counts.values()), deleted=counts, suppressed=False, held_elsewhere=True
    )


def _tell_staff_of_bookings_ahead(
    *,
    session: Session,
    contact_ids: Sequence[int],
    now: datetime,
    only: Sequence[int] | None = None,
) -> None:
    """Tell staff that a conversation they were to hold is off, without saying with whom."""
    for slot, location, staff in repository.bookings_ahead(
        session=session, contact_ids=contact_ids, now=now, booking_ids=only
    ):
        when = local(slot.starts_at)
        text = ERASED_BOOKING.format(when=f"{when:%d.%m.%Y kl. %H.%M}", where=location.name)
        bookings.notify_staff(
            session=session, staff=staff, kind="staff_cancellation", text=text, now=now
        )


def describe(counts: dict[str, int]) -> str:
    """Say what was deleted, e.g. "1 contacts, 12 messages"; counts only, nothing personal."""
    done = [f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items() if count]
    return ", ".join(done) or "nothing held"
