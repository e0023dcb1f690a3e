"""Who a campaign may invite on a given day. One query; the reasons are counted for preview."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlmodel import col

from store.models import Booking, Campaign, Contact, Conversation, Invitation, Membership, OptOut
from store.types import ACTIVE_BOOKING_STATUSES, ConversationStatus, DueStatus


def years_before(day: date, years: int) -> date:
    """Return the same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: date, day: date) -> int:
    """Return a person's age in whole years on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def in_age_band(*, campaign: Campaign, send_date: date) -> ColumnElement[bool]:
    """Born so that the age on `send_date` is within the campaign's band, inclusive."""
    oldest = years_before(send_date, campaign.age_max + 1) + timedelta(days=1)
    youngest = years_before(send_date, campaign.age_min)
    return and_(col(Contact.birth_date) >= oldest, col(Contact.birth_date) <= youngest)


def exclusions(*, campaign: Campaign, now: datetime) -> dict[str, ColumnElement[bool]]:
    """Conditions that keep a contact out of any campaign, by reason."""
    recent = now - timedelta(days=campaign.reinvite_after_days)
    return {
        # An opt-out from a number not yet on any list still counts once the number is imported.
        "opted_out": exists().where(
            or_(
                col(OptOut.contact_id) == col(Contact.id), col(OptOut.address) == col(Contact.phone)
            ),
            col(OptOut.revoked_at).is_(None),
        ),
        "in_conversation": exists().where(
            col(Conversation.contact_id) == col(Contact.id),
            col(Conversation.status) == ConversationStatus.OPEN,
        ),
        "booked": exists().where(
            col(Booking.contact_id) == col(Contact.id),
            col(Booking.status).in_(ACTIVE_BOOKING_STATUSES),
        ),
        "recently_invited": exists().where(
            col(Invitation.contact_id) == col(Contact.id),
            or_(
                col(Invitation.status) == DueStatus.SCHEDULED,
                and_(col(Invitation.status) == DueStatus.DONE, col(Invitation.done_at) >= recent),
            ),
        ),
    }


def in_scope(*, campaign: Campaign) -> list[ColumnElement[bool]]:
    """On the partner's list and living in the municipality (or municipality unknown)."""
    member = exists().where(
        col(Membership.contact_id) == col(Contact.id),
        col(Membership.partner_id) == campaign.partner_id,
    )
    lives_there = or_(
        col(Contact.municipality_id) == campaign.municipality_id,
        col(Contact.municipality_id).is_(None),
    )
    return [member, lives_there]


def targeted_ids(*, campaign: Campaign, send_date: date, now: datetime) -> ColumnElement[bool]:
    """The full targeting condition on Contact for one send date."""
    excluded = exclusions(campaign=campaign, now=now).values()
    return and_(
        *in_scope(campaign=campaign),
        in_age_band(campaign=campaign, send_date=send_date),
        *(~condition for condition in excluded),
    )


def targeting_query(*, campaign: Campaign, send_date: date, now: datetime) -> Select[int | None]:
    """Select the ids of the contacts to invite, oldest contact first for a stable order."""
    return (
        select(col(Contact.id))
        .where(targeted_ids(campaign=campaign, send_date=send_date, now=now))
        .order_by(col(Contact.id))
    )
