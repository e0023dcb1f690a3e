"""Who a campaign may invite on a given day. One query; the reasons are counted for preview.

The member list is everyone on any of the campaign's partners' lists. Each member falls in
exactly one bucket, tried in `REASONS` order, so the preview's counts add up to the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlmodel import Session, col

from store.models import (
    Booking,
    Campaign,
    CampaignPartner,
    Contact,
    Conversation,
    Invitation,
    Membership,
    OptOut,
)
from store.partners import credited_among
from store.types import (
    ConversationStatus,
    DueStatus,
    holds_slot,
    written_out,
)

# Why a member of the list is not targeted, in the order the buckets are tried.
REASONS = (
    "other_municipality",  # lives in another municipality (unknown counts as in scope)
    "no_birth_date",  # the age band cannot be checked
    "age_band",  # outside the age band on the send date
    "opted_out",
    "booked",  # holds a booking
    "in_conversation",  # in an open conversation
    "recently_invited",  # invited in the last `reinvite_after_days`, or queued by a campaign
)
TARGETED = "targeted"


def years_before(day: date, years: int) -> date:
    """Return the same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


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
            col(OptOut.channel).is_(None),  # a Telegram-only opt-out still allows an SMS
        ),
        "in_conversation": exists().where(
            col(Conversation.contact_id) == col(Contact.id),
            written_out(col(Conversation.status), ConversationStatus.OPEN),
        ),
        "booked": exists().where(
            col(Booking.contact_id) == col(Contact.id),
            holds_slot(col(Booking.status)),
        ),
        "recently_invited": exists().where(
            col(Invitation.contact_id) == col(Contact.id),
            or_(
                col(Invitation.status).in_((DueStatus.PENDING, DueStatus.SCHEDULED)),
                and_(col(Invitation.status) == DueStatus.DONE, col(Invitation.done_at) >= recent),
            ),
        ),
    }


def on_the_list(*, campaign: Campaign) -> ColumnElement[bool]:
    """On the list of any of the campaign's partners."""
    partners = select(col(CampaignPartner.partner_id)).where(
        col(CampaignPartner.campaign_id) == campaign.id
    )
    return exists().where(
        col(Membership.contact_id) == col(Contact.id),
        or_(
            col(Membership.partner_id).in_(partners),
            col(Membership.partner_id) == campaign.partner_id,
        ),
    )


def lives_there(*, campaign: Campaign) -> ColumnElement[bool]:
    """Living in the campaign's municipality, or municipality unknown (screening asks)."""
    return or_(
        col(Contact.municipality_id) == campaign.municipality_id,
        col(Contact.municipality_id).is_(None),
    )


def in_scope(*, campaign: Campaign) -> list[ColumnElement[bool]]:
    """On a partner's list and living in the municipality (or municipality unknown)."""
    return [on_the_list(campaign=campaign), lives_there(campaign=campaign)]


def targeted_ids(*, campaign: Campaign, send_date: date, now: datetime) -> ColumnElement[bool]:
    """The full targeting condition on Contact for one send date."""
    excluded = exclusions(campaign=campaign, now=now).values()
    return and_(
        *in_scope(campaign=campaign),
        in_age_band(campaign=campaign, send_date=send_date),
        *(~condition for condition in excluded),
    )


def takes_in(*, campaign: Campaign, send_date: date, now: datetime) -> ColumnElement[bool]:
    """Targeted on `send_date`, or waiting in this campaign's own queue: a member who writes
    first is taken into the dialogue then (conversation.write_first)."""
    excluded = exclusions(campaign=campaign, now=now)
    queued_here = exists().where(
        col(Invitation.contact_id) == col(Contact.id),
        col(Invitation.campaign_id) == campaign.id,
        col(Invitation.status).in_((DueStatus.PENDING, DueStatus.SCHEDULED)),
    )
    recently_invited = excluded.pop("recently_invited")
    return and_(
        *in_scope(campaign=campaign),
        in_age_band(campaign=campaign, send_date=send_date),
        *(~condition for condition in excluded.values()),
        or_(~recently_invited, queued_here),
    )


def priority_rank(*, campaign: Campaign) -> ColumnElement[int]:
    """0 for the education groups the campaign invites first, else 1."""
    groups = [group for group in campaign.education_priority.split(",") if group]
    if not groups:
        return literal(1)
    return case((col(Contact.education).in_(groups), 0), else_=1)


def invitation_rows(
    *, campaign: Campaign, send_date: date, now: datetime, partner_order: Sequence[int]
) -> Select[*tuple[Any, ...]]:
    """Select a pending invitation row per targeted contact, numbered in release order.

    Each row carries the partner the person is credited to (store.partners), the campaign's
    partners tried in `partner_order` (`partners.campaign_order`).
    """
    assert campaign.id is not None
    position = func.row_number().over(order_by=(priority_rank(campaign=campaign), col(Contact.id)))
    return select(
        literal(campaign.id, Integer),
        col(Contact.id),
        position - 1,
        literal(DueStatus.PENDING.value, String),
        credited_among(contact_id=col(Contact.id), order=partner_order),
    ).where(targeted_ids(campaign=campaign, send_date=send_date, now=now))


def bucket(*, campaign: Campaign, send_date: date, now: datetime) -> ColumnElement[str]:
    """The one reason a member is not targeted, or "targeted"."""
    excluded = exclusions(campaign=campaign, now=now)
    conditions: dict[str, ColumnElement[bool]] = {
        "other_municipality": ~lives_there(campaign=campaign),
        "no_birth_date": col(Contact.birth_date).is_(None),
        "age_band": ~in_age_band(campaign=campaign, send_date=send_date),
        **excluded,
    }
    return case(*((conditions[reason], reason) for reason in REASONS), else_=TARGETED)


def count_buckets(
    *, session: Session, campaign: Campaign, send_date: date, now: datetime
) -> dict[str, int]:
    """Count the list's members per bucket; every reason and "targeted" are present."""
    label = bucket(campaign=campaign, send_date=send_date, now=now).label("bucket")
    rows = session.execute(
        select(label, func.count())
        .select_from(Contact)
        .where(on_the_list(campaign=campaign))
        .group_by(label)
    ).all()
    counts = dict.fromkeys((TARGETED, *REASONS), 0)
    counts.update({str(name): int(count) for name, count in rows})
    return counts


def count_priority(*, session: Session, campaign: Campaign, send_date: date, now: datetime) -> int:
    """Count the targeted members in the campaign's priority education groups."""
    if not campaign.education_priority:
        return 0
    return int(
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(
                targeted_ids(campaign=campaign, send_date=send_date, now=now),
                priority_rank(campaign=campaign) == 0,
            )
        )
        or 0
    )
