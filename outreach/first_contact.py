"""Someone wrote before being invited: which running campaign takes them in, or speaks to them.

The targeting rules are `outreach.targeting`'s own; this module only asks them about one
contact, today, for the campaigns running on the channel the message came in on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import case, exists, select
from sqlmodel import Session, col

from outreach.targeting import lives_there, on_the_list, takes_in
from store.models import Campaign, Contact, Invitation
from store.types import CampaignStatus, DueStatus

TELEGRAM = "telegram"
QUEUED = (DueStatus.PENDING, DueStatus.SCHEDULED)


def running_campaigns(*, session: Session, channel: str) -> Sequence[Campaign]:
    """Return the campaigns running on the channel a message came in on, oldest first.

    A Telegram chat continues conversations its campaigns began by SMS: every channel counts.
    """
    query = select(Campaign).where(col(Campaign.status) == CampaignStatus.RUNNING)
    if channel != TELEGRAM:
        query = query.where(col(Campaign.channel) == channel)
    return session.scalars(query.order_by(col(Campaign.id))).all()


def campaign_taking_in(
    *,
    session: Session,
    campaigns: Sequence[Campaign],
    contact_id: int,
    send_date: date,
    now: datetime,
) -> Campaign | None:
    """Return the campaign that would invite this contact today; its own queue first."""
    ordered = sorted(campaigns, key=lambda c: (not _queued_in(session, c, contact_id), c.id or 0))
    for campaign in ordered:
        found = session.scalar(
            select(col(Contact.id)).where(
                col(Contact.id) == contact_id,
                takes_in(campaign=campaign, send_date=send_date, now=now),
            )
        )
        if found is not None:
            return campaign
    return None


def campaigns_listing(
    *, session: Session, campaigns: Sequence[Campaign], contact_id: int
) -> list[Campaign]:
    """Return the campaigns whose partners' lists hold the contact, home municipality first."""
    found: list[tuple[int, Campaign]] = []
    for campaign in campaigns:
        home = session.scalar(
            select(case((lives_there(campaign=campaign), 0), else_=1)).where(
                col(Contact.id) == contact_id, on_the_list(campaign=campaign)
            )
        )
        if home is not None:
            found.append((int(home), campaign))
    return [campaign for _, campaign in sorted(found, key=lambda pair: pair[0])]


def record_invitation(
    *, session: Session, campaign: Campaign, contact_id: int, conversation_id: int, now: datetime
) -> Invitation:
    """Mark the contact invited today: their queued invitation, or a new one out of turn."""
    invitation = session.scalars(
        select(Invitation)
        .where(
            col(Invitation.campaign_id) == campaign.id,
            col(Invitation.contact_id) == contact_id,
        )
        .with_for_update()
    ).first()
    if invitation is None:
        assert campaign.id is not None
        invitation = Invitation(campaign_id=campaign.id, contact_id=contact_id)
        session.add(invitation)
    invitation.status = DueStatus.DONE
    invitation.due_at = invitation.due_at or now
    invitation.done_at = now
    invitation.skip_reason = None
    invitation.conversation_id = conversation_id
    session.flush()
    return invitation


def _queued_in(session: Session, campaign: Campaign, contact_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    col(Invitation.campaign_id) == campaign.id,
                    col(Invitation.contact_id) == contact_id,
                    col(Invitation.status).in_(QUEUED),
                )
            )
        )
    )
