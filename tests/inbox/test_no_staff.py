"""A municipality with no staff member at all: every item still lands, and nothing is promised."""

from __future__ import annotations

import pytest

from conversation.service import start
from store.db import unit_of_work
from store.models import Campaign
from tests.factories import add_contact
from tests.inbox.support import Office

LEJRE_CITIZEN = "+4520000009"
PROMISES = ("ringer til dig", "kontakter dig", "hverdage")


def invite_in_lejre(office: Office, *, help_phone: str = "46 46 46 46") -> None:
    """Lejre has no staff member, no place and no slots; its campaign invites one citizen."""
    world = office.world
    with unit_of_work(office.engine) as session:
        campaign = Campaign(
            name="Lejre tjek",
            municipality_id=world.other_municipality.id or 0,
            partner_id=world.partner.id or 0,
            sender="Lejre Kommune",
            help_phone=help_phone,
            status="running",
            created_at=office.clock.now(),
        )
        session.add(campaign)
        contact = add_contact(
            session,
            world,
            phone=LEJRE_CITIZEN,
            municipality=world.other_municipality,
            now=office.clock.now(),
            name="Bo Hansen",
        )
        session.flush()
        start(
            session=session,
            dialogue=office.runtime.dialogue,
            contact=contact,
            campaign=campaign,
            now=office.clock.now(),
        )


def promises_nothing(text: str) -> bool:
    return not any(words in text for words in PROMISES)


class TestNoStaffMember:
    def test_a_callback_lands_in_the_municipalitys_inbox_undelivered(self, office: Office) -> None:
        invite_in_lejre(office)
        replies = office.write("Ring mig op", phone=LEJRE_CITIZEN)
        (answer,) = replies  # the answer only: there is nobody to queue a notice to
        assert answer.kind == "callback" and promises_nothing(answer.text)
        assert "sundhedscentret" in answer.text and "46 46 46 46" in answer.text
        (item,) = office.call("GET", "/inbox", "lejre").json()
        assert item["kind"] == "callback" and item["text"] == "Ring mig op"
        assert item["first_name"] == "Bo" and item["campaign"] == "Lejre tjek"
        assert item["staff"] is None and item["notice"] == "none"
        assert item["delivered"] is False and item["due_at"] is None
        assert office.call("GET", "/inbox/count", "lejre").json() == {"open": 1}
        # Roskilde's coordinator and staff see nothing of it.
        assert office.call("GET", "/inbox", "roskilde").json() == []
        assert office.call("GET", "/inbox", "mette").json() == []

    def test_no_free_times_and_its_clarification_promise_nothing(self, office: Office) -> None:
        invite_in_lejre(office)
        office.write("ja", phone=LEJRE_CITIZEN)
        (no_slots,) = office.write("nej", phone=LEJRE_CITIZEN)  # no health questions: times
        assert "ingen ledige tider" in no_slots.text and promises_nothing(no_slots.text)
        assert "46 46 46 46" in no_slots.text
        (clarified,) = office.write("hmm", phone=LEJRE_CITIZEN)
        assert "stadig ingen ledige tider" in clarified.text
        assert promises_nothing(clarified.text) and "RING" not in clarified.text
        (item,) = office.call("GET", "/inbox", "lejre").json()
        assert item["kind"] == "callback" and item["delivered"] is False

    @pytest.mark.parametrize(
        ("text", "kind"), [("hmm", "unreadable"), ("kan min mand komme med?", "question")]
    )
    def test_replies_not_understood_twice_land_there_too(
        self, office: Office, text: str, kind: str
    ) -> None:
        invite_in_lejre(office)
        office.write("blablabla", phone=LEJRE_CITIZEN)
        (offered,) = office.write(text, phone=LEJRE_CITIZEN)
        assert offered.kind == "callback"
        (item,) = office.call("GET", "/inbox", "lejre").json()
        assert item["kind"] == kind and item["text"] == text and item["staff"] is None

    def test_without_a_help_phone_no_number_is_given(self, office: Office) -> None:
        invite_in_lejre(office, help_phone="")
        (answer,) = office.write("Ring mig op", phone=LEJRE_CITIZEN)
        assert answer.text == "Tak. Vi har givet din besked videre til sundhedscentret."
        office.write("ja", phone=LEJRE_CITIZEN)
        (no_slots,) = office.write("nej", phone=LEJRE_CITIZEN)
        assert no_slots.text == (
            "Vi har desværre ingen ledige tider lige nu. Vi har givet sundhedscentret besked."
        )
        (clarified,) = office.write("hmm", phone=LEJRE_CITIZEN)
        assert clarified.text == "Vi har stadig ingen ledige tider, men sundhedscentret ved besked."
        kinds = [i["kind"] for i in office.call("GET", "/inbox", "lejre").json()]
        assert kinds == ["callback", "callback"]  # the request, then no free times
