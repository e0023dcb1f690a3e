"""Capacity pacing: one decision per working day, sized by the free slots, inside the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from outreach.campaigns import launch
from outreach.pacing import Capacity, PacingPolicy, booking_rate, release_waves, wave_size, waves
from store.models import Booking, Closure, Conversation, Invitation
from store.types import DueStatus
from tests.factories import MONDAY, WINDOW
from tests.outreach.worlds import world_with_members

POLICY = PacingPolicy()
NINE = MONDAY + timedelta(hours=1)


def capacity(free: int, in_flight: int, rate: float, late: int | None = None) -> Capacity:
    return Capacity(
        free_slots=free,
        late_slots=free if late is None else late,
        in_flight=in_flight,
        booking_rate=rate,
        rate_observed=False,
    )


class TestWaveSize:
    @pytest.mark.parametrize(
        ("cap", "pending", "limit", "expected"),
        [
            (capacity(30, 0, 0.15), 1000, 1000, 160),  # 30 × 0.8 / 0.15
            (capacity(30, 100, 0.15), 1000, 1000, 60),  # minus those in flight
            (capacity(30, 200, 0.15), 1000, 1000, 0),  # never negative
            (capacity(30, 0, 0.15), 1000, 40, 40),  # the daily limit
            (capacity(30, 0, 0.15), 12, 40, 12),  # what is left
            (capacity(30, 0, 0.15, late=3), 1000, 1000, 53),  # room for late answers: 2.4/.045
            (capacity(0, 0, 0.15), 1000, 1000, 0),  # no slots, no invitations
        ],
    )
    def test_paced(self, cap: Capacity, pending: int, limit: int, expected: int) -> None:
        size = wave_size(
            capacity=cap, pending=pending, daily_limit=limit, paced=True, policy=POLICY
        )
        assert size == expected

    def test_other_campaigns_demand_takes_its_share(self) -> None:
        cap = Capacity(30, 30, 0, 0.15, False, other_demand=12.0)
        assert (
            wave_size(capacity=cap, pending=999, daily_limit=999, paced=True, policy=POLICY) == 80
        )

    def test_unpaced_sends_the_daily_limit(self) -> None:
        cap = capacity(0, 500, 0.15)
        assert wave_size(capacity=cap, pending=99, daily_limit=40, paced=False, policy=POLICY) == 40


class TestReleaseWaves:
    def test_one_wave_a_day_inside_the_window_sized_by_the_slots(self, session: Session) -> None:
        # 4 slots a working day; from Wednesday (the earliest bookable) 7 days = 28 slots.
        world = world_with_members(session, members=100, booking_rate_prior=0.5)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert release_waves(session=session, window=WINDOW, now=MONDAY) == 0  # 08:00: closed
        assert release_waves(session=session, window=WINDOW, now=NINE) == 44  # 28 × 0.8 / 0.5
        assert release_waves(session=session, window=WINDOW, now=NINE + timedelta(hours=2)) == 0
        released = session.scalars(
            select(Invitation).where(col(Invitation.status) == DueStatus.SCHEDULED)
        ).all()
        assert len(released) == 44 and {i.wave for i in released} == {1}
        assert [i.position for i in released] == list(range(44))  # in release order
        assert all(NINE <= i.due_at < MONDAY + timedelta(hours=10) for i in released if i.due_at)
        [wave] = waves(session=session, campaign_id=world.campaign.id or 0)
        assert (wave.free_slots, wave.in_flight, wave.booking_rate) == (28, 0, 0.5)
        # Tuesday: 44 still in flight and fewer slots ahead, so nobody more.
        assert release_waves(session=session, window=WINDOW, now=NINE + timedelta(days=1)) == 0
        assert len(waves(session=session, campaign_id=world.campaign.id or 0)) == 2

    def test_closed_time_is_no_capacity(self, session: Session) -> None:
        # As above, but the staff member is away Wednesday and Thursday: 8 of the 28 slots.
        world = world_with_members(session, members=100, booking_rate_prior=0.5)
        wednesday = (MONDAY + timedelta(days=2)).replace(hour=0)
        session.add(
            Closure(
                municipality_id=world.municipality.id or 0,
                staff_member_id=world.staff.id,
                starts_at=wednesday,
                ends_at=wednesday + timedelta(days=2),
                reason="sygdom",
                created_by="cli",
                created_at=MONDAY,
            )
        )
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert release_waves(session=session, window=WINDOW, now=NINE) == 32  # 20 × 0.8 / 0.5
        [wave] = waves(session=session, campaign_id=world.campaign.id or 0)
        assert wave.free_slots == 20

    def test_the_daily_limit_holds(self, session: Session) -> None:
        world = world_with_members(session, members=30, daily_limit=10)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert release_waves(session=session, window=WINDOW, now=NINE) == 10

    def test_unpaced_ignores_the_slots(self, session: Session) -> None:
        world = world_with_members(
            session, members=30, daily_limit=25, paced=False, booking_rate_prior=1.0
        )
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert release_waves(session=session, window=WINDOW, now=NINE) == 25

    def test_no_wave_on_a_weekend(self, session: Session) -> None:
        world = world_with_members(session, members=5)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        saturday = NINE + timedelta(days=5, hours=2)
        assert release_waves(session=session, window=WINDOW, now=saturday) == 0


class TestBookingRate:
    def test_prior_until_enough_invitations_have_matured(self, session: Session) -> None:
        world = world_with_members(session, members=40, booking_rate_prior=0.15)
        campaign = world.campaign
        launch(session=session, campaign=campaign, now=MONDAY, window=WINDOW)
        long_ago = MONDAY - timedelta(days=20)
        rows = session.scalars(select(Invitation).order_by(col(Invitation.id))).all()
        for n, invitation in enumerate(rows):
            invitation.status, invitation.done_at = DueStatus.DONE, long_ago
            if n < 10:  # ten of the forty booked
                conversation = Conversation(
                    contact_id=invitation.contact_id,
                    campaign_id=campaign.id or 0,
                    channel="console",
                    state="{}",
                    status="closed",
                    created_at=long_ago,
                )
                session.add(conversation)
                session.flush()
                session.add(
                    Booking(
                        slot_id=n + 1,
                        contact_id=invitation.contact_id,
                        conversation_id=conversation.id or 0,
                        status="attended",
                        created_at=long_ago,
                    )
                )
        session.flush()
        assert booking_rate(session=session, campaign=campaign, now=MONDAY, policy=POLICY) == (
            0.25,
            True,
        )
        recent = MONDAY - timedelta(days=25)  # ten days after "long ago": not matured yet
        assert booking_rate(session=session, campaign=campaign, now=recent, policy=POLICY) == (
            0.15,
            False,
        )
