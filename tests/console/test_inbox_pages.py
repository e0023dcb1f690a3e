"""The inbox in the console: the count in the menu, scoping, handled with a note, a takeover."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import col

from store.db import unit_of_work
from store.models import AuditEvent, InboxItem, Message
from tests.console.inbox_support import ask_for_call, write
from tests.console.support import Console


def callback_item(console: Console) -> InboxItem:
    with unit_of_work(console.engine) as session:
        return session.scalars(select(InboxItem).where(col(InboxItem.kind) == "callback")).one()


class TestInboxPage:
    def test_staff_see_their_own_items_and_the_count_in_the_menu(self, console: Console) -> None:
        ask_for_call(console)
        console.sign_in("staff")
        html = console.get("/console/inbox").text
        assert "Ønsker opkald" in html and "Ring mig op" in html and "Karen" in html
        assert 'class="count"' in html
        console.sign_in("colleague")
        assert "Ring mig op" not in console.get("/console/inbox").text
        console.sign_in("lejre")
        assert "Ring mig op" not in console.get("/console/inbox").text

    def test_the_coordinator_sees_an_undelivered_notice(self, console: Console) -> None:
        ask_for_call(console)  # the staff member has neither Telegram nor a phone
        console.sign_in("coordinator")
        html = console.get("/console/inbox").text
        assert "Ring mig op" in html and "Besked ikke leveret" in html

    def test_an_item_is_handled_with_a_note(self, console: Console) -> None:
        ask_for_call(console)
        item = callback_item(console)
        console.sign_in("staff")
        empty = console.post(
            f"/console/inbox/{item.id}/handled", {"note": " "}, page="/console/inbox"
        )
        assert empty.status_code == 422 and "Skriv en kort note" in empty.text
        done = console.post(
            f"/console/inbox/{item.id}/handled", {"note": "Ringet op"}, page="/console/inbox"
        )
        assert done.status_code == 303
        assert callback_item(console).note == "Ringet op"
        assert "Ring mig op" not in console.get("/console/inbox").text


class TestTakeover:
    def test_take_over_reply_and_hand_back(self, console: Console) -> None:
        conversation = ask_for_call(console)
        console.sign_in("staff")
        page = f"/console/conversations/{conversation}"
        assert "Overtag samtalen" in console.get(page).text
        assert console.post(f"{page}/takeover", {}, page=page).status_code == 303
        sent = console.post(f"{page}/reply", {"text": "Hej Karen,\nJeg ringer kl. 14."}, page=page)
        assert sent.status_code == 303
        with unit_of_work(console.engine) as session:
            (mine,) = session.scalars(select(Message).where(col(Message.kind) == "person_reply"))
            assert mine.text == "Hej Karen, Jeg ringer kl. 14." and mine.staff_member_id
        write(console, "Det er fint")
        html = console.get(page).text
        assert "Det er fint" in html and "Du har overtaget samtalen" in html
        assert console.post(f"{page}/hand-back", {}, page=page).status_code == 303
        assert "Systemet svarer borgeren" in console.get(page).text
        with unit_of_work(console.engine) as session:
            actions = set(session.scalars(select(col(AuditEvent.action))))
        assert {"conversation.takeover", "conversation.reply", "conversation.hand_back"} <= actions

    def test_a_colleague_cannot_open_the_conversation(self, console: Console) -> None:
        conversation = ask_for_call(console)
        console.sign_in("colleague")
        assert console.get(f"/console/conversations/{conversation}").status_code == 404


class TestFromTheBooking:
    def test_the_booking_page_links_to_the_conversation(self, console: Console) -> None:
        console.sign_in("staff")
        booking_id = console.world.upcoming
        html = console.get(f"/console/bookings/{booking_id}").text
        found = re.search(r'href="/console/conversations/(\d+)"', html)
        assert found
        page = console.get(f"/console/conversations/{found.group(1)}")
        assert page.status_code == 200 and "Overtag samtalen" in page.text
