"""The lookups a report's filter needs: campaigns, partners and municipalities by key."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import Campaign, Municipality, Partner
from store.partners import partner_named


def campaign_municipality(*, session: Session, campaign_id: int) -> int | None:
    """Return the id of the municipality running a campaign, or None if there is none."""
    campaign = session.get(Campaign, campaign_id)
    return campaign.municipality_id if campaign else None


def partner_by_name(*, session: Session, name: str) -> Partner | None:
    """Return the partner with this name in any case ("foa vejle" is "FOA Vejle"), or None."""
    return partner_named(session=session, name=name)


def municipality_code(*, session: Session, municipality_id: int) -> str | None:
    """Return a municipality's three-digit code, or None if there is no such row."""
    municipality = session.get(Municipality, municipality_id)
    return municipality.code if municipality else None


def municipality_id(*, session: Session, code: str) -> int | None:
    """Return the id of the municipality with this code, or None if it has no row."""
    return session.scalars(
        select(col(Municipality.id)).where(col(Municipality.code) == code)
    ).first()
