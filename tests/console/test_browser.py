"""The console in a real headless Chromium: a coordinator from sign-in to a launched campaign's
funnel (with JavaScript off), staff recording an outcome, an evaluator downloading the tables,
and the live refresh of the funnel. Screenshots land in var/test-artifacts/console/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from booking.outcomes import Outcome, record_outcome
from store.db import unit_of_work
from store.models import Campaign, MonitoringRecord
from tests.console.browser import new_page, screenshot, sign_in
from tests.console.support import Console
from tests.factories import DIALOGUE

STOP_TEXT = (
    "Hej {first_name}! Roskilde Kommune tilbyder dig et gratis sundhedstjek. "
    "Svar JA for at få tider. Skriv STOP for at afmelde."
)


# A loaded machine renders slowly: every expectation waits for the page, up to 30 s.
expect.set_options(timeout=30_000)


def test_a_coordinator_creates_previews_and_launches_a_campaign_without_javascript(
    browser: Any, live: tuple[Console, str]
) -> None:
    console, base = live
    page = new_page(browser, javascript=False)
    sign_in(page, base, console.world.keys["coordinator"])
    expect(page).to_have_url(f"{base}/console/campaigns")
    expect(page.get_by_role("heading", name="Kampagner")).to_be_visible()
    screenshot(page, "coordinator-1-campaigns")

    page.get_by_role("link", name="Ny kampagne").click()
    page.get_by_label("Navn").fill("Forår 2027")
    page.get_by_label("3F Roskilde").check()
    page.get_by_label("Afsender").fill("Roskilde Kommune")
    page.get_by_label("Dansk tekst").fill("Hej {first_name}! Vil du have et sundhedstjek?")
    page.get_by_role("button", name="Opret og forhåndsvis").click()
    errors = page.locator("#template_da-error")
    expect(errors).to_contain_text("siger ikke, hvordan man framelder sig")
    assert page.get_by_label("Navn").input_value() == "Forår 2027"  # nothing typed is lost
    expect(page.get_by_label("3F Roskilde")).to_be_checked()
    screenshot(page, "coordinator-2-form-errors")

    page.get_by_label("Dansk tekst").fill(STOP_TEXT)
    page.get_by_role("button", name="Opret og forhåndsvis").click()
    expect(page).to_have_url(re.compile(r"/console/campaigns/\d+/preview"))
    figures = page.locator(".key-figures")
    expect(figures).to_contain_text("21")
    expect(figures).to_contain_text("7,35 kr.")
    expect(page.get_by_text("Hej Medlem! Roskilde Kommune tilbyder dig")).to_have_count(5)
    expect(page.locator("table.wide")).to_contain_text("GSM-7")
    screenshot(page, "coordinator-3-preview")

    page.get_by_role("button", name="Sæt kampagnen i gang").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Kampagnen er sat i gang"))
    expect(page.get_by_text("I gang", exact=True)).to_be_visible()
    screenshot(page, "coordinator-4-launched")
    page.get_by_role("button", name="Sæt på pause").click()
    expect(page.get_by_role("button", name="Genoptag")).to_be_visible()
    page.get_by_role("button", name="Genoptag").click()

    page.get_by_role("link", name="Se tallene").click()
    expect(page).to_have_url(re.compile(r"/console/funnel\?campaign="))
    expect(page.locator("svg.bars")).to_have_count(2)
    screenshot(page, "coordinator-5-funnel")
    with unit_of_work(console.engine) as session:
        launched = session.scalars(select(Campaign).where(Campaign.name == "Forår 2027")).one()
    assert launched.status == "running"


def test_staff_record_an_outcome(browser: Any, live: tuple[Console, str]) -> None:
    console, base = live
    page = new_page(browser)
    sign_in(page, base, console.world.keys["staff"])
    expect(page).to_have_url(f"{base}/console/bookings")
    screenshot(page, "staff-1-bookings")
    page.get_by_role("link", name="Registrér udfald").first.click()
    expect(page.get_by_role("heading", name="Registrér udfaldet")).to_be_visible()
    booking_id = int(re.findall(r"/bookings/(\d+)/outcome", page.url)[0])

    page.get_by_label("Mødt", exact=True).check()
    page.get_by_label("Motion").check()
    page.get_by_label("Rygestop").check()
    page.get_by_label("Henvist til andre tilbud").fill("Hjerteforeningen")
    page.get_by_label("Rådet til at kontakte egen læge").check()
    page.get_by_label("Aftalt videre forløb: borgeren følges op").check()
    page.get_by_label("Dag for opfølgningen").fill("2026-12-15")
    screenshot(page, "staff-2-outcome-form")
    page.get_by_role("button", name="Gem udfaldet").click()
    expect(page.get_by_role("status")).to_have_text("Udfaldet er gemt.")
    expect(page.locator("dl.facts").last).to_contain_text("Rygestop, Motion")
    screenshot(page, "staff-3-outcome-saved")
    with unit_of_work(console.engine) as session:
        saved = session.scalars(
            select(MonitoringRecord).where(MonitoringRecord.booking_id == booking_id)
        ).one()
    assert saved.referrals_municipal == "rygestop,motion" and saved.gp_advice

    page.get_by_role("link", name="Tider").click()
    expect(page.locator(".slot.booked").first).to_be_visible()
    screenshot(page, "staff-4-calendar")


def test_an_evaluator_reads_and_downloads_the_tables(
    browser: Any, live: tuple[Console, str]
) -> None:
    console, base = live
    page = new_page(browser)
    sign_in(page, base, console.world.keys["evaluator"])
    expect(page).to_have_url(f"{base}/console/funnel")
    expect(page.get_by_role("link", name="Kampagner")).to_have_count(0)
    screenshot(page, "evaluator-1-funnel")

    page.get_by_role("link", name="Evaluering").click()
    page.get_by_label("Mål (sundhedstjek i målgruppen)").fill("10")
    page.get_by_role("button", name="Vis").click()
    expect(page.get_by_role("heading", name="Roskilde (265)")).to_be_visible()
    key = {"Authorization": f"Bearer {console.world.keys['evaluator']}"}
    api = console.client.get("/api/v1/reports/tables?goal=10", headers=key).json()
    held = api["municipalities"][0]["outcomes"]["health_checks"]
    total = page.get_by_role("row", name="Sundhedstjek i alt").inner_text()
    assert total.split() == ["Sundhedstjek", "i", "alt", held]
    screenshot(page, "evaluator-2-tables")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent tabellerne som CSV").click()
    download = download_info.value
    assert download.suggested_filename == "tables_265.csv"
    content = Path(download.path()).read_bytes()
    csv = console.client.get("/api/v1/reports/tables?format=csv&goal=10", headers=key)
    assert content == csv.content


def test_the_funnel_refreshes_itself(browser: Any, live: tuple[Console, str]) -> None:
    console, base = live
    page = new_page(browser)
    problems: list[str] = []  # a script or style the CSP blocks would show up here
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.clock.install()
    sign_in(page, base, console.world.keys["evaluator"])
    # The refresh is scheduled by a deferred script: it has run once the funnel's DOM is loaded.
    # Advancing the clock before that would pass no timer at all (a race a busy machine shows).
    page.wait_for_url(f"{base}/console/funnel**", wait_until="domcontentloaded")
    stamp = page.locator(".updated")
    before = stamp.inner_text()
    attended = page.locator("#figures table").inner_text()
    with unit_of_work(console.engine) as session:
        waiting = console.world.awaiting[-1]
        record_outcome(
            session=session,
            dialogue=DIALOGUE,
            booking_id=waiting,
            outcome=Outcome(attended=True),
            now=console.clock.now(),
        )
    console.clock.advance(timedelta(minutes=5))
    with page.expect_response(lambda r: r.request.headers.get("x-console-fragment") == "figures"):
        page.clock.run_for(31_000)
    page.wait_for_function(
        "before => document.querySelector('.updated').innerText !== before", arg=before
    )
    expect(stamp).to_have_text("Tallene er fra 27.11.2026 kl. 10.05.")
    expect(page.locator("#figures table")).not_to_have_text(attended)
    assert problems == []
    screenshot(page, "evaluator-3-funnel-refreshed")


def test_an_unknown_key_is_told_so(browser: Any, live: tuple[Console, str]) -> None:
    _, base = live
    page = new_page(browser, javascript=False)
    sign_in(page, base, "rbk_this-is-not-a-key")
    expect(page.get_by_role("alert")).to_contain_text("Nøglen kendes ikke")
    screenshot(page, "sign-in-refused")
