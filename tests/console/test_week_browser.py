"""A coordinator's week in a real headless Chromium: open recurring slots, change a running
campaign's pace and text, and add and remove days without sending. Screenshots land in
var/test-artifacts/console/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from store.db import unit_of_work
from store.models import Campaign
from tests.console.browser import new_page, screenshot, sign_in
from tests.console.support import Console

# A loaded machine renders slowly: every expectation waits for the page, up to 30 s.
expect.set_options(timeout=30_000)
TEXT = (
    "Kære {first_name}! Roskilde Kommune tilbyder dig et gratis sundhedstjek. "
    "Svar JA for at få tider. Skriv STOP for at afmelde."
)


def test_a_coordinator_opens_recurring_slots_without_javascript(
    browser: Any, live: tuple[Console, str]
) -> None:
    console, base = live
    page = new_page(browser, javascript=False)
    sign_in(page, base, console.world.keys["coordinator"])
    page.goto(f"{base}/console/slots")
    page.get_by_role("link", name="Opret tider").first.click()
    expect(page.get_by_role("heading", name="Opret tider")).to_be_visible()
    recurring = page.locator('form[action$="/slots/recurring"]')
    recurring.get_by_label("Tirsdag").check()
    recurring.get_by_label("Torsdag").check()
    recurring.get_by_label("Fra kl.").fill("13:00")
    recurring.get_by_label("Til kl.").fill("12:00")
    recurring.get_by_label("Første dag").fill("2026-12-01")
    recurring.get_by_label("Sidste dag").fill("2026-12-31")
    recurring.get_by_label("Medarbejder").select_option(label="Jonas")
    page.get_by_role("button", name="Opret de faste tider").click()
    expect(page.get_by_role("alert")).to_contain_text("Til-klokkeslættet skal ligge efter")
    expect(page.locator("#weekday-1")).to_be_checked()  # nothing typed is lost
    screenshot(page, "week-1-slots-refused")
    page.locator('form[action$="/slots/recurring"]').get_by_label("Til kl.").fill("14:30")
    page.get_by_role("button", name="Opret de faste tider").click()
    expect(page.get_by_role("status")).to_contain_text("16 tider er oprettet")
    expect(page.get_by_role("status")).to_contain_text("24.12.2026")
    screenshot(page, "week-2-slots-opened")
    page.get_by_role("link", name="Se ugen").click()
    expect(page).to_have_url(re.compile(r"/console/slots\?week=2026-W49"))
    expect(page.locator("table.calendar")).to_contain_text("Jonas")


def test_a_coordinator_changes_a_running_campaign_and_its_blackouts(
    browser: Any, live: tuple[Console, str]
) -> None:
    console, base = live
    campaign_id = console.world.campaign_id
    page = new_page(browser, javascript=False)
    sign_in(page, base, console.world.keys["coordinator"])
    page.goto(f"{base}/console/campaigns/{campaign_id}")
    page.get_by_role("link", name="Ret tempo, slutdato og tekst").click()
    page.get_by_label("Højst invitationer pr. dag").fill("25")
    page.get_by_label("Sidste udsendelsesdag").fill("2027-02-26")
    page.get_by_label("Dansk tekst").fill("Hej! Vil du have et sundhedstjek?")
    page.get_by_role("button", name="Gem ændringerne").click()
    expect(page.locator("#template_da-error")).to_contain_text(
        "siger ikke, hvordan man framelder sig"
    )
    assert page.get_by_label("Højst invitationer pr. dag").input_value() == "25"
    screenshot(page, "week-3-change-refused")
    page.get_by_label("Dansk tekst").fill(TEXT)
    page.get_by_role("button", name="Gem ændringerne").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("^Ændringerne er gemt"))
    expect(page.locator("dl.facts")).to_contain_text("26.02.2027")
    expect(page.locator("dl.facts")).to_contain_text("25 invitationer")

    page.get_by_label("Første dag").fill("2026-12-21")
    page.get_by_label("Sidste dag").fill("2027-01-03")
    page.get_by_role("button", name="Tilføj dage uden udsendelse").click()
    expect(page.get_by_role("status")).to_have_text("Dagene uden udsendelse er gemt.")
    expect(page.locator("#blackouts + p + table")).to_contain_text("21.12.2026")
    screenshot(page, "week-4-blackouts")
    page.get_by_role("button", name="Fjern 21.12.2026–03.01.2027").click()
    expect(page.get_by_text("Ingen: kampagnen sender på alle hverdage")).to_be_visible()
    with unit_of_work(console.engine) as session:
        changed = session.get_one(Campaign, campaign_id)
        assert (changed.daily_limit, changed.template_da) == (25, TEXT)
