"""Notices always reach someone: SMS to a staff member's own phone, or the inbox, undelivered."""

from __future__ import annotations

import pytest

from channels.console import ConsoleChannel
from channels.twilio import TwilioChannel
from delivery.sender import send_batch
from store.inbox import route_for
from store.models import StaffMember
from tests.channels.test_twilio_channel import FakeTime, config
from tests.fakes.twilio_api import TwilioApiFake
from tests.inbox.support import Office


class TestSmsNotice:
    def test_a_staff_member_without_telegram_gets_an_sms_through_twilio(
        self, office: Office, twilio_api: TwilioApiFake
    ) -> None:
        office.write("Ring mig op")
        time = FakeTime()
        channels = {
            "console": ConsoleChannel(),
            "twilio": TwilioChannel(config(twilio_api), clock=time.clock, sleep=time.sleep),
        }
        send_batch(
            engine=office.engine,
            channels=channels,
            window=office.runtime.window,
            now=office.clock.now(),
            limit=20,
        )
        (form,) = twilio_api.created()
        assert form["To"] == ["+4530000002"]
        body = form["Body"][0]
        assert body == "Borger ønsker et opkald: Anne (ref. c-20000001). Se indbakken."
        assert "+4520000001" not in body and len(body) <= 160
        (item,) = office.call("GET", "/inbox", "jonas").json()
        assert item["notice"] == "sms" and item["delivered"] is True

    def test_a_new_booking_by_sms_points_to_the_bookings_and_opens_no_item(
        self, office: Office
    ) -> None:
        office.call(
            "PUT", f"/staff/{office.mette_id}/notices", "roskilde", json={"phone": "20123456"}
        )
        for text in ("ja", "nej", "1"):
            office.write(text)
        (notice,) = office.outbox(kind="staff_booking")
        assert notice.channel == "twilio" and notice.address == "+4520123456"
        assert notice.text == "Ny booking: Anne (ref. c-20000001). Se bookingerne."
        assert office.items() == []


class TestNoOneToTell:
    def test_the_notice_stays_in_the_inbox_and_shows_as_undelivered(
        self, unstaffed: Office
    ) -> None:
        replies = unstaffed.write("Ring mig op")
        (answer,) = [m for m in replies if m.kind == "callback"]
        assert "hverdage" not in answer.text  # no promise without a person behind it
        (item,) = unstaffed.call("GET", "/inbox", "roskilde").json()
        assert item["notice"] == "none" and item["delivered"] is False
        assert item["due_at"] is None and item["staff"] == "Mette"

    def test_a_new_booking_that_reached_nobody_is_kept_in_the_inbox(
        self, unstaffed: Office
    ) -> None:
        unstaffed.write("ja")
        unstaffed.write("nej")
        unstaffed.write("1")
        kinds = [i["kind"] for i in unstaffed.call("GET", "/inbox", "mette").json()]
        assert kinds == ["notice"]


class TestRoute:
    @pytest.mark.parametrize(
        ("channel", "address", "phone", "notify_by", "route"),
        [
            ("telegram", "123", "+4530000002", "auto", "telegram"),
            ("console", "", "+4530000002", "auto", "sms"),
            ("telegram", "", "+4530000002", "auto", "sms"),  # not linked yet
            ("telegram", "123", "+4530000002", "sms", "sms"),
            ("telegram", "123", "", "sms", "none"),
            ("console", "", "", "auto", "none"),
            ("telegram", "123", "+4530000002", "inbox", "none"),
        ],
    )
    def test_the_default_is_telegram_then_sms_then_the_inbox(
        self, channel: str, address: str, phone: str, notify_by: str, route: str
    ) -> None:
        member = StaffMember(
            municipality_id=1, name="X", channel=channel, address=address, phone=phone
        )
        member.notify_by = notify_by
        assert route_for(member) == route

    def test_a_coordinator_sets_the_phone_and_choice(self, office: Office) -> None:
        path = f"/staff/{office.mette_id}/notices"
        bad = office.call("PUT", path, "roskilde", json={"phone": "12"})
        assert bad.status_code == 422 and "not a phone number" in bad.text
        done = office.call("PUT", path, "roskilde", json={"phone": "20 12 34 56"})
        assert done.json() == {
            "id": office.mette_id,
            "name": "Mette",
            "phone": "+4520123456",
            "notify_by": "auto",
            "route": "sms",
            "coordinator": False,
        }
        assert office.call("PUT", path, "lejre", json={"notify_by": "sms"}).status_code == 404
        assert office.call("PUT", path, "mette", json={"notify_by": "sms"}).status_code == 403
