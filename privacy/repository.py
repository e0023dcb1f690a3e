"""The reads behind an export, the access log, the suppression list and daily job claims."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from store.audit import CONTACT
from store.bulk import among
from store.models import (
    ApiKey,
    AuditEvent,
    Booking,
    Campaign,
    Contact,
    ContactChannel,
    Conversation,
    DailyJob,
    FollowUp,
    Invitation,
    Location,
    Membership,
    Message,
    Municipality,
    OptOut,
    Reminder,
    Slot,
    StaffMember,
    Suppression,
)
from store.types import BookingStatus, DueStatus

BOOKING = "booking"


def contact_by_ref(*, session: Session, public_id: str) -> Contact | None:
    """Find a contact by its pseudonym."""
    return session.scalars(select(Contact).where(col(Contact.public_id) == public_id)).first()


def contact_by_phone(*, session: Session, phone: str) -> Contact | None:
    """Find a contact by E.164 phone number."""
    return session.scalars(select(Contact).where(col(Contact.phone) == phone)).first()


def contact_ids_by_ref(*, session: Session, public_ids: Iterable[str]) -> list[int]:
    """Return the ids of the contacts with these pseudonyms."""
    refs = sorted(set(public_ids))
    if not refs:
        return []
    ids = session.scalars(select(col(Contact.id)).where(col(Contact.public_id).in_(refs)))
    return [i for i in ids if i is not None]


def belongs_to(*, session: Session, contact: Contact, municipality_id: int) -> bool:
    """Tell whether a citizen is the municipality's: living there, or in one of its campaigns."""
    if contact.municipality_id == municipality_id:
        return True
    in_campaign = exists().where(
        col(Campaign.municipality_id) == municipality_id,
        or_(
            exists().where(
                col(Invitation.campaign_id) == col(Campaign.id),
                col(Invitation.contact_id) == contact.id,
            ),
            exists().where(
                col(Conversation.campaign_id) == col(Campaign.id),
                col(Conversation.contact_id) == contact.id,
            ),
        ),
    )
    return bool(session.scalar(select(in_campaign)))


def about(*, contact_ids: Sequence[int], booking_ids: Sequence[int]) -> ColumnElement[bool]:
    """The audit entries about these citizens or their bookings."""
    return or_(
        and_(col(AuditEvent.subject_type) == CONTACT, col(AuditEvent.subject_id).in_(contact_ids)),
        and_(col(AuditEvent.subject_type) == BOOKING, col(AuditEvent.subject_id).in_(booking_ids)),
    )


def access_log(
    *, session: Session, contact_id: int, booking_ids: Sequence[int]
) -> Sequence[AuditEvent]:
    """Return every audit entry about a citizen, oldest first."""
    return session.scalars(
        select(AuditEvent)
        .where(about(contact_ids=[contact_id], booking_ids=booking_ids))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()


def api_keys(*, session: Session, key_ids: Iterable[int]) -> dict[int, tuple[ApiKey, str | None]]:
    """Return keys by id, each with the name of the municipality it is limited to."""
    ids = sorted(set(key_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ApiKey, col(Municipality.name))
        .outerjoin(Municipality, col(Municipality.id) == col(ApiKey.municipality_id))
        .where(col(ApiKey.id).in_(ids))
    ).all()
    return {key.id: (key, place) for key, place in rows if key.id is not None}


def lock_conversations(*, session: Session, contact_id: int) -> None:
    """Take the row locks a dialogue step takes on a citizen's conversations, in id order.

    A step in flight (a booking, say) finishes first, and what it wrote is then read and erased
    with the rest; a step that comes later waits, and then finds no conversation. Without the
    lock, a booking committed between the erasure's reads and its deletes still referred to a
    conversation being deleted (PostgreSQL; SQLite's write lock serialises the two anyway).
    """
    session.execute(
        select(col(Conversation.id))
        .where(col(Conversation.contact_id) == contact_id)
        .order_by(col(Conversation.id))
        .with_for_update()
    )


def addresses(*, session: Session, contacts: Sequence[Contact]) -> list[str]:
    """Return where these citizens write from: their phones and linked chats."""
    ids = [c.id for c in contacts if c.id is not None]
    chats = session.scalars(
        select(col(ContactChannel.address)).where(col(ContactChannel.contact_id).in_(ids))
    ).all()
    return sorted({*(c.phone for c in contacts), *chats})


def citizen_messages(contact_ids: Sequence[int], addresses: Sequence[str]) -> ColumnElement[bool]:
    """Messages to and from these citizens, those from before their number was known included."""
    from_unknown = and_(
        col(Message.contact_id).is_(None),
        col(Message.staff_member_id).is_(None),
        col(Message.address).in_(addresses),
    )
    return or_(col(Message.contact_id).in_(contact_ids), from_unknown)


def staff_notices_about(contacts: Sequence[Contact]) -> ColumnElement[bool]:
    """Notices to staff that name these citizens: each carries "(ref. pseudonym)" and the phone."""
    mentions = [
        condition
        for contact in contacts
        for condition in (
            col(Message.text).contains(f"(ref. {contact.public_id})", autoescape=True),
            col(Message.text).contains(contact.phone, autoescape=True),
        )
    ]
    return and_(col(Message.staff_member_id).is_not(None), or_(false(), *mentions))


def opt_outs_of(contact_ids: Sequence[int], addresses: Sequence[str]) -> ColumnElement[bool]:
    """Opt-outs of these citizens, and those sent from their numbers before they were known."""
    return or_(
        col(OptOut.contact_id).in_(contact_ids),
        and_(col(OptOut.contact_id).is_(None), col(OptOut.address).in_(addresses)),
    )


def is_opted_out(*, session: Session, contact_ids: Sequence[int], addresses: Sequence[str]) -> bool:
    """Tell whether an opt-out from every channel is in force for these citizens or numbers."""
    condition = and_(
        opt_outs_of(contact_ids, addresses),
        col(OptOut.revoked_at).is_(None),
        col(OptOut.channel).is_(None),
    )
    return bool(session.scalar(select(exists().where(condition))))


def bookings_ahead(
    *,
    session: Session,
    contact_ids: Sequence[int],
    now: datetime,
    booking_ids: Sequence[int] | None = None,
) -> Sequence[tuple[Slot, Location, StaffMember]]:
    """Return the slots these citizens hold from now on (of these bookings), where, with whom."""
    only = true() if booking_ids is None else col(Booking.id).in_(booking_ids)
    rows = session.execute(
        select(Slot, Location, StaffMember)
        .join(Booking, col(Booking.slot_id) == col(Slot.id))
        .join(Location, col(Location.id) == col(Slot.location_id))
        .join(StaffMember, col(StaffMember.id) == col(Slot.staff_member_id))
        .where(
            col(Booking.contact_id).in_(contact_ids),
            col(Booking.status) == BookingStatus.BOOKED,
            col(Slot.starts_at) >= now,
            only,
        )
    ).all()
    return [(slot, location, staff) for slot, location, staff in rows]


# ---------------------------------------------------------------- suppression and daily jobs


def suppressed(*, session: Session, keys: Iterable[str]) -> set[str]:
    """Return which of these suppression keys are on the list."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    found = session.scalars(
        select(col(Suppression.phone_hash)).where(
            among(session, col(Suppression.phone_hash), wanted)
        )
    )
    return set(found)


def suppress(*, session: Session, key: str, reason: str, now: datetime) -> None:
    """Put a suppression key on the list; one already there stays as it is."""
    session.execute(
        _insert(session)(Suppression)
        .values(phone_hash=key, reason=reason, created_at=now)
        .on_conflict_do_nothing(index_elements=["phone_hash"])
    )


def add_opt_outs(
    *, session: Session, contacts: Sequence[tuple[int, str]], source: str, now: datetime
) -> None:
    """Opt these (contact id, phone) pairs out of every channel."""
    session.add_all(
        OptOut(contact_id=cid, address=phone, source=source, created_at=now)
        for cid, phone in contacts
    )


def claim_day(*, session: Session, job: str, day: date, now: datetime) -> bool:
    """Claim a job's run for a local day; False when some process has claimed it already."""
    statement = (
        _insert(session)(DailyJob)
        .values(job=job, day=day, started_at=now)
        .on_conflict_do_nothing(index_elements=["job", "day"])
        .returning(col(DailyJob.job))
    )
    return session.execute(statement).scalar_one_or_none() is not None


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# ---------------------------------------------------------------- retention


def _activity() -> Any:
    """Every moment something happened with a citizen: listed, written to, answered, booked."""
    moments = [
        select(col(Contact.id).label("contact_id"), col(Contact.updated_at).label("at")),
        select(col(Membership.contact_id), col(Membership.created_at)),
        select(col(Message.contact_id), col(Message.created_at)),
        select(col(Conversation.contact_id), col(Conversation.created_at)),
        select(col(Conversation.contact_id), col(Conversation.closed_at)),
        select(col(Invitation.contact_id), col(Invitation.done_at)),
        select(col(Booking.contact_id), col(Booking.created_at)),
        select(col(Booking.contact_id), col(Booking.ended_at)),
        select(col(Booking.contact_id), col(Slot.starts_at)).join(
            Slot, col(Slot.id) == col(Booking.slot_id)
        ),
        select(col(OptOut.contact_id), col(OptOut.created_at)),
        select(col(OptOut.contact_id), col(OptOut.revoked_at)),
        select(col(ContactChannel.contact_id), col(ContactChannel.created_at)),
    ]
    return union_all(*moments).subquery("activity")


def _work_ahead(contact_id: Any, now: datetime) -> ColumnElement[bool]:
    """A booking still to come, or an invitation, reminder or follow-up still to go out."""
    return or_(
        exists().where(
            col(Booking.contact_id) == contact_id,
            col(Booking.status) == BookingStatus.BOOKED,
            col(Slot.id) == col(Booking.slot_id),
            col(Slot.starts_at) >= now,
        ),
        exists().where(
            col(Invitation.contact_id) == contact_id,
            col(Invitation.status).in_((DueStatus.PENDING, DueStatus.SCHEDULED)),
        ),
        exists().where(
            col(Conversation.contact_id) == contact_id,
            or_(
                exists().where(
                    col(Reminder.conversation_id) == col(Conversation.id),
                    col(Reminder.status) == DueStatus.SCHEDULED,
                ),
                exists().where(
                    col(FollowUp.conversation_id) == col(Conversation.id),
                    col(FollowUp.status) == DueStatus.SCHEDULED,
                ),
            ),
        ),
    )


def past_retention(
    *, session: Session, cutoff: datetime, now: datetime, among: Sequence[int] | None = None
) -> list[int]:
    """Return the ids of citizens last active before `cutoff` with nothing ahead, in order."""
    activity = _activity()
    known = (
        activity.c.contact_id.is_not(None) if among is None else activity.c.contact_id.in_(among)
    )
    last = (
        select(activity.c.contact_id)
        .where(activity.c.at.is_not(None), known)
        .group_by(activity.c.contact_id)
        .having(func.max(activity.c.at) < cutoff)
    )
    statement = (
        select(col(Contact.id))
        .where(col(Contact.id).in_(last), ~_work_ahead(col(Contact.id), now))
        .order_by(col(Contact.id))
    )
    return [i for i in session.scalars(statement) if i is not None]


def contacts(*, session: Session, ids: Sequence[int]) -> Sequence[Contact]:
    """Load contacts by id."""
    return session.scalars(select(Contact).where(col(Contact.id).in_(ids))).all()


def count_opted_out(*, session: Session, ids: Sequence[int]) -> int:
    """Count the citizens among these who have an opt-out from every channel in force."""
    opted_out = exists().where(
        or_(
            col(OptOut.contact_id) == col(Contact.id),
            and_(col(OptOut.contact_id).is_(None), col(OptOut.address) == col(Contact.phone)),
        ),
        col(OptOut.revoked_at).is_(None),
        col(OptOut.channel).is_(None),
    )
    statement = select(func.count()).where(col(Contact.id).in_(ids), opted_out)
    return int(session.scalar(statement) or 0)
