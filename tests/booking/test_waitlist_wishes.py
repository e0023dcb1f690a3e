"""The waitlist waits for the citizen's own wish: a freed time goes to the first whose wish it
fits, and a wish that fits none of the free times is offered the waitlist beside the others."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from booking import availability, waitlist, wishes
from booking.access import EVERYTHING
from bot.types import ConversationState, SlotWish, Step
from conversation import jobs
from core.calendar import COPENHAGEN
from store.models import Booking, Contact, Conversation, Location, Slot, WaitlistEntry
from store.types import BookingStatus, WaitlistStatus
from tests.booking.support import NOW, last_id, queued_since, say, to_choosing
from tests.booking.test_waitlist import fully_booked
from tests.factories import DIALOGUE, WINDOW, World, make_world

THURSDAY = datetime(2026, 11, 26, tzinfo=COPENHAGEN).date()


def state_of(session: Session, phone: str) -> ConversationState:
    contact = session.scalars(select(Contact).where(col(Contact.phone) == phone)).one()
    conversation = session.scalars(
        select(Conversation).where(col(Conversation.contact_id) == contact.id)
    ).one()
    return ConversationState.from_json(conversation.state)


def place_of(session: Session, phone: str) -> WaitlistEntry:
    contact = session.scalars(select(Contact).where(col(Contact.phone) == phone)).one()
    return session.scalars(
        select(WaitlistEntry).where(col(WaitlistEntry.contact_id) == contact.id)
    ).one()


def join_with(session: Session, world: World, phone: str, wish: str | None) -> None:
    """Nothing is free: the citizen may say when they would like a time, then joins the list."""
    to_choosing(session, world, phone)
    if wish is not None:
        say(session, phone, wish)
    jobs.process_reminders(session=session, dialogue=DIALOGUE, now=NOW, limit=50)
    assert "ventelisten" in say(session, phone, "ja")[0].text


def start_of(session: Session, slot_id: int) -> str:
    return f"{session.get_one(Slot, slot_id).starts_at.astimezone(COPENHAGEN):%H:%M}"


def offers_since(session: Session, before: int) -> list[str]:
    return [m.address for m in queued_since(session, before) if m.kind == "slot_offer"]


def run_waitlist(session: Session, now: datetime = NOW) -> None:
    jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=now, limit=50)


class TestAFreedTimeGoesToTheFirstWhoseWishItFits:
    def test_the_wish_is_stored_with_the_place(self, session: Session) -> None:
        world, _ = fully_booked(session)
        join_with(session, world, "+4520000010", "efter kl 11")
        assert wishes.of(place_of(session, "+4520000010")) == SlotWish(after="11:00")
        join_with(session, world, "+4520000011", None)
        assert place_of(session, "+4520000011").wish is None

    def test_the_first_in_line_is_passed_over_for_a_time_that_does_not_fit(
        self, session: Session
    ) -> None:
        world, _ = fully_booked(session)  # Wednesday 09.00, 09.45, 10.30, 11.15
        join_with(session, world, "+4520000010", "efter kl 11")  # first in line
        join_with(session, world, "+4520000011", None)  # any time
        say(session, "+4520000000", "aflys")  # 09.00 frees: not after 11
        before = last_id(session)
        run_waitlist(session)
        assert offers_since(session, before) == ["+4520000011"]
        offered = state_of(session, "+4520000011").offered_slot_ids
        assert [start_of(session, i) for i in offered] == ["09:00"]
        say(session, "+4520000003", "aflys")  # 11.15 frees: the first in line's wish
        before = last_id(session)
        run_waitlist(session)
        (offer,) = [m for m in queued_since(session, before) if m.kind == "slot_offer"]
        assert offer.address == "+4520000010" and "kl. 11.15" in offer.text
        assert "kl. 09.00" not in offer.text  # never a time the wish rules out
        offered = state_of(session, "+4520000010").offered_slot_ids
        assert [start_of(session, i) for i in offered] == ["11:15"]
        assert "confirmation" in {m.kind for m in say(session, "+4520000010", "1")}
        assert place_of(session, "+4520000010").status == WaitlistStatus.BOOKED
        # What the demo's refill line prints: two times freed, one booked again, from the list.
        counts = waitlist.refill(session=session).as_dict()
        assert counts == {"freed": 2, "refilled": 1, "from_waitlist": 1, "joined": 2}

    def test_a_holder_whose_wish_no_free_time_fits_is_told_it_is_gone(
        self, session: Session
    ) -> None:
        world, _ = fully_booked(session)
        join_with(session, world, "+4520000010", "efter kl 11")
        join_with(session, world, "+4520000011", None)
        say(session, "+4520000003", "aflys")  # 11.15 frees
        before = last_id(session)
        run_waitlist(session)
        assert offers_since(session, before) == ["+4520000010"]  # first in line, and it fits
        later = NOW + waitlist.OFFER_TURN + timedelta(minutes=1)
        run_waitlist(session, later)  # no answer in time: the next whose wish fits too
        assert offers_since(session, before) == ["+4520000010", "+4520000011"]
        assert "confirmation" in {m.kind for m in say(session, "+4520000011", "1", now=later)}
        say(session, "+4520000000", "aflys", now=later)  # 09.00 frees: not the holder's wish
        before = last_id(session)
        run_waitlist(session, later)
        (sorry,) = queued_since(session, before)
        assert sorry.address == "+4520000010" and "stadig på ventelisten" in sorry.text
        assert state_of(session, "+4520000010").step is Step.WAITLIST


class TestAWishThatFitsNoFreeTime:
    def test_other_times_and_the_waitlist_are_both_offered(self, session: Session) -> None:
        world = make_world(session)  # mornings only
        to_choosing(session, world, "+4520000010")
        other = say(session, "+4520000010", "har I noget om eftermiddagen?")
        (message,) = other
        assert message.kind == "slot_offer"
        assert message.text.startswith("Ingen ledige tider passer desværre til dit ønske.")
        assert "VENTELISTE" in message.text
        assert state_of(session, "+4520000010").wish == SlotWish(after="12:00")
        joined = say(session, "+4520000010", "venteliste")
        assert "når en tid, der passer til dit ønske" in joined[0].text
        assert wishes.of(place_of(session, "+4520000010")) == SlotWish(after="12:00")
        assert state_of(session, "+4520000010").step is Step.WAITLIST
        # Mornings are free, but none fits: nothing is offered from the list.
        before = last_id(session)
        run_waitlist(session)
        assert offers_since(session, before) == []
        # An afternoon opens: it goes to the citizen who waits for one.
        assert world.location.id is not None and world.staff.id is not None
        afternoon = availability.add_slot(
            session=session,
            scope=EVERYTHING,
            location_id=world.location.id,
            staff_member_id=world.staff.id,
            starts_at=datetime.combine(THURSDAY, time(14), COPENHAGEN),
            minutes=45,
            now=NOW,
            window=WINDOW,
        )
        run_waitlist(session)
        (offer,) = [m for m in queued_since(session, before) if m.kind == "slot_offer"]
        assert offer.text.startswith("Godt nyt") and "kl. 14.00" in offer.text
        assert "confirmation" in {m.kind for m in say(session, "+4520000010", "1")}
        booked = session.scalars(
            select(Booking).where(col(Booking.status) == BookingStatus.BOOKED)
        ).one()
        assert booked.slot_id == afternoon.id
        assert place_of(session, "+4520000010").status == WaitlistStatus.BOOKED

    def test_a_new_wish_on_the_list_is_kept_with_the_place(self, session: Session) -> None:
        world = make_world(session)
        to_choosing(session, world, "+4520000010")
        say(session, "+4520000010", "om eftermiddagen")
        say(session, "+4520000010", "ja tak, venteliste")
        noted = say(session, "+4520000010", "gerne en torsdag")
        assert "noteret dit ønske" in noted[0].text
        assert wishes.of(place_of(session, "+4520000010")) == SlotWish(weekdays=(3,), after="12:00")
        # A wish that fits free times now is offered them at once.
        offered = say(session, "+4520000010", "eller om morgenen")
        assert offered[0].kind == "slot_offer"
        assert state_of(session, "+4520000010").step is Step.CHOOSING_SLOT

    def test_a_booking_being_moved_is_not_offered_the_waitlist(self, session: Session) -> None:
        world = make_world(session)
        to_choosing(session, world, "+4520000010")
        say(session, "+4520000010", "1")
        moved = say(session, "+4520000010", "kan vi flytte til om eftermiddagen?")
        assert moved[0].text.startswith("Ingen ledige tider passer")
        assert "VENTELISTE" not in moved[0].text
        say(session, "+4520000010", "venteliste")
        assert session.scalars(select(WaitlistEntry)).all() == []


class TestTheKindOfPlace:
    def test_at_the_workplace_finds_a_workplace_whatever_its_name(self, session: Session) -> None:
        world = make_world(session)
        workplace = Location(
            municipality_id=world.municipality.id or 0,
            name="Plejecenter Møllehaven",
            address="Møllehusvej 15, 4000 Roskilde",
            kind="workplace",
        )
        session.add(workplace)
        session.flush()
        assert workplace.id is not None and world.staff.id is not None
        there = availability.add_slot(
            session=session,
            scope=EVERYTHING,
            location_id=workplace.id,
            staff_member_id=world.staff.id,
            starts_at=datetime.combine(THURSDAY, time(13), COPENHAGEN),
            minutes=45,
            now=NOW,
            window=WINDOW,
        )
        to_choosing(session, world, "+4520000010")
        offer = say(session, "+4520000010", "helst på arbejdspladsen")
        assert offer[0].text.startswith("Her er tider, der passer til dit ønske")
        assert state_of(session, "+4520000010").offered_slot_ids == (there.id,)
        assert "Plejecenter Møllehaven" in offer[0].text
