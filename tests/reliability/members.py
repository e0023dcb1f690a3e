"""Many members at once, bulk-inserted, for the tests that run at campaign scale."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select
from sqlmodel import Session, col

from store.models import Contact, Membership
from tests.factories import MONDAY, World


def phone_of(n: int) -> str:
    """Return the n-th test member's number: Danish mobiles, +45 2… and onwards."""
    return f"+45{20_000_000 + n}"


def add_members(session: Session, world: World, *, count: int, now: datetime = MONDAY) -> list[str]:
    """Add `count` members of the world's partner aged 50, living in its municipality."""
    phones = [phone_of(n) for n in range(count)]
    session.execute(
        insert(Contact),
        [
            {
                "public_id": f"m-{phone[-8:]}",
                "name": f"Medlem {n}",
                "phone": phone,
                "birth_date": date(1976, 5, 1),
                "municipality_id": world.municipality.id,
                "language": "da",
                "created_at": now,
                "updated_at": now,
            }
            for n, phone in enumerate(phones)
        ],
    )
    ids = session.scalars(select(col(Contact.id)).where(col(Contact.phone).in_(phones))).all()
    session.execute(
        insert(Membership),
        [{"contact_id": i, "partner_id": world.partner.id, "created_at": now} for i in ids],
    )
    return phones
