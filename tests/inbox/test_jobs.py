"""Due work of the inbox: callbacks past their promise escalate; held bookings await outcomes."""

from __future__ import annotations

from datetime import timedelta

from inbox.jobs import InboxJob
from store.db import unit_of_work
from tests.inbox.support import Office


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
