"""The inbox's use cases: list, count, mark handled. Each writes its own audit entry."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from booking import directory
from booking.access import Scope, audit
from core.errors import ConflictError, InvalidInputError, NotFoundError
from core.phone import parse_phone
from inbox import repository
from inbox.repository import ItemView
from inbox.schemas import ItemStatus
from store.audit import record_reads
from store.inbox import HANDLED, OPEN
from store.models import StaffMember


class ItemNotFoundError(NotFoundError):
    """No such item in the caller's inbox."""


def items(
    *,
    session: Session,
    scope: Scope,
    now: datetime,
    status: ItemStatus = ItemStatus.OPEN,
    kind: str | None = None,
    limit: int = 100,
    where: str = "inbox",
) -> list[ItemView]:
    """Return the caller's items, newest first; log whose names and numbers were shown."""
    views = repository.list_items(
        session=session,
        scope=scope,
        status=None if status is ItemStatus.ALL else status.value,
        kind=kind,
        limit=limit,
    )
    audit(
        session=session,
        scope=scope,
        action="inbox.read",
        subject_type="inbox_item",
        subject_id=None,
        now=now,
        detail=f"{len(views)} items",
    )
    record_reads(
        session=session,
        actor=scope.actor,
        contact_ids=[v.item.contact_id for v in views],
        now=now,
        detail=where,
    )
    return views


def open_count(*, session: Session, scope: Scope) -> int:
    """Count the caller's open items; shows no personal data, so nothing is logged."""
    return repository.count_open(session=session, scope=scope)


def handle(*, session: Session, scope: Scope, item_id: int, note: str, now: datetime) -> ItemView:
    """Mark an item handled with a short note; an item is handled once."""
    item = repository.get_item(session=session, scope=scope, item_id=item_id, lock=True)
    if item is None:
        raise ItemNotFoundError(f"no inbox item {item_id}")
    if item.status != OPEN:
        raise ConflictError(f"inbox item {item_id} was handled already by {item.handled_by}")
    note = note.strip()
    if not note:
        raise InvalidInputError("a note is needed: say what was done")
    item.status = HANDLED
    item.handled_at = now
    item.handled_by = scope.actor
    item.note = note[:500]
    audit(
        session=session,
        scope=scope,
        action="inbox.handled",
        subject_type="inbox_item",
        subject_id=item_id,
        now=now,
        detail=item.kind,  # the note stays on the item: it may name the citizen
    )
    return repository.view_of(session=session, item=item)


NOTIFY_CHOICES = ("auto", "telegram", "sms", "inbox")


def set_notices(
    *,
    session: Session,
    scope: Scope,
    staff_member_id: int,
    now: datetime,
    phone: str | None = None,
    notify_by: str | None = None,
    coordinator: bool | None = None,
) -> StaffMember:
    """Set how notices reach a staff member: own phone, route, and the coordinator's mark.

    A coordinator's entry is also told of callbacks escalated in the municipality.
    """
    member = directory.get_staff_member(
        session=session, scope=scope, staff_member_id=staff_member_id
    )
    if phone is not None:
        parsed = parse_phone(phone) if phone.strip() else ""
        if parsed is None:
            raise InvalidInputError(f"{phone!r} is not a phone number")
        member.phone = parsed
    if notify_by is not None:
        if notify_by not in NOTIFY_CHOICES:
            raise InvalidInputError(f"notices by one of {', '.join(NOTIFY_CHOICES)}")
        member.notify_by = notify_by
    if coordinator is not None:
        member.coordinator = coordinator
    audit(
        session=session,
        scope=scope,
        action="staff.notices",
        subject_type="staff_member",
        subject_id=staff_member_id,
        now=now,
        detail=(
            f"by {member.notify_by}, phone {'set' if member.phone else 'none'}"
            + (", coordinator" if member.coordinator else "")
        ),
    )
    return member
