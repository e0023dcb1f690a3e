"""Hvad sendes hvornår in a real headless Chromium: from a campaign to its plan, another period,
and the overview of every campaign. Screenshots land in var/test-artifacts/console/."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from playwright.sync_api import expect

from tests.console.browser import new_page, screenshot, sign_in
from tests.console.support import Console
from tests.console.test_schedule_pages import _waiting

# A loaded machine renders slowly: every expectation waits for the page, up to 30 s.
expect.set_options(timeout=30_000)


def test_a_coordinator_sees_what_goes_out_when_without_javascript(
    browser: Any, live: tuple[Console, str]
) -> None:
    console, base = live
    _waiting(console, pending=10, limit=3, ends_on=date(2026, 12, 1))
    campaign_id = console.world.campaign_id
    page = new_page(browser, javascript=False)
    sign_in(page, base, console.world.keys["coordinator"])
    page.goto(f"{base}/console/campaigns/{campaign_id}")
    page.get_by_role("link", name="Hvad sendes hvornår").click()
    expect(page).to_have_url(re.compile(rf"/console/campaigns/{campaign_id}/schedule$"))
    expect(page.get_by_role("heading", name="Hvad sendes hvornår")).to_be_visible()
    monday = page.get_by_role("heading", name="mandag 30. november 2026")
    expect(monday).to_be_visible()
    expect(page.locator("table.schedule").nth(1)).to_contain_text("højst 3 invitationer pr. dag")
    held = page.locator("#held + p + table")
    expect(held).to_contain_text("efter sidste udsendelsesdag (01.12.2026): sendes ikke")
    screenshot(page, "schedule-1-campaign")

    page.get_by_role("link", name="14 dage").click()
    expect(page).to_have_url(re.compile(r"\?days=14$"))
    expect(page.locator("p.lead")).to_contain_text("de næste 14 dage")
    page.get_by_role("link", name="Alle kampagner").last.click()
    expect(page).to_have_url(re.compile(r"/console/schedule\?days=14$"))
    expect(page.locator("p.lead")).to_contain_text("Kommunens kampagner")
    expect(page.get_by_role("columnheader", name="Kampagne").first).to_be_visible()
    screenshot(page, "schedule-2-overview")
    page.get_by_role("link", name="Test").first.click()
    expect(page).to_have_url(re.compile(rf"/console/campaigns/{campaign_id}/schedule\?days=14$"))
