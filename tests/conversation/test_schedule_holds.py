"""Why invitations wait in the plan: the daily limit, free slots, the last day, the start, a pause.

Each estimate is checked against what `outreach.pacing` then really releases, not against
numbers worked out by hand.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from conversation.schedule import (
    DAILY_LIMIT,
    ENDED,
    NO_ROOM,
    PACING,
    PAUSED,
    STARTS,
    Hold,
    Planned,
    plan,
)
from outreach.pacing import release_waves
from outreach.windows import load_window
from store.models import CampaignBlackout, CampaignWave, Invitation
from store.types import CampaignStatus, DueStatus
from tests.factories import MONDAY, WINDOW, World, add_contact, local, make_world

NINE = local(MONDAY.date(), 9)
_numbers = itertools.count(1)


def members(
    session: Session, world: World, n: int, *, status: DueStatus = DueStatus.PENDING
) -> None:
    """Target `n` new members: pending invitations, or released ones due at nine."""
    for _ in range(n):
        number = next(_numbers)
        contact = add_contact(session, world, phone=f"+4530{number:06d}")
        session.add(
            Invitation(
                campaign_id=world.campaign.id or 0,
                contact_id=contact.id or 0,
                due_at=NINE if status == DueStatus.SCHEDULED else None,
                status=status,
                position=number,
            )
        )
    session.flush()


def campaign(
    session: Session, *, limit: int, paced: bool, rate: float = 0.15, **kw: object
) -> World:
    world = make_world(session, **kw)  # type: ignore[arg-type]
    world.campaign.status = CampaignStatus.RUNNING
    world.campaign.daily_limit = limit
    world.campaign.paced = paced
    world.campaign.booking_rate_prior = rate
    session.flush()
    return world


def invitations(planned: list[Planned]) -> list[tuple[date | None, int, str | None]]:
    return [(p.day, p.count, p.held.reason if p.held else None) for p in planned]


def test_the_days_after_the_first_wait_for_the_daily_limit(session: Session) -> None:
    world = campaign(session, limit=3, paced=False)
    members(session, world, 7)
    planned = plan(session=session, window=WINDOW, now=NINE, days=7)
    assert invitations(planned) == [
        (date(2026, 11, 23), 3, None),
        (date(2026, 11, 24), 3, DAILY_LIMIT),
        (date(2026, 11, 25), 1, DAILY_LIMIT),
    ]
    assert str(planned[1].held) == "daily limit: at most 3 invitations a working day"


def test_a_paced_estimate_is_what_pacing_then_releases(session: Session) -> None:
    world = campaign(session, limit=100, paced=True, rate=0.5)
    members(session, world, 200)
    planned = plan(session=session, window=WINDOW, now=NINE, days=7)
    first, rest = planned[0], planned[1:]
    assert first.day == MONDAY.date() and first.held is None and 0 < first.count < 100
    assert [(p.at, p.held) for p in rest] == [(None, Hold(NO_ROOM))]
    assert first.count + rest[0].count == 200
    released = release_waves(session=session, window=WINDOW, now=NINE)
    assert released == first.count


def test_after_a_wave_held_by_free_slots_the_next_says_pacing(session: Session) -> None:
    world = campaign(session, limit=100, paced=False)
    members(session, world, 5)
    session.add(
        CampaignWave(
            campaign_id=world.campaign.id or 0,
            day=MONDAY.date(),
            number=1,
            released=40,
            free_slots=30,
            in_flight=0,
            booking_rate=0.15,
            rate_observed=False,
            decided_at=NINE,
        )
    )
    session.flush()
    [wave] = plan(session=session, window=WINDOW, now=NINE, days=7)
    assert (wave.day, wave.count, wave.held) == (date(2026, 11, 24), 5, Hold(PACING))


def test_no_free_slots_holds_every_invitation(session: Session) -> None:
    world = campaign(session, limit=50, paced=True, now=MONDAY - timedelta(days=40))
    members(session, world, 12)
    [held] = plan(session=session, window=WINDOW, now=NINE, days=7)
    assert (held.at, held.count, held.held, held.estimate) == (None, 12, Hold(NO_ROOM), True)
    assert release_waves(session=session, window=WINDOW, now=NINE) == 0


def test_past_the_last_day_the_rest_is_not_sent(session: Session) -> None:
    world = campaign(session, limit=2, paced=False)
    world.campaign.ends_on = date(2026, 11, 24)
    members(session, world, 5)
    planned = plan(session=session, window=WINDOW, now=NINE, days=7)
    assert invitations(planned) == [
        (date(2026, 11, 23), 2, None),
        (date(2026, 11, 24), 2, DAILY_LIMIT),
        (None, 1, ENDED),
    ]
    assert str(planned[-1].held) == "after the campaign's last day (2026-11-24): not sent"
    assert planned[-1].as_json()["reason"] == "ended"


def test_a_campaign_that_starts_later_says_so(session: Session) -> None:
    world = campaign(session, limit=10, paced=False)
    world.campaign.status = CampaignStatus.SCHEDULED
    world.campaign.starts_at = local(date(2026, 11, 25), 12)
    members(session, world, 3)
    [wave] = plan(session=session, window=WINDOW, now=NINE, days=7)
    assert (wave.at, wave.held) == (
        local(date(2026, 11, 25), 12),
        Hold(STARTS, day=date(2026, 11, 25)),
    )
    assert str(wave.held) == "the campaign starts on 2026-11-25"


def test_a_pause_holds_released_invitations_too(session: Session) -> None:
    world = campaign(session, limit=10, paced=False)
    members(session, world, 2, status=DueStatus.SCHEDULED)
    members(session, world, 3)
    world.campaign.status = CampaignStatus.PAUSED
    session.flush()
    [held] = plan(session=session, window=WINDOW, now=NINE, days=7)
    assert (held.at, held.count, held.held) == (None, 5, Hold(PAUSED))


class TestEstimatesKeepToTheCampaign:
    """Whatever the limit, pace, last day, blackout and clock: no wave breaks a rule the sender
    keeps, and every pending invitation is either in a wave, held with its reason, or beyond
    the period."""

    PENDING = 25

    def test_invariants(self, session: Session) -> None:
        world = campaign(session, limit=1, paced=False)
        members(session, world, self.PENDING)
        blackout = CampaignBlackout(
            campaign_id=world.campaign.id or 0, first_day=MONDAY.date(), last_day=MONDAY.date()
        )
        session.add(blackout)
        session.flush()

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            limit=st.integers(1, 12),
            paced=st.booleans(),
            rate=st.sampled_from([0.05, 0.15, 0.9]),
            ends_in=st.none() | st.integers(0, 12),
            blackout_in=st.integers(0, 10),
            hours=st.integers(0, 24 * 6),
            days=st.integers(0, 14),
        )
        def check(
            limit: int,
            paced: bool,
            rate: float,
            ends_in: int | None,
            blackout_in: int,
            hours: int,
            days: int,
        ) -> None:
            now = MONDAY + timedelta(hours=hours)
            world.campaign.daily_limit, world.campaign.paced = limit, paced
            world.campaign.booking_rate_prior = rate
            ends_on = None if ends_in is None else MONDAY.date() + timedelta(days=ends_in)
            world.campaign.ends_on = ends_on
            blackout.first_day = blackout.last_day = MONDAY.date() + timedelta(days=blackout_in)
            session.flush()
            own = load_window(session=session, campaign=world.campaign, base=WINDOW)
            planned = plan(session=session, window=WINDOW, now=now, days=days)
            waves = [p for p in planned if p.estimate and p.day is not None]
            held = [p for p in planned if p.day is None]
            assert all(p.kind == "invitation" for p in planned)
            assert [w.day for w in waves] == sorted({w.day for w in waves})  # one a day
            for wave in waves:
                assert wave.at is not None and wave.at >= now and own.is_open(wave.at)
                assert 0 < wave.count <= limit
                assert ends_on is None or (wave.day is not None and wave.day <= ends_on)
            in_plan = sum(p.count for p in planned)
            assert in_plan <= self.PENDING
            if held:
                assert in_plan == self.PENDING
                assert {p.held.reason for p in held if p.held} <= {ENDED, NO_ROOM}

        check()
