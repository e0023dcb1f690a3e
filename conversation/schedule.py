"""What will happen, when: the messages the service will send in the coming days, and why some wait.

Every scheduled row (a released invitation, a reminder, a follow-up, a message in the outbox)
goes out at the first moment its campaign's window is open at or after it is due; that moment
and the reason it is later than due (outside the hours, a weekend or holiday, a blackout) are
computed with the same `CampaignWindow` the sender uses. Invitations not released yet go in
daily waves: each working day releases at most the campaign's daily limit, and a paced campaign
no more than its free slots can take (`outreach.pacing`, reckoned as if no new slot were
published and nobody booked), so their days are an estimate and say so. A paused campaign
releases nothing; past its last day (`ends_on`) a campaign releases nothing more.

The size and cost caps (`outreach.caps`) are checked once, at launch, which refuses a campaign
over either and keeps none of its invitations: nothing launched is ever held by them, so the
caps a plan names are the daily limit and the last day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import holidays
from sqlmodel import Session

from core.calendar import SendWindow
from outreach import pacing, repository
from outreach.windows import CampaignWindow, EmptyWindowError, load_window
from store import ahead
from store.models import Campaign, CampaignWave
from store.types import CampaignStatus

# Why something goes later than it is due, or not at all (`Hold.reason`).
HOURS = "hours"
WEEKEND = "weekend"
HOLIDAY = "holiday"
CLOSED_DAY = "closed_day"
BLACKOUT = "blackout"
DAILY_LIMIT = "daily_limit"
PACING = "pacing"
NO_ROOM = "no_room"
ENDED = "ended"
PAUSED = "paused"
STARTS = "starts"
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)
_ENGLISH = {
    HOURS: "outside sending hours ({start:02d}–{end:02d})",
    WEEKEND: "weekend",
    HOLIDAY: "holiday ({name})",
    CLOSED_DAY: "not a working day",
    BLACKOUT: "campaign blackout",
    DAILY_LIMIT: "daily limit: at most {limit} invitations a working day",
    PACING: "pacing: no more a day than the free slots can take",
    NO_ROOM: "pacing: no room in the free slots; waits for new slots or answers",
    ENDED: "after the campaign's last day ({day}): not sent",
    PAUSED: "campaign paused: no invitations until it is resumed",
    STARTS: "the campaign starts on {day}",
}


@dataclass(frozen=True)
class Hold:
    """Why messages go later than they are due, or not at all; `str()` says it in English."""

    reason: str  # one of the names above
    start: int = 0  # HOURS: the campaign's window
    end: int = 0
    name: str = ""  # HOLIDAY: the holiday's Danish name
    limit: int = 0  # DAILY_LIMIT: the campaign's daily limit
    day: date | None = None  # ENDED: the campaign's last day; STARTS: its first

    def __str__(self) -> str:
        return _ENGLISH[self.reason].format(
            start=self.start, end=self.end, name=self.name, limit=self.limit, day=self.day
        )


@dataclass(frozen=True)
class Planned:
    """Messages of one kind, in one campaign, that will go out at one moment (or are held)."""

    day: date | None  # the local day they go; None while held with no day (a paused campaign)
    at: datetime | None  # when they go, UTC
    kind: str
    campaign_id: int | None
    count: int
    held: Hold | None = None  # why later than due, or why not at all
    estimate: bool = False  # the day depends on pacing

    def as_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat() if self.day else None,
            "at": self.at.isoformat() if self.at else None,
            "kind": self.kind,
            "campaign": self.campaign_id,
            "count": self.count,
            "held": str(self.held) if self.held else None,
            "reason": self.held.reason if self.held else None,
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
    last_day = window.local(now).date() + timedelta(days=days)
    until = datetime.combine(last_day + timedelta(days=1), time(0), window.tz)
    windows = _Windows(session=session, base=window)
    planned: list[Planned] = []
    rows = [
        *ahead.invitations(session=session, until=until, campaign_id=campaign_id),
        *ahead.reminders(session=session, until=until, campaign_id=campaign_id),
        *ahead.follow_ups(session=session, until=until, campaign_id=campaign_id),
        *ahead.queued(session=session, until=until, campaign_id=campaign_id),
    ]
    grouped: dict[tuple[datetime | None, str, int | None, Hold | None], int] = defaultdict(int)
    for campaign, kind, due, count in rows:
        if kind == "invitation" and windows.paused(campaign):  # released, held by the pause
            grouped[(None, kind, campaign, Hold(PAUSED))] += count
            continue
        own = windows.of(campaign)
        start = max(due, now)
        goes = own.next_open(start)
        grouped[(goes, kind, campaign, _why_later(own, start, goes))] += count
    for wave in _waves(session=session, windows=windows, now=now, until=until, only=campaign_id):
        if wave.at is None and not wave.estimate:  # held with no day: one row with the above
            grouped[(None, wave.kind, wave.campaign_id, wave.held)] += wave.count
        else:
            planned.append(wave)
    planned.extend(
        Planned(day=_day(at, window), at=at, kind=k, campaign_id=c, count=n, held=h)
        for (at, k, c, h), n in grouped.items()
        if at is None or at < until
    )
    return in_order(planned)


def in_order(planned: list[Planned]) -> list[Planned]:
    """Sort a plan (or several campaigns' plans) by time; what has no day comes last."""
    return sorted(planned, key=lambda p: (p.at is None, p.at or _NEVER, p.kind, p.campaign_id or 0))


def _day(at: datetime | None, window: SendWindow) -> date | None:
    return window.local(at).date() if at else None


def next_send(planned: list[Planned]) -> Planned | None:
    """Return the first thing that will actually go out."""
    return next((p for p in planned if p.at is not None), None)


class _Windows:
    """Each campaign's window, loaded once; messages outside campaigns use the service's."""

    def __init__(self, *, session: Session, base: SendWindow) -> None:
        self._session = session
        self._base = base
        self._cache: dict[int | None, SendWindow] = {None: base}

    @property
    def base(self) -> SendWindow:
        return self._base

    def of(self, campaign_id: int | None) -> SendWindow:
        if campaign_id not in self._cache:
            campaign = self._session.get(Campaign, campaign_id)
            self._cache[campaign_id] = self._load(campaign) if campaign else self._base
        return self._cache[campaign_id]

    def campaign(self, campaign_id: int) -> Campaign | None:
        return self._session.get(Campaign, campaign_id)

    def paused(self, campaign_id: int | None) -> bool:
        """Tell whether a campaign is paused: its released invitations wait too."""
        campaign = self._session.get(Campaign, campaign_id) if campaign_id is not None else None
        return campaign is not None and campaign.status == CampaignStatus.PAUSED

    def _load(self, campaign: Campaign) -> SendWindow:
        try:
            return load_window(session=self._session, campaign=campaign, base=self._base)
        except EmptyWindowError:
            return self._base


def _why_later(window: SendWindow, start: datetime, goes: datetime) -> Hold | None:
    """Say why a message due at `start` goes only at `goes`; None if it goes at once."""
    if goes <= start:
        return None
    local = window.local(start)
    day = local.date()
    if isinstance(window, CampaignWindow) and window.is_blacked_out(day):
        return Hold(BLACKOUT)
    if window.working_days_only and day.weekday() >= 5:
        return Hold(WEEKEND)
    if not window.is_working_day(day):
        name = _holiday_name(day)
        return Hold(HOLIDAY, name=name) if name else Hold(CLOSED_DAY)
    return Hold(HOURS, start=window.start_hour, end=window.end_hour)


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
            yield Planned(None, None, "invitation", campaign_id, count, held=Hold(PAUSED))
            continue
        if campaign.status not in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED):
            continue
        own = windows.of(campaign_id)
        sizes = _WaveSizes(session=session, campaign=campaign, base=windows.base, now=now)
        yield from _campaign_waves(
            session=session,
            campaign=campaign,
            own=own,
            sizes=sizes,
            now=now,
            until=until,
            count=count,
        )


def _campaign_waves(
    *,
    session: Session,
    campaign: Campaign,
    own: SendWindow,
    sizes: _WaveSizes,
    now: datetime,
    until: datetime,
    count: int,
) -> Iterator[Planned]:
    """One campaign's waves, each with why it did not go on an earlier day."""
    assert campaign.id is not None
    start = max(now, campaign.starts_at or now)
    first = own.next_open(start)
    day = own.local(first).date()
    held = _why_later(own, start, first)
    if start > now:
        held = Hold(STARTS, day=own.local(start).date())
    waves = repository.waves(session=session, campaign_id=campaign.id)
    today = next((wave for wave in waves if wave.day == day), None)
    if today is not None:  # today's wave is out: the rest waits for the next working day
        day = own.next_open(own.closes_at(day)).astimezone(own.tz).date()
        held = _limited_by(campaign, today)
    left = count
    for working in own.working_days(day):
        opens = max(own.opens_at(working), first)
        if left <= 0 or opens >= until:
            return
        if campaign.ends_on is not None and working > campaign.ends_on:
            yield Planned(
                None, None, "invitation", campaign.id, left, Hold(ENDED, day=campaign.ends_on)
            )
            return
        size = sizes.next(left)
        if size <= 0:
            yield Planned(None, None, "invitation", campaign.id, left, Hold(NO_ROOM), True)
            return
        yield Planned(working, opens, "invitation", campaign.id, size, held, True)
        held = (
            Hold(DAILY_LIMIT, limit=campaign.daily_limit)
            if size >= campaign.daily_limit
            else Hold(PACING)
        )
        left -= size


def _limited_by(campaign: Campaign, wave: CampaignWave) -> Hold:
    """Say what kept a released wave to its size: the daily limit, or the free slots."""
    if wave.released >= campaign.daily_limit:
        return Hold(DAILY_LIMIT, limit=campaign.daily_limit)
    return Hold(PACING)


class _WaveSizes:
    """The size of each coming wave, as `outreach.pacing` would decide it today.

    A paced campaign's capacity is measured once; each estimated wave then counts as in flight
    for the next, as if no new slot were published and nobody booked or answered meanwhile.
    """

    def __init__(
        self, *, session: Session, campaign: Campaign, base: SendWindow, now: datetime
    ) -> None:
        self._campaign = campaign
        self._policy = pacing.PacingPolicy()
        self._capacity = (
            pacing.measure(
                session=session, campaign=campaign, now=now, window=base, policy=self._policy
            )
            if campaign.paced
            else pacing.Capacity(
                free_slots=0, late_slots=0, in_flight=0, booking_rate=1.0, rate_observed=False
            )
        )

    def next(self, pending: int) -> int:
        size = pacing.wave_size(
            capacity=self._capacity,
            pending=pending,
            daily_limit=self._campaign.daily_limit,
            paced=self._campaign.paced,
            policy=self._policy,
        )
        self._capacity = replace(self._capacity, in_flight=self._capacity.in_flight + size)
        return size
