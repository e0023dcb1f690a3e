"""No scheduled message is ever claimed outside its campaign's window (a property test).

Random clocks (biased to Danish holidays and weekends), random service windows, random
campaign hours and random blackout periods: the outbox claim must agree exactly with
`CampaignWindow.is_open`, in both directions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from core.calendar import COPENHAGEN, SendWindow
from outreach.windows import CampaignWindow, window_for
from store import outbox
from store.models import CampaignBlackout, Contact, Conversation, Message
from store.types import Trigger
from tests.factories import MONDAY, make_world

HOLIDAYS = sorted(
    day
    for year in range(2026, 2031)
    for day in holidays.country_holidays("DK", years=year, categories=("public", "optional"))
)
LEASE = timedelta(minutes=10)

days = st.one_of(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    st.builds(lambda d, k: d + timedelta(days=k), st.sampled_from(HOLIDAYS), st.integers(-1, 1)),
)
moments = st.builds(
    lambda day, minute: datetime.combine(day, time(0), COPENHAGEN) + timedelta(minutes=minute),
    days,
    st.integers(0, 24 * 60 - 1),
)
hours = st.tuples(st.integers(0, 23), st.integers(1, 24)).filter(lambda h: h[0] < h[1])
blackouts = st.lists(
    st.tuples(days, st.integers(0, 20)).map(lambda b: (b[0], b[0] + timedelta(days=b[1]))),
    max_size=3,
)


class TestClaimRespectsTheCampaignWindow:
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(now=moments, service=hours, own=hours, periods=blackouts, orphan=st.booleans())
    def test_claimed_exactly_when_the_window_is_open(
        self,
        session: Session,
        now: datetime,
        service: tuple[int, int],
        own: tuple[int, int],
        periods: list[tuple[date, date]],
        orphan: bool,
    ) -> None:
        base = SendWindow(start_hour=service[0], end_hour=service[1])
        try:
            campaign, conversation = _world(session)
            campaign.window_start_hour, campaign.window_end_hour = own
            session.add_all(
                CampaignBlackout(campaign_id=campaign.id or 0, first_day=a, last_day=b)
                for a, b in periods
            )
            message = _queued(session, conversation, orphan=orphan, now=now)
            claimed = outbox.claim_batch(
                session=session, now=now, window_open=base.is_open(now), limit=10, lease=LEASE
            )
            if orphan:
                expected = base.is_open(now)
            else:
                expected = _open(campaign_hours=own, periods=periods, base=base, now=now)
            assert (message in claimed) == expected
        finally:
            session.rollback()


class TestClaimExamples:
    """The same rule at a few moments a person can check by hand (campaign 10-15)."""

    @pytest.mark.parametrize(
        ("moment", "claimed"),
        [
            (datetime(2027, 6, 2, 9, 30), False),  # Wednesday, before the campaign's hours
            (datetime(2027, 6, 2, 10, 0), True),
            (datetime(2027, 6, 2, 14, 59), True),
            (datetime(2027, 6, 2, 15, 0), False),
            (datetime(2027, 6, 3, 11, 0), False),  # the campaign's blackout day
            (datetime(2027, 6, 4, 11, 0), True),
            (datetime(2027, 6, 5, 11, 0), False),  # Saturday (and Grundlovsdag)
            (datetime(2027, 5, 6, 11, 0), False),  # Kristi himmelfartsdag, a Thursday
        ],
    )
    def test_claim(self, session: Session, moment: datetime, claimed: bool) -> None:
        now = moment.replace(tzinfo=COPENHAGEN)
        campaign, conversation = _world(session)
        campaign.window_start_hour, campaign.window_end_hour = 10, 15
        day = date(2027, 6, 3)
        session.add(CampaignBlackout(campaign_id=campaign.id or 0, first_day=day, last_day=day))
        message = _queued(session, conversation, orphan=False, now=now)
        base = SendWindow()
        got = outbox.claim_batch(
            session=session, now=now, window_open=base.is_open(now), limit=10, lease=LEASE
        )
        assert (message in got) == claimed


def _world(session: Session) -> tuple[object, Conversation]:
    world = make_world(session, slot_days=0)
    contact = Contact(public_id="c-prop", phone="+4520000001", created_at=MONDAY, updated_at=MONDAY)
    session.add(contact)
    session.flush()
    conversation = Conversation(
        contact_id=contact.id or 0,
        campaign_id=world.campaign.id or 0,
        channel="console",
        state="{}",
        created_at=MONDAY,
    )
    session.add(conversation)
    session.flush()
    return world.campaign, conversation


def _queued(
    session: Session, conversation: Conversation, *, orphan: bool, now: datetime
) -> Message:
    message_id = outbox.queue(
        session=session,
        channel="console",
        address="+4520000001",
        kind="invitation",
        trigger=Trigger.SCHEDULED,
        text="Hej",
        now=now - timedelta(minutes=1),
        conversation_id=None if orphan else conversation.id,
    )
    return session.get_one(Message, message_id)


def _open(
    *,
    campaign_hours: tuple[int, int],
    periods: list[tuple[date, date]],
    base: SendWindow,
    now: datetime,
) -> bool:
    start, end = max(campaign_hours[0], base.start_hour), min(campaign_hours[1], base.end_hour)
    if start >= end:
        return False
    window = CampaignWindow(start_hour=start, end_hour=end, blackouts=tuple(periods))
    return window.is_open(now.astimezone(UTC))


def test_window_for_intersects_hours() -> None:
    class Hours:
        window_start_hour, window_end_hour = 8, 16

    window = window_for(campaign=Hours(), blackouts=[], base=SendWindow())  # type: ignore[arg-type]
    assert (window.start_hour, window.end_hour) == (9, 16)
