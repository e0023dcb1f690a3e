"""Changing a launched campaign: daily limit, last day, blackouts and texts, audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from outreach.campaigns import launch
from outreach.errors import CampaignInputError, CampaignStateError
from outreach.pacing import release_waves
from outreach.running_changes import CampaignTextRefusedError, change_running
from outreach.schemas import CampaignRunningUpdate
from store.models import AuditEvent, Invitation
from store.types import DueStatus
from tests.factories import MONDAY, WINDOW
from tests.outreach import test_api
from tests.outreach.test_api import TEMPLATE_DA, Api
from tests.outreach.worlds import world_with_members

api = test_api.api  # the campaign API's fixture, as its own tests use it
NINE = MONDAY + timedelta(hours=1)
TODAY = MONDAY.date()


def _running(api: Api, **fields: Any) -> tuple[int, str]:
    campaign_id = api.create(template_da=TEMPLATE_DA, **fields)["id"]
    assert api.post(f"{campaign_id}/launch").status_code == 200
    return campaign_id, f"/api/v1/campaigns/{campaign_id}"


class TestApi:
    def test_a_running_campaign_takes_its_pace_end_blackouts_and_texts(self, api: Api) -> None:
        _, path = _running(api)
        new_text = TEMPLATE_DA.replace("Hej", "Kære")
        body = {
            "daily_limit": 40,
            "ends_on": "2027-01-29",
            "blackouts": [{"first_day": "2026-12-21", "last_day": "2027-01-03"}],
            "template_da": new_text,
        }
        patched = api.client.patch(path, json=body, headers=api.roskilde)
        assert patched.status_code == 200, patched.text
        shown = patched.json()
        assert shown["status"] == "running" and shown["daily_limit"] == 40
        assert shown["ends_on"] == "2027-01-29" and shown["template_da"] == new_text
        assert shown["blackouts"] == body["blackouts"]
        # The end can be cleared again, and the text returned to the default invitation.
        cleared = api.client.patch(
            path, json={"ends_on": None, "template_da": None}, headers=api.roskilde
        ).json()
        assert cleared["ends_on"] is None and cleared["template_da"] is None

    def test_other_fields_are_a_409_that_names_them(self, api: Api) -> None:
        _, path = _running(api)
        response = api.client.patch(
            path, json={"sender": "Lejre Kommune", "daily_limit": 5}, headers=api.roskilde
        )
        assert response.status_code == 409
        message = response.json()["error"]["message"]
        assert "not sender" in message and "daily_limit, ends_on, blackouts" in message
        assert api.client.get(path, headers=api.roskilde).json()["daily_limit"] == 100

    def test_a_new_text_is_checked_as_at_launch(self, api: Api) -> None:
        _, path = _running(api)
        response = api.client.patch(
            path, json={"template_da": "Hej! Vil du have et sundhedstjek? www.x.dk"},
            headers=api.roskilde,
        )  # fmt: skip
        assert response.status_code == 422
        message = response.json()["error"]["message"]
        assert "STOP" in message and "sends it" in message and "link" in message
        assert api.client.get(path, headers=api.roskilde).json()["template_da"] == TEMPLATE_DA

    def test_a_past_end_is_refused(self, api: Api) -> None:
        _, path = _running(api)
        response = api.client.patch(path, json={"ends_on": "2026-11-20"}, headers=api.roskilde)
        assert response.status_code == 422 and "has passed" in response.text

    def test_only_the_municipalitys_coordinator(self, api: Api) -> None:
        _, path = _running(api)
        body = {"daily_limit": 5}
        assert api.client.patch(path, json=body, headers=api.lejre).status_code == 404
        assert api.client.patch(path, json=body, headers=api.staff).status_code == 403
        assert api.client.patch(path, json=body, headers=api.evaluator).status_code == 403

    def test_a_stopped_campaign_no_longer_changes(self, api: Api) -> None:
        campaign_id, path = _running(api)
        api.post(f"{campaign_id}/cancel")
        response = api.client.patch(path, json={"daily_limit": 5}, headers=api.roskilde)
        assert response.status_code == 409 and "cancelled" in response.text

    def test_an_experiments_texts_stay_as_launched(self, api: Api) -> None:
        variants = [{"label": "kort"}, {"label": "lang", "template_da": TEMPLATE_DA + " Tak."}]
        _, path = _running(api, variants=variants)
        response = api.client.patch(path, json={"template_da": TEMPLATE_DA}, headers=api.roskilde)
        assert response.status_code == 409 and "experiment" in response.text
        assert api.client.patch(path, json={"daily_limit": 9}, headers=api.roskilde).is_success


class TestService:
    def _launched(self, session: Session, members: int = 30) -> Any:
        world = world_with_members(session, members=members, booking_rate_prior=0.5)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        return world

    def _change(self, session: Session, world: Any, **fields: Any) -> list[str]:
        return change_running(
            session=session,
            campaign=world.campaign,
            change=CampaignRunningUpdate.model_validate(fields),
            now=MONDAY,
            window=WINDOW,
            actor="api_key:7",
        )

    def test_each_change_is_audited_without_the_text(self, session: Session) -> None:
        world = self._launched(session)
        text = TEMPLATE_DA.replace("{sender}", "Roskilde Kommune")
        changed = self._change(
            session, world, daily_limit=40, template_da=text,
            blackouts=[{"first_day": "2026-12-24", "last_day": "2026-12-26"}],
        )  # fmt: skip
        assert changed == ["daily_limit", "blackouts", "template_da"]
        [event] = session.scalars(
            select(AuditEvent).where(col(AuditEvent.action) == "campaign.changed")
        ).all()
        assert (event.actor, event.subject_type) == ("api_key:7", "campaign")
        assert event.subject_id == world.campaign.id
        assert "daily_limit 100 -> 40" in event.detail
        assert "blackouts none -> 2026-12-24..2026-12-26" in event.detail
        assert "template_da changed" in event.detail and "Hej" not in event.detail
        # The same change again changes nothing and writes nothing.
        assert self._change(session, world, daily_limit=40) == []

    def test_danish_problems_for_the_console(self, session: Session) -> None:
        world = self._launched(session)
        with pytest.raises(CampaignTextRefusedError) as refused:
            change_running(
                session=session,
                campaign=world.campaign,
                change=CampaignRunningUpdate(template_da="Hej {navn}"),
                now=MONDAY,
                window=WINDOW,
                actor="cli",
                lang="da",
            )
        assert any("ukendte pladsholder {navn}" in p for p in refused.value.problems)
        assert all(p.startswith("Den danske tekst") for p in refused.value.problems)

    def test_nothing_given_is_refused(self, session: Session) -> None:
        world = self._launched(session)
        with pytest.raises(CampaignInputError, match="nothing to change"):
            self._change(session, world)

    def test_a_new_daily_limit_sizes_the_next_wave(self, session: Session) -> None:
        world = self._launched(session, members=100)
        self._change(session, world, daily_limit=7)
        assert release_waves(session=session, window=WINDOW, now=NINE) == 7

    def test_past_its_last_day_pending_invitations_are_skipped(self, session: Session) -> None:
        world = self._launched(session, members=100)
        self._change(session, world, ends_on=TODAY.isoformat(), daily_limit=10)
        assert release_waves(session=session, window=WINDOW, now=NINE) == 10
        assert release_waves(session=session, window=WINDOW, now=NINE + timedelta(days=1)) == 0
        rows = session.scalars(
            select(Invitation).where(col(Invitation.campaign_id) == world.campaign.id)
        ).all()
        skipped = [i for i in rows if i.status == DueStatus.SKIPPED]
        assert len(skipped) == 90 and {i.skip_reason for i in skipped} == {"campaign_ended"}
        assert sum(i.status == DueStatus.SCHEDULED for i in rows) == 10

    def test_a_draft_is_not_changed_here(self, session: Session) -> None:
        world = world_with_members(session, members=3)
        with pytest.raises(CampaignStateError, match="draft"):
            self._change(session, world, daily_limit=5)


def test_an_end_before_the_first_send_day_is_refused_at_launch(session: Session) -> None:
    world = world_with_members(session, members=3)
    world.campaign.ends_on = date(2026, 11, 20)
    with pytest.raises(CampaignInputError, match="before the first send date"):
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
