"""Campaigns: create, preview, launch into paced waves of invitation rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from outreach.targeting import age_on, exclusions, in_scope, targeting_query
from scheduler.window import SendWindow
from store.models import Campaign, Contact, Invitation
from store.types import CampaignStatus, DueStatus


@dataclass(frozen=True)
class LaunchResult:
    """What a launch scheduled."""

    invitations: int
    first_due: datetime | None
    last_due: datetime | None


def first_send_date(*, now: datetime, window: SendWindow) -> date:
    """Return the local date the first invitations would go out."""
    return window.next_open(now).astimezone(window.tz).date()


def preview_counts(
    *, session: Session, campaign: Campaign, now: datetime, window: SendWindow
) -> dict[str, int]:
    """Count who is in scope, targeted, and kept out by each reason."""
    send_date = first_send_date(now=now, window=window)
    scope = select(func.count()).select_from(Contact).where(*in_scope(campaign=campaign))
    counts = {"in_scope": int(session.scalar(scope) or 0)}
    targeted = targeting_query(campaign=campaign, send_date=send_date, now=now).subquery()
    counts["targeted"] = int(session.scalar(select(func.count()).select_from(targeted)) or 0)
    for reason, condition in exclusions(campaign=campaign, now=now).items():
        counts[reason] = int(session.scalar(scope.where(condition)) or 0)
    return counts


def wave_times(
    *, start: datetime, count: int, daily_limit: int, window: SendWindow
) -> list[datetime]:
    """Spread `count` sends over working days, `daily_limit` a day, evenly inside the window."""
    times: list[datetime] = []
    first = window.next_open(start)
    for day in window.working_days(first.astimezone(window.tz).date()):
        if len(times) >= count:
            break
        opens = max(window.opens_at(day), first)
        closes = window.closes_at(day)
        today = min(daily_limit, count - len(times))
        step = (closes - opens) / daily_limit
        times.extend(opens + step * k for k in range(today))
    return times


def launch(
    *, session: Session, campaign: Campaign, now: datetime, window: SendWindow
) -> LaunchResult:
    """Target the campaign's contacts and schedule their invitations at the campaign's pace."""
    if campaign.status != CampaignStatus.DRAFT:
        raise ValueError(f"campaign {campaign.id} is {campaign.status}, not a draft")
    send_date = first_send_date(now=now, window=window)
    ids = session.scalars(targeting_query(campaign=campaign, send_date=send_date, now=now)).all()
    times = wave_times(start=now, count=len(ids), daily_limit=campaign.daily_limit, window=window)
    first_day = times[0].astimezone(window.tz).date() if times else send_date
    rows = [
        {
            "campaign_id": campaign.id,
            "contact_id": contact_id,
            "wave": (due.astimezone(window.tz).date() - first_day).days + 1,
            "due_at": due,
            "status": DueStatus.SCHEDULED.value,
        }
        for contact_id, due in zip(ids, times, strict=True)
    ]
    if rows:
        session.execute(insert(Invitation), rows)
    campaign.status = CampaignStatus.RUNNING
    campaign.launched_at = now
    return LaunchResult(len(rows), times[0] if times else None, times[-1] if times else None)


def still_eligible(*, contact: Contact, campaign: Campaign, send_date: date) -> str | None:
    """Re-check the age band on the actual send date; return why not, or None."""
    if contact.birth_date is None:
        return "no_birth_date"
    age = age_on(contact.birth_date, send_date)
    if not campaign.age_min <= age <= campaign.age_max:
        return "age"
    return None


def campaigns_running(*, session: Session) -> list[Campaign]:
    """Return the campaigns that are sending."""
    return list(
        session.scalars(select(Campaign).where(col(Campaign.status) == CampaignStatus.RUNNING))
    )
