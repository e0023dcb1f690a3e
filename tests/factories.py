"""Build small, real worlds in the store for tests (rows, not mocks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from booking.slots import create_working_day_slots
from conversation.service import Dialogue
from core.calendar import COPENHAGEN, SendWindow
from store.models import (
    Campaign,
    Contact,
    Location,
    Membership,
    Municipality,
    Partner,
    StaffMember,
)

WINDOW = SendWindow()
DIALOGUE = Dialogue(window=WINDOW)
# A Monday in an ordinary week, 08:00 in Copenhagen.
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=COPENHAGEN)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), COPENHAGEN)


@dataclass
class World:
    municipality: Municipality
    other_municipality: Municipality
    partner: Partner
    other_partner: Partner
    staff: StaffMember
    location: Location
    campaign: Campaign


def make_world(session: Session, *, now: datetime = MONDAY, slot_days: int = 10) -> World:
    """Roskilde, a union, one staff member at the health centre, slots, a draft campaign."""
    roskilde = Municipality(code="265", name="Roskilde")
    lejre = Municipality(code="350", name="Lejre")
    session.add_all([roskilde, lejre])
    session.flush()
    assert roskilde.id is not None
    partner = Partner(name="FOA Roskilde", municipality_id=roskilde.id)
    other = Partner(name="3F Roskilde", municipality_id=roskilde.id)
    staff = StaffMember(municipality_id=roskilde.id, name="Mette")
    location = Location(
        municipality_id=roskilde.id,
        name="Sundhedscenter Roskilde",
        address="Køgevej 1, 4000 Roskilde",
    )
    session.add_all([partner, other, staff, location])
    session.flush()
    assert location.id is not None and staff.id is not None and partner.id is not None
    create_working_day_slots(
        session=session,
        location_id=location.id,
        staff_member_id=staff.id,
        first_day=now.date(),
        last_day=now.date() + timedelta(days=slot_days),
        day_start=time(9),
        day_end=time(12),
        duration_min=45,
        window=WINDOW,
    )
    campaign = Campaign(
        name="Test",
        municipality_id=roskilde.id,
        partner_id=partner.id,
        sender="Roskilde Kommune",
        help_phone="46 31 30 00",
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    return World(roskilde, lejre, partner, other, staff, location, campaign)


def add_contact(
    session: Session,
    world: World,
    *,
    phone: str,
    birth_date: date = date(1976, 5, 1),
    municipality: Municipality | None = None,
    partner: Partner | None = None,
    now: datetime = MONDAY,
    name: str = "Anne Jensen",
) -> Contact:
    """Add a member of the world's partner (or another) living in Roskilde (or elsewhere)."""
    contact = Contact(
        public_id=f"c-{phone[-8:]}",
        name=name,
        phone=phone,
        birth_date=birth_date,
        municipality_id=(municipality or world.municipality).id,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    assert contact.id is not None
    session.add(
        Membership(
            contact_id=contact.id, partner_id=(partner or world.partner).id or 0, created_at=now
        )
    )
    session.flush()
    return contact
