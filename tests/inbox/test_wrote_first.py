"""Someone not taken in after writing first, as the inbox shows it: API, CLI, scope, notice."""

from __future__ import annotations

from tests.inbox.support import Office

STRANGER = "+4520999999"


class TestWroteFirstItem:
    def test_the_coordinator_and_the_staff_member_on_duty_see_it(self, office: Office) -> None:
        queued = office.write("Kan jeg også komme?", phone=STRANGER)
        [answer] = [m for m in queued if m.address == STRANGER]
        assert "Det er Roskilde Kommune" in answer.text
        [notice] = [m for m in queued if m.staff_member_id is not None]
        assert notice.staff_member_id == office.jonas_id  # the one a notice can reach
        assert notice.text == "Borger har skrevet uden at være inviteret. Se indbakken."
        [item] = office.call("GET", "/inbox?kind=wrote_first", "roskilde").json()
        assert (item["kind"], item["label"]) == ("wrote_first", "Skrev uden invitation")
        assert (item["phone"], item["first_name"], item["text"]) == (
            STRANGER,
            None,
            "Kan jeg også komme?",
        )
        assert item["campaign"] == office.world.campaign.name
        assert len(office.call("GET", "/inbox?kind=wrote_first", "jonas").json()) == 1
        assert office.call("GET", "/inbox?kind=wrote_first", "mette").json() == []
        assert office.call("GET", "/inbox", "lejre").json() == []

    def test_a_second_message_brings_the_item_up_to_date(self, office: Office) -> None:
        office.write("Kan jeg også komme?", phone=STRANGER)
        office.write("Hallo?", phone=STRANGER)
        [item] = office.items()
        assert item.text == "Hallo?"
        note = {"note": "Ringet op"}
        handled = office.call("POST", f"/inbox/{item.id}/handled", "roskilde", json=note)
        assert handled.status_code == 200
        office.write("Tak!", phone=STRANGER)
        assert [i.status for i in office.items()] == ["handled", "open"]
