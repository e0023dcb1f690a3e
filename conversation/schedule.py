"""What will happen, when: the messages the service will send in the coming days, and why some wait.

Every scheduled row (a released invitation, a reminder, a follow-up, a message in the outbox)
goes out at the first moment its campaign's window is open at or after it is due; that moment
and the reason it is later than due (outside the hours, a weekend or holiday, a blackout) are
computed with the same `CampaignWindow` the sender uses. Invitations not released yet wait for
pacing: each working day releases at most the campaign's daily limit (fewer when the free slots
are few), so their days are an estimate and say so. A paused campaign releases nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from sqlmodel import Session

from core.calendar import SendWindow
from outreach import repository
from outreach.windows import CampaignWindow, EmptyWindowError, load_window
from store import ahead
from store.models import Campaign
from store.types import CampaignStatus

WAITING_FOR_PACING = "waits for pacing: at most the daily limit a working day"
PAUSED = "campaign paused: no invitations until it is resumed"


@dataclass(frozen=True)
class Planned:
    """Messages of one kind, in one campaign, that will go out at one moment (or are held)."""

    day: date | None  # the local day they go; None while held with no day (a paused campaign)
    at: datetime | None  # when they go, UTC
    kind: str
    campaign_id: int | None
    count: int
    held: str | None = None  # why later than due, or why not at all
    estimate: bool = False  # the day depends on pacing

    def as_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat() if self.day else None,
            "at": self.at.isoformat() if self.at else None,
            "kind": self.kind,
            "campaign": self.campaign_id,
            "count": self.count,
            "held": self.held,
            "estimate": self.estimate,
        }


def plan(
    *,
    session: Session,
    window: SendWindow,
    now: datetime,
    days: int,
    campaign_id: int | None = None,
) -> list[Planned]:
    """Return what will be sent from `now` to the end of the `days`-th day, in time order."""
    last_day = now.astimezone(window.tz).date() + timedelta(days=days)
    until = datetime.combine(last_day + timedelta(days=1), time(0), window.tz)
    windows = _Windows(session=session, base=window)
    rows = [
        *ahead.invitations(session=session, until=until, campaign_id=campaign_id),
        *ahead.reminders(session=session, until=until, campaign_id=campaign_id),
        *ahead.follow_ups(session=session, until=until, campaign_id=campaign_id),
        *ahead.queued(session=session, until=until, campaign_id=campaign_id),
    ]
    grouped: dict[tuple[datetime, str, int | None, str | None], int] = defaultdict(int)
    for campaign, kind, due, count in rows:
        own = windows.of(campaign)
        start = max(due, now)
        goes = own.next_open(start)
        grouped[(goes, kind, campaign, _why_later(own, start, goes))] += count
    planned = [
        Planned(day=at.astimezone(window.tz).date(), at=at, kind=k, campaign_id=c, count=n, held=h)
        for (at, k, c, h), n in grouped.items()
        if at < until
    ]
    planned.extend(_waves(session=session, windows=windows, now=now, until=until, only=campaign_id))
    return sorted(planned, key=lambda p: (p.at is None, p.at or now, p.kind, p.campaign_id or 0))


def next_send(planned: list[Planned]) -> Planned | None:
    """Return the first thing that will actually go out."""
    return next((p for p in planned if p.at is not None), None)


class _Windows:
    """Each campaign's window, loaded once; messages outside campaigns use the service's."""

    def __init__(self, *, session: Session, base: SendWindow) -> None:
        self._session = session
        self._base = base
        self._cache: dict[int | None, SendWindow] = {None: base}

    def of(self, campaign_id: int | None) -> SendWindow:
        if campaign_id not in self._cache:
            campaign = self._session.get(Campaign, campaign_id)
            self._cache[campaign_id] = self._load(campaign) if campaign else self._base
        return self._cache[campaign_id]

    def campaign(self, campaign_id: int) -> Campaign | None:
        return self._session.get(Campaign, campaign_id)

    def _load(self, campaign: Campaign) -> SendWindow:
        try:
            return load_window(session=self._session, campaign=campaign, base=self._base)
        except EmptyWindowError:
            return self._base


def _why_later(window: SendWindow, start: datetime, goes: datetime) -> str | None:
    """Say why a message due at `start` goes only at `goes`; None if it goes at once."""
    if goes <= start:
        return None
    local = start.astimezone(window.tz)
    day = local.date()
    if isinstance(window, CampaignWindow) and window.is_blacked_out(day):
        return "campaign blackout"
    if window.working_days_only and day.weekday() >= 5:
        return "weekend"
    if not window.is_working_day(day):
        name = _holiday_name(day)
        return f"holiday ({name})" if name else "not a working day"
    return f"outside sending hours ({window.start_hour:02d}–{window.end_hour:02d})"


def _holiday_name(day: date) -> str | None:
    names = holidays.country_holidays("DK", categories=("public", "optional"), language="da")
    name = names.get(day)
    return str(name) if name else None


def _waves(
    *, session: Session, windows: _Windows, now: datetime, until: datetime, only: int | None
) -> Iterator[Planned]:
    """Estimate the days on which pending invitations will be released and sent."""
    for campaign_id, count in sorted(ahead.pending(session=session, campaign_id=only).items()):
        campaign = windows.campaign(campaign_id)
        if campaign is None:
            continue
        if campaign.status == CampaignStatus.PAUSED:
            yield Planned(None, None, "invitation", campaign_id, count, held=PAUSED)
            continue
        if campaign.status not in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED):
            continue
        own = windows.of(campaign_id)
        first = own.next_open(max(now, campaign.starts_at or now))
        day = first.astimezone(own.tz).date()
        decided = {wave.day for wave in repository.waves(session=session, campaign_id=campaign_id)}
        if day in decided:  # today's wave is out: the rest waits for the next working day
            day = own.next_open(own.closes_at(day)).astimezone(own.tz).date()
        left = count
        for working in own.working_days(day):
            opens = max(own.opens_at(working), first)
            if left <= 0 or opens >= until:
                break
            size = min(left, campaign.daily_limit)
            yield Planned(working, opens, "invitation", campaign_id, size, WAITING_FOR_PACING, True)
            left -= size
