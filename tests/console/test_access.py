"""Each page is open to exactly the roles the matching API endpoint accepts, within the key's
municipality; another municipality's objects are not found; navigation shows what one may use."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from store.db import unit_of_work
from store.models import Campaign, Municipality, Partner
from tests.console.support import Console, csrf_of
from tests.console.test_campaign_pages import campaign_form

# page → the roles that may open it (as api.deps: coordinator, staff, evaluator sets)
PAGES = {
    "/console/campaigns": {"coordinator", "national"},
    "/console/campaigns/new": {"coordinator", "national"},
    "/console/campaigns/{campaign}": {"coordinator", "national"},
    "/console/campaigns/{campaign}/preview": {"coordinator", "national"},
    "/console/funnel": {"coordinator", "national", "evaluator"},
    "/console/funnel.csv": {"coordinator", "national", "evaluator"},
    "/console/tables": {"coordinator", "national", "evaluator"},
    "/console/tables.csv": {"coordinator", "national", "evaluator"},
    "/console/slots": {"coordinator", "national", "staff"},
    "/console/bookings": {"coordinator", "national", "staff"},
    "/console/bookings/{booking}": {"coordinator", "national", "staff"},
    "/console/bookings/{booking}/outcome": {"coordinator", "national", "staff"},
    "/console/closures": {"coordinator", "national", "staff"},
    "/console/import": {"coordinator", "national"},
}
USERS = ("coordinator", "national", "staff", "evaluator")


def _path(console: Console, template: str) -> str:
    return template.format(campaign=console.world.campaign_id, booking=console.world.awaiting[0])


@pytest.mark.parametrize("who", USERS)
def test_each_role_opens_exactly_its_pages(console: Console, who: str) -> None:
    console.sign_in(who)
    for template, roles in PAGES.items():
        response = console.get(_path(console, template))
        if who in roles:
            # A running campaign's preview sends the coordinator on to the campaign.
            assert response.status_code in (200, 303), (template, response.text)
        else:
            assert response.status_code == 403, template
            assert "Din nøgle giver ikke adgang" in response.text


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        (
            "coordinator",
            ["Kampagner", "Plan", "Rekruttering", "Bookinger", "Tider", "Fravær", "Evaluering"],
        ),
        ("staff", ["Bookinger", "Tider", "Fravær"]),
        ("evaluator", ["Rekruttering", "Evaluering"]),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(
    console: Console, who: str, shown: list[str]
) -> None:
    console.sign_in(who)
    home = console.get(console.sign_in(who).headers["location"]).text
    nav = re.search(r'<nav aria-label="Hovedmenu">(.*?)</nav>', home, re.S)
    assert nav is not None
    assert re.findall(r">([^<>]+)</a>", nav.group(1)) == shown


class TestMunicipalities:
    def test_another_municipalitys_campaign_is_not_found(self, console: Console) -> None:
        console.sign_in("coordinator")
        lejre = console.world.other_campaign_id
        for path in (f"/console/campaigns/{lejre}", f"/console/campaigns/{lejre}/preview"):
            response = console.get(path)
            assert response.status_code == 404
            assert "Siden findes ikke" in response.text
        response = console.post(f"/console/campaigns/{lejre}/launch", {})
        assert response.status_code == 404

    def test_another_municipalitys_partner_is_unknown(self, console: Console) -> None:
        with unit_of_work(console.engine) as session:
            lejre = session.scalars(select(Municipality).where(Municipality.name == "Lejre")).one()
            session.add(Partner(name="Lejre Pensionistforening", municipality_id=lejre.id))
        console.sign_in("coordinator")
        foreign = {"partners": ["Lejre Pensionistforening"]}
        created = console.post("/console/campaigns/new", campaign_form(**foreign))
        assert created.status_code == 422 and "unknown partner" in created.text
        console.post("/console/campaigns/new", campaign_form())
        with unit_of_work(console.engine) as session:
            draft = session.scalars(select(Campaign).order_by(col(Campaign.id).desc())).first()
            assert draft is not None
            draft_id, partner_id = draft.id, draft.partner_id
        page = f"/console/campaigns/{draft_id}/edit"
        changed = console.post(page, campaign_form(**foreign), page=page)
        assert changed.status_code == 422 and "unknown partner" in changed.text
        with unit_of_work(console.engine) as session:
            kept = session.get(Campaign, draft_id)
            assert kept is not None and kept.partner_id == partner_id

    def test_a_key_for_every_municipality_sees_both(self, console: Console) -> None:
        console.sign_in("national")
        page = console.get("/console/campaigns").text
        assert "Lejre" in page and "Test" in page

    def test_a_lejre_coordinator_sees_neither_roskildes_bookings_nor_figures(
        self, console: Console
    ) -> None:
        console.sign_in("lejre")
        assert console.get(f"/console/bookings/{console.world.awaiting[0]}").status_code == 404
        assert "Ingen bookinger" in console.get("/console/bookings").text
        funnel = console.get(f"/console/funnel?campaign={console.world.campaign_id}")
        assert funnel.status_code == 404

    def test_a_staff_member_sees_only_their_own_bookings(self, console: Console) -> None:
        console.sign_in("colleague")
        assert console.get(f"/console/bookings/{console.world.awaiting[0]}").status_code == 404
        assert "Ingen bookinger" in console.get("/console/bookings?from=all").text
        console.sign_in("staff")
        assert console.get(f"/console/bookings/{console.world.awaiting[0]}").status_code == 200

    def test_a_staff_key_without_a_staff_member_is_refused(self, console: Console) -> None:
        console.sign_in("unlinked")
        response = console.get("/console/bookings")
        assert response.status_code == 403
        assert "Ingen adgang" in response.text


class TestReadOnly:
    def test_an_evaluator_cannot_post_a_form(self, console: Console) -> None:
        console.sign_in("evaluator")
        token = csrf_of(console.get("/console/funnel").text)
        booking = console.world.awaiting[0]
        for path in (
            f"/console/campaigns/{console.world.campaign_id}/pause",
            f"/console/bookings/{booking}/outcome",
        ):
            response = console.client.post(path, data={"csrf": token, "attended": "no"})
            assert response.status_code == 403, path

    def test_staff_cannot_run_campaigns(self, console: Console) -> None:
        console.sign_in("staff")
        response = console.post(
            f"/console/campaigns/{console.world.campaign_id}/pause", {}, page="/console/bookings"
        )
        assert response.status_code == 403


def test_an_unknown_console_address_is_a_page_not_json(console: Console) -> None:
    console.sign_in("coordinator")
    for path in ("/console/nowhere", "/console/campaigns/abc", "/console/campaigns/99999999999"):
        response = console.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
    assert console.get("/console/static/secret.txt").status_code == 404
