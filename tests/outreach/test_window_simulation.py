"""A campaign crossing a public holiday, a weekend and a blackout, in simulated time.

Kristi himmelfartsdag (Thursday 6 May 2027), the weekend after, and the campaign's own blackout
on Tuesday 11 May: the campaign sends 10-15 only. Nobody answers, so every message is
scheduled work (invitations, then their reminders four days later, which fall on closed days).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from channels.console import ConsoleChannel
from core.calendar import COPENHAGEN
from core.clock import SimulatedClock
from core.settings import Settings
from outreach.campaigns import launch
from outreach.windows import load_window
from recruitbot.runtime import build_runtime
from store.models import Campaign, Message
from store.types import Trigger
from tests.outreach.worlds import add_blackout, world_with_members

START = datetime(2027, 5, 5, 8, 0, tzinfo=COPENHAGEN)  # a Wednesday
BLACKOUT = date(2027, 5, 11)
STEP = timedelta(minutes=15)


def test_no_scheduled_send_outside_the_window(database_url: str) -> None:
    clock = SimulatedClock(START)
    channel = ConsoleChannel()
    runtime = build_runtime(
        Settings(database_url=database_url),
        clock=clock,
        channels={"console": channel},
        migrate=False,
    )
    with Session(runtime.engine) as session:
        world = world_with_members(
            session,
            members=36,
            now=START,
            daily_limit=12,
            paced=False,  # this test is about the window; pacing has its own
            window_start_hour=10,
            window_end_hour=15,
        )
        add_blackout(session, world, BLACKOUT, BLACKOUT)
        launch(session=session, campaign=world.campaign, now=START, window=runtime.window)
        session.commit()
        campaign_id = world.campaign.id
    while clock.now() < START + timedelta(days=12):
        runtime.ticker.tick()
        now = clock.now()
        clock.set(now + STEP if runtime.window.is_open(now) else runtime.window.next_open(now))
    with Session(runtime.engine) as session:
        own = load_window(
            session=session, campaign=session.get_one(Campaign, campaign_id), base=runtime.window
        )
        sent = session.scalars(
            select(Message).where(col(Message.sent_at).is_not(None)).order_by(col(Message.id))
        ).all()
    runtime.engine.dispose()
    assert all(m.trigger == Trigger.SCHEDULED for m in sent)
    outside = [m for m in sent if m.sent_at is None or not own.is_open(m.sent_at)]
    assert outside == []
    days = Counter((m.kind, m.sent_at.astimezone(COPENHAGEN).date()) for m in sent if m.sent_at)
    invited_on = {day for (kind, day), n in days.items() if kind == "invitation"}
    # Three waves of twelve: Wednesday, Friday (after the holiday), Monday; the rest reminders.
    assert invited_on == {date(2027, 5, 5), date(2027, 5, 7), date(2027, 5, 10)}
    assert sum(n for (kind, _), n in days.items() if kind == "invitation") == 36
    reminded_on = {day for (kind, day), n in days.items() if kind == "invitation_reminder"}
    # Wednesday's reminders fall due on Sunday and wait for Monday; Friday's fall on Tuesday,
    # the blackout, and wait for Wednesday.
    assert date(2027, 5, 10) in reminded_on and BLACKOUT not in reminded_on
    assert date(2027, 5, 12) in reminded_on
