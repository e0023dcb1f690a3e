"""A municipality's staff members and the locations where health conversations are held."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from booking.access import Scope
from core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from core.principal import Role
from store.keys import create_key, revoke
from store.models import ApiKey, Location, Municipality, StaffMember
from store.municipalities import ensure_municipality, resolve_municipality

Found = TypeVar("Found", Location, StaffMember)


class LocationKind(StrEnum):
    """Where a health conversation can be held."""

    WORKPLACE = "workplace"
    UNION_OFFICE = "union_office"
    HOUSING_AREA = "housing_area"
    HEALTH_CENTRE = "health_centre"


def municipality_for(*, session: Session, scope: Scope, ref: str | None) -> Municipality:
    """Return the municipality to create something in: the one named, or the key's own."""
    if ref is None:
        if scope.municipality_id is None:
            raise InvalidInputError("name the municipality: this key covers every municipality")
        return session.get_one(Municipality, scope.municipality_id)
    found = resolve_municipality(ref)
    if found is None:
        raise InvalidInputError(f"{ref!r} is not a Danish municipality (name or 3-digit code)")
    municipality = ensure_municipality(session=session, ref=found)
    assert municipality.id is not None
    if not scope.sees(municipality.id):
        raise ForbiddenError(f"this key is limited to another municipality than {found.name}")
    return municipality


def municipality_filter(*, session: Session, scope: Scope, ref: str | None) -> int | None:
    """Return the municipality a listing is limited to: the key's, narrowed by one named."""
    if ref is None:
        return scope.municipality_id
    municipality = municipality_for(session=session, scope=scope, ref=ref)
    assert municipality.id is not None
    return municipality.id


# ---------------------------------------------------------------- staff members


def add_staff_member(
    *, session: Session, scope: Scope, name: str, municipality: str | None
) -> StaffMember:
    """Add a staff member (a health consultant) to a municipality."""
    place = municipality_for(session=session, scope=scope, ref=municipality)
    assert place.id is not None
    member = StaffMember(municipality_id=place.id, name=_required(name, "name"))
    session.add(member)
    session.flush()
    return member


def list_staff(*, session: Session, municipality_id: int | None) -> Sequence[StaffMember]:
    """Return the staff members of one municipality (None: all), by name."""
    query = select(StaffMember).order_by(col(StaffMember.name), col(StaffMember.id))
    if municipality_id is not None:
        query = query.where(col(StaffMember.municipality_id) == municipality_id)
    return session.scalars(query).all()


def get_staff_member(*, session: Session, scope: Scope, staff_member_id: int) -> StaffMember:
    """Return a staff member the scope sees, or raise NotFoundError."""
    member = session.get(StaffMember, staff_member_id)
    if member is None or not scope.sees(member.municipality_id):
        raise NotFoundError(f"no staff member {staff_member_id}")
    return member


def find_staff_member(*, session: Session, scope: Scope, ref: str) -> StaffMember:
    """Find a staff member by id or by name."""
    if ref.strip().isdigit():
        return get_staff_member(session=session, scope=scope, staff_member_id=int(ref))
    query = select(StaffMember)
    if scope.municipality_id is not None:
        query = query.where(col(StaffMember.municipality_id) == scope.municipality_id)
    named = [m for m in session.scalars(query) if same_name(m.name, ref)]
    return _only(named, what="staff member", ref=ref)


def issue_staff_key(
    *, session: Session, scope: Scope, staff_member_id: int, now: datetime
) -> tuple[StaffMember, ApiKey, str]:
    """Give a staff member a staff key, revoking the one they had; return it in plain once."""
    member = get_staff_member(session=session, scope=scope, staff_member_id=staff_member_id)
    if member.api_key_id is not None:
        revoke(session=session, key_id=member.api_key_id, now=now)
    key, plain = create_key(
        session=session,
        role=Role.STAFF,
        municipality_id=member.municipality_id,
        name=f"staff member {member.id}",
        now=now,
    )
    member.api_key_id = key.id
    return member, key, plain


# ---------------------------------------------------------------- locations


def add_location(
    *,
    session: Session,
    scope: Scope,
    name: str,
    address: str,
    kind: LocationKind,
    municipality: str | None,
) -> Location:
    """Add a place for health conversations; a municipality's location names are unique."""
    place = municipality_for(session=session, scope=scope, ref=municipality)
    assert place.id is not None
    location = Location(
        municipality_id=place.id,
        name=_required(name, "name"),
        address=_required(address, "address"),
        kind=LocationKind(kind).value,
    )
    try:
        with session.begin_nested():
            session.add(location)
            session.flush()
    except IntegrityError as error:
        raise ConflictError(
            f"{place.name} already has a location named {name.strip()!r}"
        ) from error
    return location


def list_locations(*, session: Session, municipality_id: int | None) -> Sequence[Location]:
    """Return the locations of one municipality (None: all), by name."""
    query = select(Location).order_by(col(Location.name), col(Location.id))
    if municipality_id is not None:
        query = query.where(col(Location.municipality_id) == municipality_id)
    return session.scalars(query).all()


def get_location(*, session: Session, scope: Scope, location_id: int) -> Location:
    """Return a location the scope sees, or raise NotFoundError."""
    location = session.get(Location, location_id)
    if location is None or not scope.sees(location.municipality_id):
        raise NotFoundError(f"no location {location_id}")
    return location


def find_location(*, session: Session, scope: Scope, ref: str) -> Location:
    """Find a location by id or by name."""
    if ref.strip().isdigit():
        return get_location(session=session, scope=scope, location_id=int(ref))
    query = select(Location)
    if scope.municipality_id is not None:
        query = query.where(col(Location.municipality_id) == scope.municipality_id)
    named = [place for place in session.scalars(query) if same_name(place.name, ref)]
    return _only(named, what="location", ref=ref)


def same_name(name: str, ref: str) -> bool:
    """Compare names as people type them: any case, Æ/Ø/Å included, spaces as they come.

    Compared in Python, not with SQL's lower(), which on SQLite folds only A-Z: "Mads
    Østergaard" typed in lower case would not be found. A municipality has a few dozen staff
    members and locations, so reading them is cheap.
    """
    return _folded(name) == _folded(ref)


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _only(found: Sequence[Found], *, what: str, ref: str) -> Found:
    if not found:
        raise NotFoundError(f"no {what} named {ref!r}")
    if len(found) > 1:
        raise InvalidInputError(f"several {what}s are named {ref!r}: give the id")
    return found[0]


def _required(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInputError(f"{field} must not be empty")
    return value
