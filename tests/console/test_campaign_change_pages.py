"""A coordinator changes a running campaign's pace, last day, texts and days without sending."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import col

from store.db import unit_of_work
from store.models import AuditEvent, Campaign, CampaignBlackout
from tests.console.support import Console

TEXT = (
    "Hej {first_name}! Roskilde Kommune tilbyder dig et gratis sundhedstjek. "
    "Svar JA for at få tider. Skriv STOP for at afmelde."
)


def _form(**changes: str) -> dict[str, str]:
    return {"daily_limit": "100", "ends_on": "", "template_da": "", "template_en": "", **changes}


def _campaign(console: Console) -> Campaign:
    with unit_of_work(console.engine) as session:
        return session.get_one(Campaign, console.world.campaign_id)


class TestChange:
    def test_pace_end_and_text_change_and_are_audited(self, console: Console) -> None:
        console.sign_in("coordinator")
        page = f"/console/campaigns/{console.world.campaign_id}"
        assert "Ret tempo, slutdato og tekst" in console.get(page).text
        form = console.get(f"{page}/change").text
        assert 'name="daily_limit"' in form and "Invitationer, der endnu ikke er sendt" in form
        done = console.post(
            f"{page}/change",
            _form(daily_limit="25", ends_on="2027-02-26", template_da=TEXT),
            page=f"{page}/change",
        )
        assert done.headers["location"] == f"{page}?done=changed"
        changed = _campaign(console)
        assert (changed.daily_limit, changed.ends_on) == (25, date(2027, 2, 26))
        assert changed.template_da == TEXT
        shown = console.get(done.headers["location"]).text
        assert "Ændringerne er gemt" in shown and "26.02.2027" in shown
        with unit_of_work(console.engine) as session:
            [event] = session.scalars(
                select(AuditEvent).where(col(AuditEvent.action) == "campaign.changed")
            ).all()
        assert event.actor.startswith("api_key:") and "daily_limit 100 -> 25" in event.detail

    def test_problems_are_named_in_danish_and_nothing_is_saved(self, console: Console) -> None:
        console.sign_in("coordinator")
        page = f"/console/campaigns/{console.world.campaign_id}/change"
        refused = console.post(
            page,
            _form(daily_limit="0", ends_on="2026-11-01", template_da="Hej! Se www.sundhed.dk"),
            page=page,
        )
        assert refused.status_code == 422
        assert "Skriv et helt tal fra 1 til 100.000" in refused.text
        assert "siger ikke, hvordan man framelder sig" in refused.text
        assert "indeholder et link" in refused.text
        assert "Hej! Se www.sundhed.dk" in refused.text  # what was typed is kept
        assert _campaign(console).daily_limit == 100
        past = console.post(page, _form(ends_on="2026-11-01"), page=page)
        assert past.status_code == 422 and "Dagen er allerede gået" in past.text

    def test_a_draft_or_another_municipality_has_no_such_form(self, console: Console) -> None:
        console.sign_in("coordinator")
        other = f"/console/campaigns/{console.world.other_campaign_id}/change"
        assert console.get(other).status_code == 404
        console.sign_in("staff")
        assert (
            console.get(f"/console/campaigns/{console.world.campaign_id}/change").status_code == 403
        )


class TestBlackouts:
    def test_add_and_remove_days_without_sending(self, console: Console) -> None:
        console.sign_in("coordinator")
        page = f"/console/campaigns/{console.world.campaign_id}"
        assert "Dage uden udsendelse" in console.get(page).text
        added = console.post(
            f"{page}/blackouts", {"first_day": "2026-12-21", "last_day": "2027-01-03"}, page=page
        )
        assert added.headers["location"] == f"{page}?done=blackouts"
        one_day = console.post(f"{page}/blackouts", {"first_day": "2027-02-15"}, page=page)
        assert one_day.status_code == 303
        shown = console.get(page).text
        assert "21.12.2026" in shown and "03.01.2027" in shown and "15.02.2027" in shown
        with unit_of_work(console.engine) as session:
            periods = session.scalars(select(CampaignBlackout)).all()
            audited = session.scalars(
                select(col(AuditEvent.detail)).where(col(AuditEvent.action) == "campaign.changed")
            ).all()
        assert {(p.first_day, p.last_day) for p in periods} == {
            (date(2026, 12, 21), date(2027, 1, 3)),
            (date(2027, 2, 15), date(2027, 2, 15)),
        }
        assert len(audited) == 2
        removed = console.post(
            f"{page}/blackouts/remove",
            {"first_day": "2026-12-21", "last_day": "2027-01-03"},
            page=page,
        )
        assert removed.status_code == 303
        assert "21.12.2026" not in console.get(page).text

    def test_a_bad_period_is_refused_in_danish(self, console: Console) -> None:
        console.sign_in("coordinator")
        page = f"/console/campaigns/{console.world.campaign_id}"
        backwards = console.post(
            f"{page}/blackouts", {"first_day": "2027-01-03", "last_day": "2026-12-21"}, page=page
        )
        assert backwards.status_code == 422 and "Sidste dag ligger før første dag" in backwards.text
        nonsense = console.post(f"{page}/blackouts", {"first_day": "i morgen"}, page=page)
        assert nonsense.status_code == 422 and "Skriv første dag som en dato" in nonsense.text
        gone = console.post(
            f"{page}/blackouts/remove", {"first_day": "2027-01-03", "last_day": "2027-01-04"},
            page=page,
        )  # fmt: skip
        assert gone.status_code == 422 and "findes ikke" in gone.text
        other = f"/console/campaigns/{console.world.other_campaign_id}/blackouts"
        assert console.post(other, {"first_day": "2027-01-03"}, page=page).status_code == 404
