"""Capacity pacing: each working day, release as many invitations as the free slots can absorb.

Staff capacity is what held recruitment back in the national evaluation, so a campaign does not
send its whole list at once. On each working day, at the first tick inside the campaign's
window, one decision is made and kept as a `campaign_wave` row:

    expected rate r = bookings per invitation: the campaign's own, over invitations old enough
                      to have been answered (at least `min_observed` of them), else its prior
    free slots    F = slots in the municipality that nobody holds, from the earliest bookable
                      time to the end of the next `horizon_days` working days
    late slots    L = the part of F that starts after the invitation reminder has had its answer
    in flight     I = invitations released but not yet sent, plus the campaign's conversations
                      opened in the last `in_flight_days` that are still open and hold no booking
    others        D = bookings expected from other campaigns' in-flight invitations there
    wave          = min(floor((F × utilisation − D) / r) − I,
                        floor(L × utilisation / (r × late_share)) − I,
                        daily limit, pending), and at least 0

The second bound keeps room for those who answer only after the reminder: without it, a list
whose published slots end soon is invited up to the last day, and its late answerers are told
there are no free times. The wave's invitations get due times spread over the rest of that
day's window; the invitation job sends them as they fall due. A campaign that is not paced
releases its daily limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import structlog
from sqlmodel import Session

from booking.slots import earliest_bookable
from core.calendar import SendWindow
from outreach import repository
from outreach.campaigns import complete_if_done, spread
from outreach.windows import EmptyWindowError, load_window
from store.models import (
    Campaign,
    CampaignWave,
)
from store.types import DueStatus

ENDED = "campaign_ended"  # Invitation.skip_reason past the campaign's last day

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PacingPolicy:
    """The knobs of pacing; each is a judgement, not a finding, and can be changed here."""

    horizon_days: int = 10  # working days of slots a wave may count on
    utilisation: float = 0.8  # aim to fill this share of the free slots; the rest absorbs chance
    min_observed: int = 30  # answered invitations before the campaign's own rate is trusted
    in_flight_days: int = 10  # the invitation, its reminder after 4 days, and late answers
    reminder_days: int = 4  # when the invitation reminder goes (bot.types.Context.nudge_after)
    late_share: float = 0.3  # share of bookings made only after the reminder; a parameter
    rate_floor: float = 0.01  # never divide by (almost) nothing


@dataclass(frozen=True)
class Capacity:
    """What one decision was based on."""

    free_slots: int
    late_slots: int
    in_flight: int
    booking_rate: float
    rate_observed: bool
    other_demand: float = 0.0


def wave_size(
    *, capacity: Capacity, pending: int, daily_limit: int, paced: bool, policy: PacingPolicy
) -> int:
    """Decide how many invitations to release today."""
    if not paced:
        return max(0, min(pending, daily_limit))
    rate, flying = capacity.booking_rate, capacity.in_flight
    room = capacity.free_slots * policy.utilisation - capacity.other_demand
    budget = math.floor(room / rate) - flying
    late_room = capacity.late_slots * policy.utilisation
    late_budget = math.floor(late_room / (rate * policy.late_share)) - flying
    return max(0, min(budget, late_budget, daily_limit, pending))


def booking_rate(
    *, session: Session, campaign: Campaign, now: datetime, policy: PacingPolicy
) -> tuple[float, bool]:
    """Return the expected bookings per invitation and whether it is the campaign's own."""
    assert campaign.id is not None
    matured = now - timedelta(days=policy.in_flight_days)
    invited = repository.invitations_sent_before(
        session=session, campaign_id=campaign.id, before=matured
    )
    if invited < policy.min_observed:
        return campaign.booking_rate_prior, False
    booked = repository.citizens_booked(
        session=session, campaign_id=campaign.id, opened_before=matured
    )
    return max(booked / (invited or 1), policy.rate_floor), True


def in_flight(*, session: Session, campaign_id: int, now: datetime, policy: PacingPolicy) -> int:
    """Count invitations that may still turn into bookings and hold no slot yet."""
    released = repository.invitations_in(
        session=session, campaign_id=campaign_id, status=DueStatus.SCHEDULED
    )
    waiting = repository.open_without_booking(
        session=session,
        campaign_id=campaign_id,
        opened_since=now - timedelta(days=policy.in_flight_days),
    )
    return released + waiting


def horizon_end(*, today: date, window: SendWindow, days: int) -> datetime:
    """Return the end (local midnight) of the `days`-th working day after `today`."""
    working = window.working_days(today + timedelta(days=1))
    last = today
    for _ in range(days):
        last = next(working)
    return datetime.combine(last + timedelta(days=1), time(0), window.tz).astimezone(UTC)


def free_slots(
    *,
    session: Session,
    municipality_id: int,
    now: datetime,
    window: SendWindow,
    days: int,
    booked_from: datetime | None = None,
) -> int:
    """Count the free slots a citizen invited now could book within the horizon.

    `booked_from` counts only the slots someone booking at that later time could still take.
    """
    until = horizon_end(today=window.local(now).date(), window=window, days=days)
    return repository.free_slot_count(
        session=session,
        municipality_id=municipality_id,
        after=earliest_bookable(now=booked_from or now, window=window),
        before=until,
    )


def measure(
    *,
    session: Session,
    campaign: Campaign,
    now: datetime,
    window: SendWindow,
    policy: PacingPolicy,
) -> Capacity:
    """Gather what today's decision for `campaign` rests on."""
    assert campaign.id is not None
    rate, observed = booking_rate(session=session, campaign=campaign, now=now, policy=policy)
    others = repository.other_live_campaigns(session=session, campaign=campaign)
    demand = 0.0
    for other in others:
        assert other.id is not None
        other_rate, _ = booking_rate(session=session, campaign=other, now=now, policy=policy)
        flying = in_flight(session=session, campaign_id=other.id, now=now, policy=policy)
        demand += other_rate * flying
    slots = partial(
        free_slots,
        session=session,
        municipality_id=campaign.municipality_id,
        now=now,
        window=window,
        days=policy.horizon_days,
    )
    return Capacity(
        free_slots=slots(),
        late_slots=slots(booked_from=now + timedelta(days=policy.reminder_days)),
        in_flight=in_flight(session=session, campaign_id=campaign.id, now=now, policy=policy),
        booking_rate=rate,
        rate_observed=observed,
        other_demand=demand,
    )


def release_waves(
    *, session: Session, window: SendWindow, now: datetime, policy: PacingPolicy | None = None
) -> int:
    """Start campaigns whose start has come, then decide today's wave of each running one."""
    policy = policy or PacingPolicy()
    repository.start_due_campaigns(session=session, now=now)
    undecided = repository.undecided_campaigns(session=session, day=window.local(now).date())
    return sum(
        release_wave(session=session, campaign=c, window=window, now=now, policy=policy)
        for c in undecided
    )


def release_wave(
    *,
    session: Session,
    campaign: Campaign,
    window: SendWindow,
    now: datetime,
    policy: PacingPolicy,
) -> int:
    """Decide today's wave once, inside the campaign's window, and release it; return its size.

    With nothing left to release, the day's decision is to check whether the campaign is done.
    """
    assert campaign.id is not None
    try:
        own = load_window(session=session, campaign=campaign, base=window)
    except EmptyWindowError:
        log.warning("campaign.window_empty", campaign_id=campaign.id)
        return 0
    if not own.is_open(now):
        return 0
    day = own.local(now).date()
    if campaign.ends_on is not None and day > campaign.ends_on:
        _skip_after_end(session=session, campaign=campaign, now=now)
    pending = repository.invitations_in(
        session=session, campaign_id=campaign.id, status=DueStatus.PENDING
    )
    if pending == 0 and complete_if_done(session=session, campaign=campaign, now=now):
        return 0
    capacity = measure(session=session, campaign=campaign, now=now, window=window, policy=policy)
    size = wave_size(
        capacity=capacity,
        pending=pending,
        daily_limit=campaign.daily_limit,
        paced=campaign.paced,
        policy=policy,
    )
    number = repository.wave_count(session=session, campaign_id=campaign.id) + 1
    times = spread(start=max(now, own.opens_at(day)), end=own.closes_at(day), count=size)
    released = repository.schedule_next(
        session=session, campaign_id=campaign.id, number=number, times=times
    )
    wave = CampaignWave(
        campaign_id=campaign.id,
        day=day,
        number=number,
        released=released,
        free_slots=capacity.free_slots,
        in_flight=capacity.in_flight,
        booking_rate=capacity.booking_rate,
        rate_observed=capacity.rate_observed,
        decided_at=now,
    )
    session.add(wave)
    log.info(
        "campaign.wave_released",
        campaign_id=campaign.id,
        released=released,
        free_slots=capacity.free_slots,
        in_flight=capacity.in_flight,
        booking_rate=round(capacity.booking_rate, 3),
    )
    return released


def _skip_after_end(*, session: Session, campaign: Campaign, now: datetime) -> None:
    """Past its last day, a campaign releases nothing more: what is pending is skipped."""
    assert campaign.id is not None
    skipped = repository.skip_pending(
        session=session, campaign_id=campaign.id, reason=ENDED, now=now
    )
    if skipped:
        log.info("campaign.ended_on", campaign_id=campaign.id, skipped=skipped)


def waves(*, session: Session, campaign_id: int) -> list[CampaignWave]:
    """Return a campaign's pacing decisions, first first."""
    return repository.waves(session=session, campaign_id=campaign_id)


@dataclass(frozen=True)
class Waves:
    """Today's waves, as the ticker releases them."""

    window: SendWindow
    policy: PacingPolicy = field(default_factory=PacingPolicy)

    def __call__(self, *, session: Session, now: datetime) -> int:
        return release_waves(session=session, window=self.window, now=now, policy=self.policy)
