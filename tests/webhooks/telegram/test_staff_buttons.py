"""Staff on Telegram: the booking notice's buttons, Udeblevet, and Mødt into the outcome form."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from booking.attendance import attendance_buttons
from channels.port import OutgoingMessage
from channels.telegram import TelegramChannel
from core.calendar import COPENHAGEN
from core.clock import SimulatedClock
from recruitbot.runtime import Runtime
from store import outbox
from store.models import AuditEvent, Booking, FollowUp, MonitoringRecord, StaffMember
from store.types import BookingStatus
from tests.factories import World
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import Updates, post
from tests.webhooks.telegram import scenario

CHAT = scenario.STAFF_CHAT


class Desk:
    """A staff member on Telegram with a booking notice in front of them."""

    def __init__(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        fake: FakeTelegram,
        telegram: TelegramChannel,
    ) -> None:
        self.client, self.runtime, self.updates, self.fake = client, runtime, updates, fake
        self.world: World = scenario.world(runtime.engine, runtime.clock.now())
        assert self.world.staff.id is not None
        scenario.link_staff_directly(runtime, self.world.staff.id)
        scenario.invite(runtime, self.world)
        self.booking = scenario.book_by_sms(runtime)
        [notice] = scenario.outbox(runtime, kind="staff_booking")
        self.notice = notice
        # What the sender does with a notice on Telegram: text and buttons from the outbox row.
        assert notice.id is not None
        telegram.send(
            OutgoingMessage(notice.id, notice.address, notice.text, outbox.buttons_of(notice))
        )
        self.message_id: int = fake.sent(CHAT)[-1]["message_id"]

    @property
    def shown(self) -> dict[str, Any]:
        return next(m for m in self.fake.sent(CHAT) if m["message_id"] == self.message_id)

    def labels(self) -> list[str]:
        keyboard = self.shown.get("reply_markup", {}).get("inline_keyboard", [])
        return [button["text"] for row in keyboard for button in row]

    def press(self, label: str) -> str:
        """Press the button with this label on the message as it is now; return the answer."""
        keyboard = self.shown["reply_markup"]["inline_keyboard"]
        [data] = [b["callback_data"] for row in keyboard for b in row if b["text"] == label]
        return self.press_data(data)

    def press_data(self, data: str, chat_id: int = CHAT) -> str:
        response = post(self.client, self.updates.press(chat_id, self.message_id, data))
        assert response.status_code == 200
        answer: str = self.fake.answers[-1].get("text", "")
        return answer

    def after_the_conversation(self, clock: SimulatedClock) -> None:
        clock.set(scenario.slot_start(self.runtime, self.booking) + timedelta(minutes=50))

    def booking_now(self) -> Booking:
        with Session(self.runtime.engine) as session:
            return session.get_one(Booking, self.booking.id)


@pytest.fixture
def d(
    client: TestClient,
    runtime: Runtime,
    updates: Updates,
    telegram_api: FakeTelegram,
    telegram: TelegramChannel,
) -> Desk:
    """A staff member's Telegram, with a booking notice on it."""
    return desk(client, runtime, updates, telegram_api, telegram)


def desk(
    client: TestClient,
    runtime: Runtime,
    updates: Updates,
    telegram_api: FakeTelegram,
    telegram: TelegramChannel,
) -> Desk:
    return Desk(client, runtime, updates, telegram_api, telegram)


class TestBookingNotice:
    def test_carries_mødt_and_udeblevet_for_the_booking(self, d: Desk) -> None:
        assert d.booking.id is not None
        assert (d.notice.channel, d.notice.address) == ("telegram", str(CHAT))
        assert outbox.buttons_of(d.notice) == attendance_buttons(d.booking.id)
        assert d.shown["text"].startswith("Ny booking: ")
        assert d.labels() == ["Mødt", "Udeblevet"]

    def test_before_the_conversation_nothing_is_recorded(self, d: Desk) -> None:
        assert d.press("Mødt") == "Samtalen er ikke begyndt endnu."
        assert d.booking_now().status == BookingStatus.BOOKED
        assert d.labels() == ["Mødt", "Udeblevet"]


class TestNoShow:
    def test_udeblevet_records_the_no_show_and_offers_a_new_time(
        self, d: Desk, clock: SimulatedClock
    ) -> None:
        d.after_the_conversation(clock)
        assert d.press("Udeblevet").startswith("✔ Udeblevet er registreret")
        assert d.booking_now().status == BookingStatus.NO_SHOW
        assert "Udeblevet er registreret" in d.shown["text"]
        assert d.labels() == []
        assert scenario.outbox(d.runtime, kind="rebook_offer")  # to the citizen, by SMS
        with Session(d.runtime.engine) as session:
            assert session.scalars(select(MonitoringRecord)).all() == []

    def test_a_second_press_is_told_it_is_done(self, d: Desk, clock: SimulatedClock) -> None:
        d.after_the_conversation(clock)
        assert d.booking.id is not None
        d.press("Udeblevet")
        assert d.press_data(f"m:{d.booking.id}") == "Udfaldet er allerede registreret."
        assert d.booking_now().status == BookingStatus.NO_SHOW


class TestOutcomeForm:
    def test_mødt_through_the_form_records_attended_and_the_outcome(
        self, d: Desk, clock: SimulatedClock
    ) -> None:
        d.after_the_conversation(clock)
        d.press("Mødt")
        assert "Henvist til kommunale tilbud?" in d.shown["text"]
        assert d.booking_now().status == BookingStatus.BOOKED  # not before the form is saved
        d.press("Rygestop")
        d.press("Motion")
        assert {"✓ Rygestop", "✓ Motion", "Kost"} <= set(d.labels())
        d.press("Videre ▸")
        assert "Råd om at kontakte egen læge?" in d.shown["text"]
        d.press("Ja")
        d.press("Ja")  # a further course
        first_date = d.labels()[0]
        d.press(first_date)
        assert "Henvist til: Rygestop, Motion." in d.shown["text"]
        assert d.press("Gem ✓") == "Udfaldet er gemt."
        assert d.booking_now().status == BookingStatus.ATTENDED
        assert "udfaldet er gemt" in d.shown["text"] and d.labels() == []
        conversation_day = scenario.slot_start(d.runtime, d.booking).astimezone(COPENHAGEN).date()
        with Session(d.runtime.engine) as session:
            record = session.scalars(select(MonitoringRecord)).one()
            follow_up = session.scalars(select(FollowUp)).one()
            audited = session.scalars(
                select(AuditEvent).where(col(AuditEvent.action) == "booking.outcome")
            ).one()
        # Recorded on Telegram, audited as from the API: who, what, which booking.
        assert audited.actor.startswith("telegram:staff:") and audited.subject_id == d.booking.id
        assert record.referrals_municipal == "rygestop,motion"
        assert record.gp_advice and record.further_course
        assert record.follow_up_date == conversation_day + timedelta(days=7)
        assert follow_up.due_at.astimezone(COPENHAGEN).date() >= record.follow_up_date

    def test_shortest_path_no_referrals_no_course(self, d: Desk, clock: SimulatedClock) -> None:
        d.after_the_conversation(clock)
        for label in ("Mødt", "Videre ▸", "Nej", "Nej", "Gem ✓"):
            d.press(label)
        with Session(d.runtime.engine) as session:
            record = session.scalars(select(MonitoringRecord)).one()
            assert session.scalars(select(FollowUp)).all() == []
        assert (record.referrals_municipal, record.gp_advice, record.further_course) == (
            "",
            False,
            False,
        )

    def test_toggle_back_and_cancel(self, d: Desk, clock: SimulatedClock) -> None:
        d.after_the_conversation(clock)
        d.press("Mødt")
        d.press("Kost")
        d.press("✓ Kost")
        assert "✓ Kost" not in d.labels()
        d.press("Videre ▸")
        d.press("◂ Tilbage")
        assert "Henvist til kommunale tilbud?" in d.shown["text"]
        assert d.press("Annullér") == "Annulleret."
        assert d.labels() == ["Mødt", "Udeblevet"]
        assert d.booking_now().status == BookingStatus.BOOKED

    def test_the_console_link_when_configured(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
        telegram: TelegramChannel,
        clock: SimulatedClock,
    ) -> None:
        runtime.settings = runtime.settings.model_copy(
            update={"telegram_console_url": "https://konsol.example/bookings/{booking_id}"}
        )
        d = desk(client, runtime, updates, telegram_api, telegram)
        d.after_the_conversation(clock)
        d.press("Mødt")
        keyboard = d.shown["reply_markup"]["inline_keyboard"]
        assert [
            {
                "text": "Registrér i konsollen",
                "url": f"https://konsol.example/bookings/{d.booking.id}",
            }
        ] in keyboard


class TestWhoMayPress:
    def test_only_linked_staff_of_the_municipality(self, d: Desk, clock: SimulatedClock) -> None:
        d.after_the_conversation(clock)
        assert d.booking.id is not None
        with Session(d.runtime.engine) as session:
            lejre = StaffMember(
                municipality_id=d.world.other_municipality.id or 0,
                name="Lars",
                channel="telegram",
                address="777",
            )
            session.add(lejre)
            session.commit()
        assert d.press_data(f"u:{d.booking.id}", chat_id=777).startswith("Bookingen findes ikke")
        assert (
            d.press_data(f"u:{d.booking.id}", chat_id=778)
            == "Du er ikke koblet på som medarbejder."
        )
        assert d.booking_now().status == BookingStatus.BOOKED


def test_dates_offered_stay_within_a_month() -> None:
    from webhooks.telegram.outcome import follow_up_choices

    assert follow_up_choices(conversation_day=date(2026, 1, 31), today=date(2026, 1, 31)) == (
        7,
        14,
        21,
        28,
    )
    assert follow_up_choices(conversation_day=date(2026, 2, 2), today=date(2026, 2, 20)) == (21, 28)
