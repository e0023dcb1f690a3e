"""A coordinator creates, previews, launches, pauses, resumes and stops campaigns in the console;
what the form gets wrong is named beside its field and nothing typed is lost."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from outreach import campaign_setup
from store.db import unit_of_work
from store.models import AuditEvent, Campaign, Invitation
from tests.console.support import Console

STOP_TEXT = (
    "Hej {first_name}! Roskilde Kommune tilbyder dig et gratis sundhedstjek. "
    "Svar JA for at få tider. Skriv STOP for at afmelde."
)


def campaign_form(**changes: Any) -> dict[str, Any]:
    """Return the new-campaign form as a coordinator fills it in."""
    return {
        "name": "Forår 2027",
        "partners": ["3F Roskilde"],
        "sender": "Roskilde Kommune",
        "help_phone": "46 31 30 00",
        "channel": "console",
        "template_da": STOP_TEXT,
        "template_en": "",
        "age_min": "40",
        "age_max": "60",
        "window_start_hour": "9",
        "window_end_hour": "18",
        "daily_limit": "50",
        "reinvite_after_days": "90",
        "booking_rate_percent": "15",
        "paced": "1",
        "starts_on": "",
        **changes,
    }


def campaigns_in(console: Console) -> list[Campaign]:
    with unit_of_work(console.engine) as session:
        return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def field_errors(html: str, name: str) -> list[str]:
    """Return the messages shown beside one field."""
    block = re.search(rf'<ul class="field-errors" id="{name}-error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(1), re.S) if block else []


class TestCreate:
    def test_a_new_campaign_is_a_draft_and_the_preview_follows(self, console: Console) -> None:
        console.sign_in("coordinator")
        response = console.post("/console/campaigns/new", campaign_form())
        assert response.status_code == 303
        created = campaigns_in(console)[-1]
        assert response.headers["location"] == (
            f"/console/campaigns/{created.id}/preview?done=created"
        )
        assert (created.name, created.status, created.daily_limit) == ("Forår 2027", "draft", 50)
        assert created.booking_rate_prior == 0.15 and created.municipality_id is not None
        assert created.template_da == STOP_TEXT and created.template_en is None

    def test_the_same_form_through_the_api_makes_the_same_campaign(self, console: Console) -> None:
        console.sign_in("coordinator")
        console.post("/console/campaigns/new", campaign_form())
        body = {
            "name": "Forår 2027",
            "partners": ["3F Roskilde"],
            "sender": "Roskilde Kommune",
            "help_phone": "46 31 30 00",
            "channel": "console",
            "template_da": STOP_TEXT,
            "daily_limit": 50,
        }
        key = {"Authorization": f"Bearer {console.world.keys['coordinator']}"}
        api = console.client.post("/api/v1/campaigns", json=body, headers=key).json()
        with unit_of_work(console.engine) as session:
            ours, theirs = (
                campaign_setup.describe(session=session, campaign=campaign)
                for campaign in campaigns_in(console)[-2:]
            )
        ignore = {"id", "created_at"}
        assert ours.model_dump(exclude=ignore) == theirs.model_dump(exclude=ignore)
        assert theirs.id == api["id"]

    def test_problems_are_named_beside_their_fields_and_nothing_is_lost(
        self, console: Console
    ) -> None:
        console.sign_in("coordinator")
        form = campaign_form(
            name="",
            age_max="30",
            daily_limit="mange",
            template_da="Hej {fornavn}, vil du have et sundhedstjek? Se www.roskilde.dk",
            partners=[],
        )
        response = console.post("/console/campaigns/new", form)
        assert response.status_code == 422
        html = response.text
        assert field_errors(html, "name") == ["Skal udfyldes."]
        assert field_errors(html, "age_max") == ["Den øvre alder skal være mindst den nedre."]
        assert field_errors(html, "daily_limit") == ["Skriv et helt tal."]
        assert field_errors(html, "partners") == ["Vælg mindst én partner."]
        template = " ".join(field_errors(html, "template_da"))
        assert "ukendte pladsholder {fornavn}" in template
        assert "hvem der skriver" in template and "ordet STOP" in template
        assert "link (www.roskilde.dk)" in template
        # What was typed is still there.
        assert 'value="mange"' in html and 'value="30"' in html
        assert "Se www.roskilde.dk</textarea>" in html
        assert 'aria-describedby="name-hint name-error" aria-invalid="true"' in html
        assert len(campaigns_in(console)) == 2

    def test_a_key_for_every_municipality_names_the_municipality(self, console: Console) -> None:
        console.sign_in("national")
        missing = console.post("/console/campaigns/new", campaign_form())
        assert field_errors(missing.text, "municipality") == [
            "Skriv kommunens navn eller kommunekode."
        ]
        wrong = console.post("/console/campaigns/new", campaign_form(municipality="Atlantis"))
        assert "ikke en dansk kommune" in field_errors(wrong.text, "municipality")[0]
        right = console.post("/console/campaigns/new", campaign_form(municipality="265"))
        assert right.status_code == 303

    def test_a_service_refusal_keeps_the_form(self, console: Console) -> None:
        console.sign_in("coordinator")
        response = console.post(
            "/console/campaigns/new", campaign_form(partners=["Ukendt Forening"])
        )
        assert response.status_code == 422
        assert "Kampagnen er ikke gemt" in response.text and "unknown partner" in response.text
        assert 'value="Forår 2027"' in response.text
        assert len(campaigns_in(console)) == 2


class TestPreviewAndLaunch:
    def _draft(self, console: Console, **changes: Any) -> int:
        console.sign_in("coordinator")
        console.post("/console/campaigns/new", campaign_form(**changes))
        return campaigns_in(console)[-1].id or 0

    def test_the_preview_shows_counts_texts_encoding_and_cost(self, console: Console) -> None:
        draft = self._draft(console)
        html = console.get(f"/console/campaigns/{draft}/preview").text
        # 30 members of 3F born 1960-1989: those aged 40-60 on 27 November 2026 are targeted.
        assert re.search(
            r'<span class="figure">21</span><span class="what">får en invitation '
            r"\(af 30 på listerne\)",
            html,
        )
        assert '<th scope="row">Uden for aldersgruppen</th><td class="num">9</td>' in html
        assert "Hej Medlem! Roskilde Kommune tilbyder dig et gratis sundhedstjek." in html
        assert "GSM-7" in html and "7,35 kr." in html  # 21 one-segment texts at 0,35 kr.
        assert "falder i ugerne før jul" in html  # the warnings come in Danish

    def test_the_preview_logs_that_sample_names_were_shown(self, console: Console) -> None:
        draft = self._draft(console)
        assert console.get(f"/console/campaigns/{draft}/preview").status_code == 200
        with unit_of_work(console.engine) as session:
            reads = list(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.detail == "console campaign preview")
                )
            )
        assert reads, "the sample shows members' first names: as the API, the console logs it"
        assert {read.action for read in reads} == {"citizen.read"}
        assert {read.subject_type for read in reads} == {"contact"}
        assert all(read.actor.startswith("api_key:") for read in reads)

    def test_a_refused_template_says_what_to_mend(self, console: Console) -> None:
        draft = self._draft(console)
        with unit_of_work(console.engine) as session:
            session.get_one(Campaign, draft).template_da = "Vil du have et sundhedstjek?"
        response = console.get(f"/console/campaigns/{draft}/preview")
        assert response.status_code == 422
        assert "Dansk tekst: teksten siger ikke, hvordan man framelder sig" in response.text
        assert "Sæt kampagnen i gang</button>" not in response.text

    def test_launch_queues_the_invitations_and_the_campaign_runs(self, console: Console) -> None:
        draft = self._draft(console)
        page = f"/console/campaigns/{draft}/preview"
        response = console.post(f"/console/campaigns/{draft}/launch", {}, page=page)
        assert response.headers["location"] == f"/console/campaigns/{draft}?done=launched"
        with unit_of_work(console.engine) as session:
            assert session.get_one(Campaign, draft).status == "running"
            queued = select(func.count()).where(Invitation.campaign_id == draft)
            assert session.scalar(queued) == 21
        shown = console.get(response.headers["location"]).text
        assert "Kampagnen er sat i gang" in shown and "Sæt på pause" in shown
        again = console.post(
            f"/console/campaigns/{draft}/launch", {}, page=f"/console/campaigns/{draft}"
        )
        assert again.status_code == 409 and "Det kunne ikke lade sig gøre" in again.text

    def test_pause_resume_and_cancel_follow_the_status(self, console: Console) -> None:
        console.sign_in("coordinator")
        running = console.world.campaign_id
        page = f"/console/campaigns/{running}"
        assert "Genoptag" not in console.get(page).text
        assert console.post(f"{page}/pause", {}, page=page).status_code == 303
        paused = console.get(page).text
        assert "På pause" in paused and "Genoptag" in paused and "Sæt på pause" not in paused
        assert console.post(f"{page}/resume", {}, page=page).status_code == 303
        refused = console.post(f"{page}/cancel", {}, page=page)
        assert refused.status_code == 400 and "Intet er ændret" in refused.text
        assert console.post(f"{page}/cancel", {"confirm": "yes"}, page=page).status_code == 303
        stopped = console.get(page).text
        assert "Stoppet" in stopped and "Stop kampagnen</button>" not in stopped

    def test_a_draft_can_be_changed_and_a_launched_one_cannot(self, console: Console) -> None:
        draft = self._draft(console)
        edit = console.get(f"/console/campaigns/{draft}/edit").text
        assert 'value="Forår 2027"' in edit and "checked" in edit
        response = console.post(
            f"/console/campaigns/{draft}/edit",
            campaign_form(name="Efterår 2027", age_min="45"),
            page=f"/console/campaigns/{draft}/edit",
        )
        assert response.headers["location"] == f"/console/campaigns/{draft}/preview?done=updated"
        changed = campaigns_in(console)[-1]
        assert (changed.name, changed.age_min) == ("Efterår 2027", 45)
        running = console.world.campaign_id
        assert console.get(f"/console/campaigns/{running}/edit").status_code == 303


def test_the_list_shows_status_and_suppressed_figures(console: Console) -> None:
    console.sign_in("coordinator")
    html = console.get("/console/campaigns").text
    assert '<span class="status running">I gang</span>' in html
    # Nine citizens booked, six attended: both shown; the Lejre campaign is not listed.
    assert '<td class="num">9</td>' in html and '<td class="num">6</td>' in html
    assert "Lejre" not in html
