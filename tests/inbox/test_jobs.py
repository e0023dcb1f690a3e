"""Due work of the inbox: callbacks past their promise escalate; held bookings await outcomes."""

from __future__ import annotations

from datetime import timedelta

from booking import directory
from booking.access import EVERYTHING
from inbox.jobs import InboxJob
from store.db import unit_of_work
from tests.booking.support import invite
from tests.inbox.support import Office

SECOND = "+4520000002"
KARIN_PHONE = "+4528000003"
ESCALATED_SMS = "Opkald ikke foretaget inden for fristen: Anne (ref. c-20000001). Se indbakken."


def run_job(office: Office) -> int:
    with unit_of_work(office.engine) as session:
        return InboxJob(window=office.runtime.window)(
            session=session, now=office.clock.now(), limit=50
        )


class TestEscalation:
    def test_a_callback_open_past_two_working_days_goes_to_the_coordinator(
        self, office: Office
    ) -> None:
        office.write("Ring mig op")  # Monday 10:00: promised by Wednesday's close
        office.clock.advance(timedelta(days=1))
        run_job(office)
        assert [i.escalated_at for i in office.items()] == [None]
        office.clock.advance(timedelta(days=1, hours=9))  # Wednesday 19:00
        run_job(office)
        (item,) = office.call("GET", "/inbox", "roskilde").json()
        assert item["escalated"] is True and item["kind"] == "callback"

    def test_the_escalated_callback_is_on_top_of_the_coordinators_inbox(
        self, office: Office
    ) -> None:
        office.write("Ring mig op")  # Monday 10:00, promised by Wednesday's close
        office.clock.advance(timedelta(days=2, hours=7))  # Wednesday 17:00
        with unit_of_work(office.engine) as session:
            invite(session, office.world, SECOND, now=office.clock.now())
        office.write("Kan I ringe til mig?", phone=SECOND)  # newer, and due on Friday
        office.clock.advance(timedelta(hours=2))  # 19:00
        run_job(office)
        first, second = office.call("GET", "/inbox", "roskilde").json()
        assert (first["text"], first["escalated"]) == ("Ring mig op", True)
        assert (second["text"], second["escalated"]) == ("Kan I ringe til mig?", False)
        assert first["created_at"] < second["created_at"]  # on top though older
        # Once handled it is no longer on top of everything: escalated first among the open.
        office.call("POST", f"/inbox/{first['id']}/handled", "roskilde", json={"note": "Ringet"})
        listed = office.call("GET", "/inbox?status=all", "roskilde").json()
        assert [i["id"] for i in listed] == [second["id"], first["id"]]

    def test_an_unpromised_callback_is_not_escalated(self, unstaffed: Office) -> None:
        unstaffed.write("Ring mig op")
        unstaffed.clock.advance(timedelta(days=10))
        run_job(unstaffed)
        (item,) = unstaffed.call("GET", "/inbox", "roskilde").json()
        assert item["escalated"] is False


class TestAwaitingOutcome:
    def test_the_working_day_after_the_conversation_staff_get_one_reminder(
        self, office: Office
    ) -> None:
        for text in ("ja", "nej", "1"):  # booked: Wednesday 25 November 09:00, with Mette
            office.write(text)
        office.clock.advance(timedelta(days=2, hours=4))  # Wednesday 14:00: the same day
        run_job(office)
        assert [i.kind for i in office.items()] == ["notice"]  # the new booking reached nobody
        office.clock.advance(timedelta(days=1))  # Thursday 14:00
        run_job(office)
        run_job(office)  # once only
        awaiting = [i for i in office.items() if i.kind == "awaiting_outcome"]
        assert len(awaiting) == 1 and awaiting[0].reminded_at is not None
        assert awaiting[0].staff_member_id == office.mette_id
        reminders = office.outbox(kind="staff_awaiting_outcome")
        assert len(reminders) == 1 and "25.11.2026 kl. 09.00" in reminders[0].text
        (shown,) = office.call("GET", "/inbox?kind=awaiting_outcome", "mette").json()
        assert shown["booking_id"] == awaiting[0].booking_id
        # Recording the outcome settles the item: nobody has to mark it handled as well.
        recorded = office.call(
            "POST", f"/bookings/{shown['booking_id']}/outcome", "mette", json={"attended": True}
        )
        assert recorded.status_code == 201, recorded.text
        (settled,) = [i for i in office.items() if i.kind == "awaiting_outcome"]
        assert settled.status == "handled" and settled.note == "Udfaldet er registreret."

    def test_not_outside_working_hours(self, office: Office) -> None:
        for text in ("ja", "nej", "1"):
            office.write(text)
        office.clock.advance(timedelta(days=2, hours=21))  # Thursday 07:00, before opening
        run_job(office)
        assert not [i for i in office.items() if i.kind == "awaiting_outcome"]
        office.clock.advance(timedelta(hours=3))
        run_job(office)
        assert [i for i in office.items() if i.kind == "awaiting_outcome"]


def make_coordinator(office: Office, *, phone: str = KARIN_PHONE) -> None:
    """Karin coordinates Roskilde; her own entry has her phone, marked as the coordinator's."""
    with unit_of_work(office.engine) as session:
        karin = directory.add_staff_member(
            session=session, scope=EVERYTHING, name="Karin", municipality="Roskilde"
        )
        karin_id = karin.id
    body = {"phone": phone, "coordinator": True}
    done = office.call("PUT", f"/staff/{karin_id}/notices", "roskilde", json=body)
    assert done.status_code == 200, done.text
    assert done.json()["coordinator"] is True


def overdue(office: Office) -> None:
    """Anne asked for a call on Monday 10:00; it is Wednesday 19:00 and nobody has called."""
    office.write("Ring mig op")
    office.clock.advance(timedelta(days=2, hours=9))
    run_job(office)


class TestCoordinatorNotice:
    def test_one_notice_on_the_coordinators_route_in_working_hours(self, office: Office) -> None:
        make_coordinator(office)
        overdue(office)
        (item,) = office.call("GET", "/inbox?kind=callback", "roskilde").json()
        assert item["escalated"] is True
        assert office.outbox(kind="staff_escalated") == []  # the evening: not now
        office.clock.advance(timedelta(hours=14))  # Thursday 09:00
        run_job(office)
        run_job(office)  # once only
        (notice,) = office.outbox(kind="staff_escalated")
        assert notice.channel == "twilio" and notice.address == KARIN_PHONE
        assert notice.text == ESCALATED_SMS and "+4520000001" not in notice.text
        assert [i.kind for i in office.items()] == ["callback"]  # the notice opens no item

    def test_without_a_coordinators_route_the_inbox_is_enough(self, office: Office) -> None:
        make_coordinator(office, phone="")
        overdue(office)
        office.clock.advance(timedelta(hours=14))
        run_job(office)
        assert office.outbox(kind="staff_escalated") == []
        (item,) = office.items()
        assert item.escalated_at is not None and item.reminded_at is not None

    def test_with_no_coordinator_entry_nothing_is_sent(self, office: Office) -> None:
        overdue(office)
        office.clock.advance(timedelta(hours=14))
        run_job(office)
        assert office.outbox(kind="staff_escalated") == []

    def test_a_callback_handled_overnight_is_not_told(self, office: Office) -> None:
        make_coordinator(office)
        overdue(office)
        (item,) = office.items()
        handled = office.call(
            "POST", f"/inbox/{item.id}/handled", "jonas", json={"note": "Ringet op kl. 20"}
        )
        assert handled.status_code == 200, handled.text
        office.clock.advance(timedelta(hours=14))
        run_job(office)
        assert office.outbox(kind="staff_escalated") == []
