"""The inbox in a real headless Chromium: staff take a callback over, answer, hand back, and
mark it handled. Screenshots land in var/test-artifacts/console/."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from store.db import unit_of_work
from store.models import InboxItem, Message
from tests.console.browser import new_page, screenshot, sign_in
from tests.console.inbox_support import ask_for_call, write
from tests.console.support import Console


def test_staff_take_over_a_callback_and_hand_it_back(
    browser: Any, live: tuple[Console, str]
) -> None:
    console, base = live
    conversation = ask_for_call(console)
    page = new_page(browser)
    sign_in(page, base, console.world.keys["staff"])
    menu = page.get_by_role("navigation", name="Hovedmenu")
    assert menu.locator(".count").inner_text().strip().isdigit()
    menu.get_by_role("link", name="Indbakke").click()
    row = page.locator("tr[data-kind=callback]")
    assert "Ring mig op" in row.inner_text() and "Karen" in row.inner_text()
    screenshot(page, "inbox-1-list")

    row.get_by_role("link", name="Se samtalen").click()
    assert page.url.endswith(f"/console/conversations/{conversation}")
    page.get_by_role("button", name="Overtag samtalen").click()
    assert page.get_by_role("status").inner_text().startswith("Du har overtaget samtalen")
    page.get_by_label("Besked til borgeren").fill("Hej Karen, det er Mette. Jeg ringer kl. 14.")
    page.get_by_role("button", name="Send").click()
    assert page.get_by_role("status").inner_text() == "Beskeden er lagt i kø og sendes."
    assert page.locator("li.person").inner_text().endswith("Jeg ringer kl. 14.")
    screenshot(page, "inbox-2-taken-over")

    write(console, "Super, tak")
    page.reload()
    assert page.locator("li.in").last.inner_text().endswith("Super, tak")
    with unit_of_work(console.engine) as session:
        last = session.scalars(
            select(Message)
            .where(col(Message.conversation_id) == conversation)
            .order_by(col(Message.id).desc())
        ).first()
        assert last is not None and last.direction == "in"  # the bot did not answer

    page.get_by_role("button", name="Giv samtalen tilbage til systemet").click()
    assert "tilbyder borgeren tider" in page.get_by_role("status").inner_text()
    assert page.locator("li.out").last.inner_text().count("Her er ledige tider") == 1
    screenshot(page, "inbox-3-handed-back")

    page.get_by_role("link", name="Tilbage til indbakken").click()
    row = page.locator("tr[data-kind=callback]")
    row.get_by_label("Note").fill("Ringet op, tid aftalt")
    row.get_by_role("button", name="Markér som håndteret").click()
    assert page.get_by_role("status").inner_text() == "Markeret som håndteret."
    assert page.locator("tr[data-kind=callback]").count() == 0
    screenshot(page, "inbox-4-handled")
    with unit_of_work(console.engine) as session:
        item = session.scalars(select(InboxItem).where(col(InboxItem.kind) == "callback")).one()
        assert item.note == "Ringet op, tid aftalt" and item.status == "handled"
