"""The dialogue service on a real store: inbound text to outbox, bookings, opt-outs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from booking.outcomes import Outcome, record_outcome
from conversation import jobs
from conversation.intake import receive_text
from conversation.service import start
from store.models import (
    Booking,
    Contact,
    Conversation,
    FollowUp,
    Message,
    MonitoringRecord,
    Reminder,
)
from store.types import BookingStatus, DueStatus
from tests.factories import DIALOGUE, MONDAY, World, add_contact, make_world

NOW = MONDAY + timedelta(hours=2)  # 10:00


def say(
    session: Session, phone: str, text: str, *, provider_id: str | None = None
) -> list[Message]:
    """Write as the citizen; return what the service queued in reply."""
    before = session.scalar(select(func.max(Message.id))) or 0
    receive_text(
        session=session,
        dialogue=DIALOGUE,
        channel="console",
        address=phone,
        text=text,
        provider_id=provider_id or f"p-{before}-{text}",
        now=NOW,
    )
    return list(
        session.scalars(
            select(Message).where(col(Message.id) > before, col(Message.direction) == "out")
        )
    )


def invite(session: Session, phone: str, world: World | None = None) -> Contact:
    world = world or make_world(session)
    world.campaign.status = "running"
    contact = add_contact(session, world, phone=phone)
    start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=NOW)
    return contact


def book_through_dialogue(session: Session, phone: str, choice: str = "1") -> list[Message]:
    say(session, phone, "Ja tak")
    say(session, phone, "nej")  # no health questions: straight to times
    return say(session, phone, choice)


class TestWholePath:
    def test_from_invitation_to_follow_up(self, session: Session) -> None:
        contact = invite(session, "+4520000001")
        invitation = session.scalars(select(Message).where(col(Message.kind) == "invitation")).one()
        assert "Roskilde Kommune" in invitation.text and "STOP" in invitation.text
        assert invitation.trigger == "scheduled"
        assert say(session, contact.phone, "ja")[0].kind == "question"
        assert say(session, contact.phone, "ja")[0].kind == "question"  # consent given: age
        say(session, contact.phone, "ja")  # in the age band
        say(session, contact.phone, "3")  # health: good
        offer = say(session, contact.phone, "ingen")[0]
        assert offer.kind == "slot_offer"
        replies = say(session, contact.phone, "2")
        kinds = {m.kind for m in replies}
        assert "confirmation" in kinds and "staff_booking" in kinds
        assert all(m.trigger == "reply" for m in replies)
        booking = session.scalars(select(Booking)).one()
        assert booking.status == BookingStatus.BOOKED
        reminder = session.scalars(
            select(Reminder).where(col(Reminder.kind) == "booking_reminder")
        ).one()
        assert reminder.due_at < session.get_one(Booking, booking.id).created_at + timedelta(days=7)
        # The reminder goes out when due, inside the window, as a scheduled message.
        assert (
            jobs.process_reminders(
                session=session, dialogue=DIALOGUE, now=reminder.due_at, limit=10
            )
            >= 1
        )
        sent = session.scalars(select(Message).where(col(Message.kind) == "reminder")).one()
        assert sent.trigger == "scheduled"
        # Staff record the outcome after the conversation: a further course is agreed.
        after = reminder.due_at + timedelta(days=3)
        assert booking.id is not None
        record = record_outcome(
            session=session,
            dialogue=DIALOGUE,
            booking_id=booking.id,
            outcome=Outcome(attended=True, referrals_municipal=("motion",), further_course=True),
            now=after,
        )
        assert isinstance(record, MonitoringRecord)
        assert record.self_rated_health == "godt" and record.chronic_diseases == ""
        follow_up = session.scalars(select(FollowUp)).one()
        assert follow_up.due_at - after <= timedelta(days=30)
        jobs.process_follow_ups(session=session, dialogue=DIALOGUE, now=follow_up.due_at, limit=10)
        assert session.scalars(select(Message).where(col(Message.kind) == "follow_up")).one()
        assert session.get_one(FollowUp, follow_up.id).status == DueStatus.DONE


class TestBookingRace:
    def test_two_citizens_choose_the_same_slot(self, session: Session) -> None:
        world = make_world(session)
        first = invite(session, "+4520000001", world)
        second = invite(session, "+4520000002", world)
        say(session, first.phone, "ja")
        say(session, first.phone, "nej")
        say(session, second.phone, "ja")
        say(session, second.phone, "nej")  # both now see the same three times
        assert "confirmation" in {m.kind for m in say(session, first.phone, "1")}
        lost = say(session, second.phone, "1")
        assert [m.kind for m in lost] == ["slot_offer"]
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
        assert "confirmation" in {m.kind for m in say(session, second.phone, "1")}
        slots = [b.slot_id for b in session.scalars(select(Booking))]
        assert len(set(slots)) == 2


class TestOptOut:
    def test_stop_cancels_everything_in_the_same_transaction(self, session: Session) -> None:
        contact = invite(session, "+4520000001")
        book_through_dialogue(session, contact.phone)
        assert session.scalars(select(Reminder).where(col(Reminder.status) == "scheduled")).all()
        replies = say(session, contact.phone, "Nej tak, stop")
        assert [m.kind for m in replies if m.contact_id] == ["opt_out"]
        assert not session.scalars(
            select(Reminder).where(col(Reminder.status) == "scheduled")
        ).all()
        queued = session.scalars(
            select(Message).where(
                col(Message.status) == "queued", col(Message.contact_id) == contact.id
            )
        ).all()
        assert [m.kind for m in queued] == ["opt_out"]
        assert say(session, contact.phone, "hallo?") == []

    def test_a_word_containing_stop_is_no_opt_out(self, session: Session) -> None:
        contact = invite(session, "+4520000001")
        replies = say(session, contact.phone, "stoppested")
        assert "opt_out" not in {m.kind for m in replies}


class TestInbound:
    def test_same_provider_id_is_handled_once(self, session: Session) -> None:
        contact = invite(session, "+4520000001")
        first = say(session, contact.phone, "ja", provider_id="SM1")
        again = say(session, contact.phone, "ja", provider_id="SM1")
        assert first and again == []
        inbound = session.scalars(select(Message).where(col(Message.direction) == "in")).all()
        assert len(inbound) == 1

    def test_unknown_number_gets_a_short_answer_and_nothing_is_created(
        self, session: Session
    ) -> None:
        make_world(session)
        replies = say(session, "+4529999999", "Hej, hvem er I?")
        assert [m.kind for m in replies] == ["info"]
        assert "+4529999999" not in replies[0].text
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0


class TestClosedBehindTheEnginesBack:
    def test_a_provider_opt_out_ends_the_dialogue(self, session: Session) -> None:
        from delivery.optout import opt_out

        contact = invite(session, "+4520000001")
        say(session, contact.phone, "ja")  # now at the consent question
        assert contact.id is not None
        opt_out(
            session=session,
            contact_id=contact.id,
            address=contact.phone,
            source="provider",
            now=NOW,
        )
        replies = say(session, contact.phone, "ja")
        assert all(m.kind not in ("question", "slot_offer") for m in replies)
