"""Who may see which staff, slots and bookings; and the audit trail of who did what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import ForbiddenError
from core.principal import Principal, Role
from store.audit import record_reads
from store.models import AuditEvent, StaffMember

CLI_ACTOR = "cli"


@dataclass(frozen=True)
class Scope:
    """One municipality (None: all) and, for a staff member, only their own slots."""

    municipality_id: int | None = None
    staff_member_id: int | None = None
    actor: str = CLI_ACTOR

    def sees(self, municipality_id: int) -> bool:
        """Tell whether objects of this municipality are visible."""
        return self.municipality_id is None or self.municipality_id == municipality_id

    def sees_staff(self, staff_member_id: int) -> bool:
        """Tell whether the slots of this staff member are visible."""
        return self.staff_member_id is None or self.staff_member_id == staff_member_id


EVERYTHING = Scope()


def scope_for(*, session: Session, principal: Principal) -> Scope:
    """Turn an API key into a scope; a staff key acts as the staff member it was issued to."""
    actor = f"api_key:{principal.key_id}"
    if principal.role is not Role.STAFF:
        return Scope(municipality_id=principal.municipality_id, actor=actor)
    staff = session.scalars(
        select(StaffMember).where(col(StaffMember.api_key_id) == principal.key_id)
    ).first()
    if staff is None or staff.id is None:
        raise ForbiddenError(
            "this staff key belongs to no staff member; issue one with "
            "`recruitbot staff key` or POST /api/v1/staff/{id}/key"
        )
    return Scope(municipality_id=staff.municipality_id, staff_member_id=staff.id, actor=actor)


def audit(
    *,
    session: Session,
    scope: Scope,
    action: str,
    subject_type: str,
    subject_id: int | None,
    now: datetime,
    detail: str = "",
) -> None:
    """Record who did or read what; `detail` never holds personal data."""
    session.add(
        AuditEvent(
            at=now,
            actor=scope.actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail,
        )
    )


def audit_bookings_shown(
    *,
    session: Session,
    scope: Scope,
    contact_ids: Sequence[int | None],
    now: datetime,
    where: str,
) -> None:
    """Record a list of bookings read, and in each citizen's own log that they were shown."""
    audit(
        session=session,
        scope=scope,
        action="bookings.read",
        subject_type="booking",
        subject_id=None,
        now=now,
        detail=f"{len(contact_ids)} bookings",
    )
    record_reads(session=session, actor=scope.actor, contact_ids=contact_ids, now=now, detail=where)
