"""Lifecycle: draft → scheduled → running ⇄ paused → completed | cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from conversation import invitations
from outreach.campaigns import cancel, launch, pause, resume
from outreach.errors import CampaignInputError, CampaignStateError
from outreach.pacing import release_waves
from store.models import Invitation
from store.types import CampaignStatus, DueStatus
from tests.factories import DIALOGUE, MONDAY, WINDOW
from tests.outreach.worlds import world_with_members

NINE = MONDAY + timedelta(hours=1)


def statuses(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(col(Invitation.status), func.count()).group_by(col(Invitation.status))
    ).all()
    return {str(status): int(count) for status, count in rows}


class TestLaunch:
    def test_a_future_start_is_scheduled_until_it_comes(self, session: Session) -> None:
        world = world_with_members(session, members=3, starts_at=MONDAY + timedelta(days=2))
        result = launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert result.status == CampaignStatus.SCHEDULED
        assert result.send_date == (MONDAY + timedelta(days=2)).date()
        assert release_waves(session=session, window=WINDOW, now=NINE) == 0
        assert world.campaign.status == CampaignStatus.SCHEDULED
        wednesday = NINE + timedelta(days=2)
        assert release_waves(session=session, window=WINDOW, now=wednesday) == 3
        session.refresh(world.campaign)
        assert world.campaign.status == CampaignStatus.RUNNING

    def test_a_refused_template_stops_the_launch(self, session: Session) -> None:
        world = world_with_members(session, members=3, template_da="Hej {first_name}!")
        with pytest.raises(CampaignInputError, match="how to stop"):
            launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert world.campaign.status == CampaignStatus.DRAFT
        assert statuses(session) == {}

    def test_hours_outside_the_service_window_are_refused(self, session: Session) -> None:
        world = world_with_members(session, members=1, window_start_hour=19, window_end_hour=21)
        with pytest.raises(CampaignInputError, match="do not overlap"):
            launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)


class TestPauseResumeCancel:
    def test_paused_invitations_wait_and_resume_inside_the_window(self, session: Session) -> None:
        world = world_with_members(session, members=10)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert release_waves(session=session, window=WINDOW, now=NINE) == 10
        pause(session=session, campaign=world.campaign, now=NINE)
        evening = MONDAY + timedelta(hours=9, minutes=30)  # 17:30, all ten are due
        handled = invitations.process_due(session=session, dialogue=DIALOGUE, now=evening, limit=50)
        assert handled == 0 and statuses(session) == {"scheduled": 10}
        with pytest.raises(CampaignStateError):
            pause(session=session, campaign=world.campaign, now=evening)
        night = MONDAY + timedelta(hours=14)  # 22:00
        assert resume(session=session, campaign=world.campaign, now=night, window=WINDOW) == 10
        due = session.scalars(select(col(Invitation.due_at))).all()
        tuesday = (MONDAY + timedelta(days=1)).date()
        assert all(d is not None and WINDOW.is_open(d) for d in due)
        assert {d.astimezone(WINDOW.tz).date() for d in due if d} == {tuesday}

    def test_cancel_frees_the_people_for_other_campaigns(self, session: Session) -> None:
        world = world_with_members(session, members=10, daily_limit=4)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        release_waves(session=session, window=WINDOW, now=NINE)
        assert statuses(session) == {"pending": 6, "scheduled": 4}
        assert cancel(session=session, campaign=world.campaign, now=NINE) == 10
        assert statuses(session) == {"cancelled": 10}
        assert world.campaign.status == CampaignStatus.CANCELLED
        with pytest.raises(CampaignStateError):
            cancel(session=session, campaign=world.campaign, now=NINE)


class TestCompletion:
    def test_completed_when_nothing_is_left_to_do(self, session: Session) -> None:
        world = world_with_members(session, members=2)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        release_waves(session=session, window=WINDOW, now=NINE)
        for invitation in session.scalars(select(Invitation)):
            invitation.status, invitation.done_at = DueStatus.SKIPPED, NINE
        session.flush()
        assert release_waves(session=session, window=WINDOW, now=NINE + timedelta(days=1)) == 0
        assert world.campaign.status == CampaignStatus.COMPLETED
        assert world.campaign.ended_at == NINE + timedelta(days=1)
