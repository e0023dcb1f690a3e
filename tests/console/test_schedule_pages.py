"""Hvad sendes hvornår: the plan of coming messages per day, scoped as the campaign pages are.

The world's clock stands at Friday 27 November 2026, 10:00; its Roskilde campaign is running
with reminders and queued invitations ahead, and Lejre's is a draft.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import col, select

from console import labels
from console.schedule_pages import why
from conversation import schedule
from store.db import unit_of_work
from store.models import Campaign, CampaignBlackout, Contact, Invitation
from store.types import DueStatus
from tests.console.support import Console


def _waiting(console: Console, *, pending: int, limit: int, ends_on: date | None = None) -> None:
    """Give the running campaign `pending` members not invited yet, at `limit` a day, unpaced."""
    with unit_of_work(console.engine) as session:
        campaign = session.get_one(Campaign, console.world.campaign_id)
        campaign.daily_limit, campaign.paced, campaign.ends_on = limit, False, ends_on
        members = session.scalars(
            select(Contact).where(col(Contact.name).startswith("Medlem ")).limit(pending)
        ).all()
        for position, member in enumerate(members, start=1000):
            session.add(
                Invitation(
                    campaign_id=campaign.id or 0,
                    contact_id=member.id or 0,
                    status=DueStatus.PENDING,
                    position=position,
                )
            )


def _text(html: str) -> str:
    """The page's words, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class TestOneCampaign:
    def test_the_campaign_page_links_to_its_plan(self, console: Console) -> None:
        console.sign_in("coordinator")
        page = f"/console/campaigns/{console.world.campaign_id}"
        assert f'href="{page}/schedule"' in console.get(page).text

    def test_the_menu_leads_a_coordinator_to_the_plan_of_all_campaigns(
        self, console: Console
    ) -> None:
        console.sign_in("coordinator")
        home = console.get(f"/console/campaigns/{console.world.campaign_id}").text
        assert 'href="/console/schedule"' in home
        response = console.get("/console/schedule")
        assert response.status_code == 200
        assert "Hvad sendes hvornår" in _text(response.text)

    def test_each_day_shows_what_goes_and_why_the_rest_waits(self, console: Console) -> None:
        _waiting(console, pending=10, limit=2, ends_on=date(2026, 12, 1))
        console.sign_in("coordinator")
        response = console.get(f"/console/campaigns/{console.world.campaign_id}/schedule")
        assert response.status_code == 200
        shown = _text(response.text)
        assert "Hvad sendes hvornår" in shown and "de næste 7 dage" in shown
        friday = shown.index("fredag 27. november 2026")
        monday = shown.index("mandag 30. november 2026")
        tuesday = shown.index("tirsdag 1. december 2026")
        assert friday < monday < tuesday
        assert "Påmindelser om tiden dagen før" in shown[friday:monday]
        assert "Invitationer (skøn) 2" in shown[friday:monday]
        assert "Invitationer (skøn) 2 højst 2 invitationer pr. dag" in shown[monday:tuesday]
        held = shown[shown.index("Holdes tilbage") :]
        assert "Invitationer 4 efter sidste udsendelsesdag (01.12.2026): sendes ikke" in held
        assert "Skøn: invitationer, der endnu ikke er frigivet" in shown

    def test_a_blackout_today_moves_everything_to_monday_and_says_why(
        self, console: Console
    ) -> None:
        with unit_of_work(console.engine) as session:
            session.add(
                CampaignBlackout(
                    campaign_id=console.world.campaign_id,
                    first_day=date(2026, 11, 27),
                    last_day=date(2026, 11, 27),
                )
            )
        console.sign_in("coordinator")
        shown = _text(console.get(f"/console/campaigns/{console.world.campaign_id}/schedule").text)
        assert "fredag 27. november 2026" not in shown
        monday = shown[shown.index("mandag 30. november 2026") :]
        assert "09.00 Påmindelser om tiden dagen før" in monday
        assert "kampagnens dage uden udsendelse" in monday

    def test_the_period_can_be_chosen(self, console: Console) -> None:
        console.sign_in("coordinator")
        page = f"/console/campaigns/{console.world.campaign_id}/schedule"
        longer = console.get(f"{page}?days=30")
        assert longer.status_code == 200 and "de næste 30 dage" in longer.text
        assert f'href="{page}?days=30" aria-current="page"' in longer.text

    @pytest.mark.parametrize("days", ["0", "61", "mange", "-3"])
    def test_a_period_out_of_range_is_a_page_not_an_error(
        self, console: Console, days: str
    ) -> None:
        console.sign_in("coordinator")
        response = console.get(
            f"/console/campaigns/{console.world.campaign_id}/schedule?days={days}"
        )
        assert response.status_code == 404 and "Siden findes ikke" in response.text

    def test_a_draft_sends_nothing(self, console: Console) -> None:
        console.sign_in("lejre")
        shown = _text(
            console.get(f"/console/campaigns/{console.world.other_campaign_id}/schedule").text
        )
        assert "Kampagnen er en kladde: intet sendes, før den er sat i gang." in shown
        assert "Holdes tilbage" not in shown


class TestScope:
    def test_the_overview_shows_only_the_keys_own_campaigns(self, console: Console) -> None:
        _waiting(console, pending=3, limit=5)
        console.sign_in("coordinator")
        mine = _text(console.get("/console/schedule").text)
        assert "Kommunens kampagner" in mine and "Test" in mine and "Lejre" not in mine
        assert "Påmindelser om tiden dagen før" in mine
        console.sign_in("lejre")
        theirs = _text(console.get("/console/schedule").text)
        assert "Der skal ikke sendes noget i perioden." in theirs
        assert "Påmindelser" not in theirs and "Invitationer" not in theirs

    def test_a_national_key_sees_every_campaign(self, console: Console) -> None:
        console.sign_in("national")
        shown = _text(console.get("/console/schedule").text)
        assert "Alle kampagner" in shown and "Påmindelser om tiden dagen før" in shown

    def test_another_municipalitys_campaign_is_not_found(self, console: Console) -> None:
        console.sign_in("lejre")
        page = f"/console/campaigns/{console.world.campaign_id}/schedule"
        assert console.get(page).status_code == 404

    @pytest.mark.parametrize("who", ["staff", "evaluator"])
    def test_only_coordinators_open_it(self, console: Console, who: str) -> None:
        console.sign_in(who)
        for page in (
            "/console/schedule",
            f"/console/campaigns/{console.world.campaign_id}/schedule",
        ):
            response = console.get(page)
            assert response.status_code == 403 and "Din nøgle giver ikke adgang" in response.text

    def test_without_signing_in_it_asks_for_a_key(self, console: Console) -> None:
        response = console.get("/console/schedule?days=14")
        assert response.status_code == 303
        assert response.headers["location"] == "/console/sign-in?next=/console/schedule%3Fdays%3D14"


def test_every_reason_the_plan_gives_has_danish_words() -> None:
    reasons = {
        schedule.HOURS,
        schedule.WEEKEND,
        schedule.HOLIDAY,
        schedule.CLOSED_DAY,
        schedule.BLACKOUT,
        schedule.DAILY_LIMIT,
        schedule.PACING,
        schedule.NO_ROOM,
        schedule.ENDED,
        schedule.PAUSED,
        schedule.STARTS,
    }
    assert set(labels.SCHEDULE_HELD) == reasons
    said = why(schedule.Hold(schedule.DAILY_LIMIT, limit=1500))
    assert said == "højst 1.500 invitationer pr. dag"
    assert why(schedule.Hold(schedule.ENDED, day=date(2027, 3, 31))).endswith(
        "(31.03.2027): sendes ikke"
    )
