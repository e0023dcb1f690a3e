"""An experiment in a real headless Chromium: the variants in the preview, launch, the readout
on the campaign page, stopping a variant (JavaScript off). Screenshots in var/test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from outreach import campaign_setup
from outreach.schemas import CampaignCreate, VariantIn
from store.db import unit_of_work
from tests.console.browser import new_page, screenshot, sign_in
from tests.console.support import Console
from tests.console.world import CONSOLE_NOW

# A loaded machine renders slowly: every expectation waits for the page, up to 30 s.
expect.set_options(timeout=30_000)
SHORT = "Gratis sundhedstjek hos {sender}? Svar JA. Skriv STOP for at afmelde."


def test_a_coordinator_previews_launches_reads_and_stops_a_variant(
    browser: Any, live: tuple[Console, str]
) -> None:
    console, base = live
    with unit_of_work(console.engine) as session:
        campaign_in = CampaignCreate(
            name="Forsøg med kort tekst",
            municipality="265",
            partners=["3F Roskilde"],
            sender="Roskilde Kommune",
            channel="console",
            variants=[VariantIn(label="standard"), VariantIn(label="kort", template_da=SHORT)],
            variant_seed=2,
        )
        draft = campaign_setup.create(
            session=session, campaign_in=campaign_in, now=CONSOLE_NOW, channels=("console",)
        ).id
    page = new_page(browser, javascript=False)
    sign_in(page, base, console.world.keys["coordinator"])
    page.goto(f"{base}/console/campaigns/{draft}/preview")
    heading = page.get_by_role("heading", name="Forsøg: 2 varianter af invitationen")
    expect(heading).to_be_visible()
    expect(page.get_by_role("heading", name="Variant B: kort")).to_be_visible()
    short = page.get_by_text("Gratis sundhedstjek hos Roskilde Kommune? Svar JA.")
    expect(short).to_have_count(5)
    screenshot(page, "experiment-1-preview")
    page.get_by_role("button", name="Sæt kampagnen i gang").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Kampagnen er sat i gang"))
    expect(page.get_by_role("heading", name="Forsøg med invitationen")).to_be_visible()
    table = page.locator("table", has_text="Bookingrate pr. variant")
    expect(table).to_contain_text("A (standard)")
    expect(table).to_contain_text("B (kort)")
    expect(page.get_by_text("Endnu for få svar til at skelne")).to_be_visible()
    screenshot(page, "experiment-2-readout")
    page.get_by_label("Ja, stop variant B").check()
    page.get_by_role("button", name="Stop variant B").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Varianten er stoppet"))
    expect(page.get_by_role("button", name="Stop variant A")).to_have_count(0)
    screenshot(page, "experiment-3-stopped")
