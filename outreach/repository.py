"""The SQL of the campaign tick: what pacing counts, and the release of a wave's invitations.

`outreach.pacing` decides; this module only reads and writes rows, so the tick's queries sit in
one place (and `tests/store/test_query_plans.py` can hold each of them to an index).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import distinct, exists, func, select, update
from sqlmodel import Session, col

from booking import closures
from store.models import Booking, Campaign, CampaignWave, Conversation, Invitation, Location, Slot
from store.types import (
    CampaignStatus,
    ConversationStatus,
    DueStatus,
    holds_slot,
    written_out,
)


def invitations_sent_before(*, session: Session, campaign_id: int, before: datetime) -> int:
    """Count a campaign's invitations sent before `before`."""
    count = session.scalar(
        select(func.count()).where(
            col(Invitation.campaign_id) == campaign_id,
            col(Invitation.status) == DueStatus.DONE,
            col(Invitation.done_at) < before,
        )
    )
    return int(count or 0)


def citizens_booked(*, session: Session, campaign_id: int, opened_before: datetime) -> int:
    """Count the citizens who booked in a campaign's conversations opened before a time."""
    count = session.scalar(
        select(func.count(distinct(col(Booking.contact_id))))
        .join(Conversation, col(Conversation.id) == col(Booking.conversation_id))
        .where(
            col(Conversation.campaign_id) == campaign_id,
            col(Conversation.created_at) < opened_before,
        )
    )
    return int(count or 0)


def invitations_in(*, session: Session, campaign_id: int, status: DueStatus) -> int:
    """Count a campaign's invitations in one status."""
    count = session.scalar(
        select(func.count()).where(
            col(Invitation.campaign_id) == campaign_id, col(Invitation.status) == status
        )
    )
    return int(count or 0)


def open_without_booking(*, session: Session, campaign_id: int, opened_since: datetime) -> int:
    """Count a campaign's open conversations since a time that hold no active booking."""
    booked = exists().where(
        col(Booking.conversation_id) == col(Conversation.id),
        holds_slot(col(Booking.status)),
    )
    count = session.scalar(
        select(func.count()).where(
            col(Conversation.campaign_id) == campaign_id,
            written_out(col(Conversation.status), ConversationStatus.OPEN),
            col(Conversation.created_at) >= opened_since,
            ~booked,
        )
    )
    return int(count or 0)


def free_slot_count(
    *, session: Session, municipality_id: int, after: datetime, before: datetime
) -> int:
    """Count a municipality's open slots that nobody holds, starting strictly between two times.

    A slot in closed time (a staff member away, a location shut or removed) is no capacity.
    """
    held = exists().where(col(Booking.slot_id) == col(Slot.id), holds_slot(col(Booking.status)))
    count = session.scalar(
        select(func.count())
        .select_from(Slot)
        .join(Location, col(Location.id) == col(Slot.location_id))
        .where(
            col(Location.municipality_id) == municipality_id,
            col(Slot.starts_at) > after,
            col(Slot.starts_at) < before,
            ~held,
            ~closures.closed(),
        )
    )
    return int(count or 0)


def other_live_campaigns(*, session: Session, campaign: Campaign) -> Sequence[Campaign]:
    """Return the other running or paused campaigns of the same municipality."""
    return session.scalars(
        select(Campaign).where(
            col(Campaign.municipality_id) == campaign.municipality_id,
            col(Campaign.id) != campaign.id,
            col(Campaign.status).in_((CampaignStatus.RUNNING, CampaignStatus.PAUSED)),
        )
    ).all()


def start_due_campaigns(*, session: Session, now: datetime) -> None:
    """Mark scheduled campaigns whose start has come as running."""
    session.execute(
        update(Campaign)
        .where(col(Campaign.status) == CampaignStatus.SCHEDULED, col(Campaign.starts_at) <= now)
        .values(status=CampaignStatus.RUNNING)
    )


def undecided_campaigns(*, session: Session, day: date) -> Sequence[Campaign]:
    """Lock and return the running campaigns without a wave decision for `day`.

    Locked with SKIP LOCKED, so two workers never decide the same campaign's day.
    """
    decided = exists().where(
        col(CampaignWave.campaign_id) == col(Campaign.id), col(CampaignWave.day) == day
    )
    return session.scalars(
        select(Campaign)
        .where(col(Campaign.status) == CampaignStatus.RUNNING, ~decided)
        .order_by(col(Campaign.id))
        .with_for_update(skip_locked=True)
    ).all()


def schedule_next(
    *, session: Session, campaign_id: int, number: int, times: Sequence[datetime]
) -> int:
    """Give the next pending invitations, in release order, the due times and the wave number."""
    ids = session.scalars(
        select(col(Invitation.id))
        .where(
            col(Invitation.campaign_id) == campaign_id,
            col(Invitation.status) == DueStatus.PENDING,
        )
        .order_by(col(Invitation.position))
        .limit(len(times))
    ).all()
    if ids:
        session.execute(
            update(Invitation),
            [
                {"id": i, "status": DueStatus.SCHEDULED.value, "due_at": t, "wave": number}
                for i, t in zip(ids, times, strict=False)
            ],
        )
    return len(ids)


def skip_pending(*, session: Session, campaign_id: int, reason: str, now: datetime) -> int:
    """Skip every invitation still pending, with a reason; return how many."""
    result = session.execute(
        update(Invitation)
        .where(
            col(Invitation.campaign_id) == campaign_id,
            col(Invitation.status) == DueStatus.PENDING,
        )
        .values(status=DueStatus.SKIPPED, skip_reason=reason, done_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def wave_count(*, session: Session, campaign_id: int) -> int:
    """Count a campaign's wave decisions so far."""
    count = session.scalar(select(func.count()).where(col(CampaignWave.campaign_id) == campaign_id))
    return int(count or 0)


def waves(*, session: Session, campaign_id: int) -> list[CampaignWave]:
    """Return a campaign's pacing decisions, first first."""
    return list(
        session.scalars(
            select(CampaignWave)
            .where(col(CampaignWave.campaign_id) == campaign_id)
            .order_by(col(CampaignWave.day))
        )
    )
