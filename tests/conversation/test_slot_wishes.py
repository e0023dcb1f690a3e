"""Choosing when and where by SMS, on a real store: wish → matching offer → booking (issue 17)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from booking.slots import create_working_day_slots
from conversation.intake import receive_text
from conversation.service import start
from core.calendar import COPENHAGEN
from store.models import Booking, Contact, Conversation, Location, Message, Slot
from store.types import BookingStatus, ConversationStatus
from tests.factories import DIALOGUE, MONDAY, WINDOW, World, add_contact, make_world

NOW = MONDAY + timedelta(hours=2)  # Monday 23 November 2026, 10:00
PHONE = "+4520000001"


def say(session: Session, text: str, *, now: datetime = NOW) -> list[Message]:
    """Write as the citizen; return what the service queued to the citizen."""
    before = session.scalar(select(func.max(Message.id))) or 0
    receive_text(
        session=session,
        dialogue=DIALOGUE,
        channel="console",
        address=PHONE,
        text=text,
        provider_id=f"p-{before}",
        now=now,
    )
    return list(
        session.scalars(
            select(Message).where(
                col(Message.id) > before,
                col(Message.direction) == "out",
                col(Message.address) == PHONE,
            )
        )
    )


def world_with_afternoons(session: Session) -> World:
    """The usual world (mornings at the health centre) and, two weeks on, afternoons elsewhere."""
    world = make_world(session)
    himmelev = Location(
        municipality_id=world.municipality.id or 0,
        name="Sundhedshus Himmelev",
        address="Himmelev Bygade 1, 4000 Roskilde",
    )
    session.add(himmelev)
    session.flush()
    first = MONDAY.date() + timedelta(days=14)
    create_working_day_slots(
        session=session,
        location_id=himmelev.id or 0,
        staff_member_id=world.staff.id or 0,
        first_day=first,
        last_day=first + timedelta(days=2),
        day_start=time(13),
        day_end=time(15),
        duration_min=45,
        window=WINDOW,
    )
    world.campaign.status = "running"
    return world


def invite(session: Session, world: World) -> Contact:
    contact = add_contact(session, world, phone=PHONE)
    start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=NOW)
    return contact


def booked_start(session: Session) -> datetime:
    booking = session.scalars(
        select(Booking).where(col(Booking.status) == BookingStatus.BOOKED)
    ).one()
    return session.get_one(Slot, booking.slot_id).starts_at.astimezone(COPENHAGEN)


class TestWishToBooking:
    def test_a_conditional_yes_books_an_afternoon(self, session: Session) -> None:
        invite(session, world_with_afternoons(session))
        assert [m.kind for m in say(session, "ja, helst om eftermiddagen")] == ["question"]
        offer = say(session, "nej")  # no questions: straight to the times
        assert [m.kind for m in offer] == ["slot_offer"]
        assert "passer til dit ønske" in offer[0].text
        # Every line names the place: the municipality has two.
        assert offer[0].text.count("Sundhedshus Himmelev") == 3
        assert "confirmation" in {m.kind for m in say(session, "1")}
        assert booked_start(session).hour >= 13

    def test_asking_at_the_offer_gives_matching_slots(self, session: Session) -> None:
        invite(session, world_with_afternoons(session))
        say(session, "ja")
        first = say(session, "nej")[0].text
        assert "kl. 09.00" in first and "Sundhedscenter Roskilde" in first
        wished = say(session, "har I noget om eftermiddagen?")
        assert "kl. 13.00" in wished[0].text and "kl. 09.00" not in wished[0].text
        say(session, "2")
        assert booked_start(session).hour >= 13

    def test_nothing_fitting_is_said_kindly_and_nothing_is_booked(self, session: Session) -> None:
        invite(session, world_with_afternoons(session))
        say(session, "ja")
        say(session, "nej")
        replies = say(session, "kan I om aftenen?")
        assert replies[0].text.startswith("Ingen ledige tider passer desværre til dit ønske.")
        assert session.scalar(select(func.count()).select_from(Booking)) == 0

    def test_the_move_offer_names_the_places(self, session: Session) -> None:
        invite(session, world_with_afternoons(session))
        say(session, "ja")
        say(session, "nej")
        say(session, "1")
        moved = say(session, "FLYT")
        assert moved[0].kind == "slot_offer"
        assert moved[0].text.count("Sundhedscenter Roskilde") == 3
        later = say(session, "kan vi tage den i uge 50 om eftermiddagen?")
        assert "Sundhedshus Himmelev" in later[0].text and "kl. 13.00" in later[0].text
        say(session, "1")
        assert booked_start(session).date() == MONDAY.date() + timedelta(days=14)


class TestRebookAfterCancelling:
    def test_a_new_time_after_aflys_while_recent(self, session: Session) -> None:
        contact = invite(session, world_with_afternoons(session))
        say(session, "ja")
        say(session, "nej")
        say(session, "1")
        assert [m.kind for m in say(session, "AFLYS")] == ["cancellation"]
        conversation = session.scalars(
            select(Conversation).where(col(Conversation.contact_id) == contact.id)
        ).one()
        assert conversation.status == ConversationStatus.CLOSED
        offer = say(session, "kan jeg få en ny tid alligevel?", now=NOW + timedelta(hours=3))
        assert [m.kind for m in offer] == ["slot_offer"]
        assert conversation.status == ConversationStatus.OPEN and conversation.closed_at is None
        assert "confirmation" in {m.kind for m in say(session, "1", now=NOW + timedelta(hours=4))}
        statuses = sorted(b.status for b in session.scalars(select(Booking)))
        assert statuses == [BookingStatus.BOOKED, BookingStatus.CANCELLED]

    def test_after_a_month_the_conversation_stays_closed(self, session: Session) -> None:
        invite(session, world_with_afternoons(session))
        say(session, "ja")
        say(session, "nej")
        say(session, "1")
        say(session, "AFLYS")
        late = say(session, "ny tid", now=NOW + timedelta(days=31))
        assert [m.kind for m in late] == ["info"]
        assert "Samtalen er afsluttet" in late[0].text
