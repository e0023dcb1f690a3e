"""The waitlist: offered when no time fits, freed times offered in turn, first to answer books."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from booking import waitlist
from bot.types import ConversationState, Step
from conversation import jobs
from conversation.intake import receive_text
from store.db import make_engine, unit_of_work
from store.models import Booking, Contact, Conversation, Message, WaitlistEntry
from store.types import BookingStatus, WaitlistStatus
from tests.booking.support import NOW, book, queued_since, say, to_choosing
from tests.booking.test_race import all_at_once
from tests.factories import DIALOGUE, World, make_world

FULL = 4  # the bookable times: Wednesday 25 November, 09:00 to 11:15


def fully_booked(session: Session) -> tuple[World, list[Booking]]:
    """Every bookable time is taken (make_world's Wednesday; Monday and Tuesday are too soon)."""
    world = make_world(session, slot_days=2)
    taken = [book(session, world, f"+452000000{i}") for i in range(FULL)]
    return world, taken


def step_of(session: Session, phone: str) -> Step:
    contact = session.scalars(select(Contact).where(col(Contact.phone) == phone)).one()
    conversation = session.scalars(
        select(Conversation).where(col(Conversation.contact_id) == contact.id)
    ).one()
    return ConversationState.from_json(conversation.state).step


def on_the_list(session: Session, world: World, phone: str, *, now: datetime = NOW) -> None:
    """Bring a citizen to 'no free times', ask about the waitlist, and let them say yes."""
    to_choosing(session, world, phone, now=now)
    jobs.process_reminders(session=session, dialogue=DIALOGUE, now=now, limit=50)
    assert [m.kind for m in say(session, phone, "ja", now=now)] == ["info"]


def entries(session: Session) -> list[WaitlistEntry]:
    return list(session.scalars(select(WaitlistEntry).order_by(col(WaitlistEntry.id))))


class TestJoining:
    def test_no_free_time_offers_the_waitlist_and_yes_joins_it(self, session: Session) -> None:
        world, _ = fully_booked(session)
        to_choosing(session, world, "+4520000010")
        assert step_of(session, "+4520000010") is Step.CHOOSING_SLOT
        before = max(m.id or 0 for m in session.scalars(select(Message)))
        jobs.process_reminders(session=session, dialogue=DIALOGUE, now=NOW, limit=50)
        (asked,) = queued_since(session, before)
        assert "venteliste" in asked.text and asked.trigger == "scheduled"
        joined = say(session, "+4520000010", "ja tak")
        assert "30 dage" in joined[0].text
        (entry,) = entries(session)
        assert entry.status == WaitlistStatus.WAITING
        assert entry.expires_at == NOW + timedelta(days=waitlist.WAITLIST_DAYS)
        # Asked once per case: another "no times" does not ask again.
        waitlist.ask_once(
            session=session,
            conversation=session.get_one(Conversation, entry.conversation_id),
            now=NOW,
        )
        assert jobs.process_reminders(session=session, dialogue=DIALOGUE, now=NOW, limit=50) == 0

    def test_no_stays_off_the_list_and_staff_still_call(self, session: Session) -> None:
        world, _ = fully_booked(session)
        to_choosing(session, world, "+4520000010")
        jobs.process_reminders(session=session, dialogue=DIALOGUE, now=NOW, limit=50)
        answer = say(session, "+4520000010", "nej")
        assert "sundhedskonsulent kontakter dig" in answer[0].text and entries(session) == []

    def test_leaving_the_list(self, session: Session) -> None:
        world, _ = fully_booked(session)
        on_the_list(session, world, "+4520000010")
        left = say(session, "+4520000010", "nej tak")
        assert "taget af ventelisten" in left[0].text
        assert entries(session)[0].status == WaitlistStatus.LEFT
        assert step_of(session, "+4520000010") is Step.CLOSED


class TestFreedTimes:
    def test_offered_in_turn_first_to_answer_books_the_other_told_kindly(
        self, session: Session
    ) -> None:
        world, taken = fully_booked(session)
        on_the_list(session, world, "+4520000010")
        on_the_list(session, world, "+4520000011")
        assert jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=NOW, limit=50) == 0
        say(session, "+452000000" + "0", "aflys")  # a slot frees up
        freed = taken[0].slot_id
        before = max(m.id or 0 for m in session.scalars(select(Message)))
        jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=NOW, limit=50)
        # One free time: the first in line only.
        (offer,) = queued_since(session, before)
        assert offer.address == "+4520000010" and offer.text.startswith("Godt nyt")
        later = NOW + waitlist.OFFER_TURN + timedelta(minutes=1)
        jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=later, limit=50)
        offered = [m.address for m in queued_since(session, before) if m.kind == "slot_offer"]
        assert offered == ["+4520000010", "+4520000011"]  # no answer in time: the next too
        # The second answers first and books; the first is told it is gone, and stays on.
        assert "confirmation" in {m.kind for m in say(session, "+4520000011", "1", now=later)}
        booked = session.scalars(
            select(Booking).where(col(Booking.slot_id) == freed, col(Booking.status) == "booked")
        ).one()
        assert session.get_one(Contact, booked.contact_id).phone == "+4520000011"
        before = max(m.id or 0 for m in session.scalars(select(Message)))
        jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=later, limit=50)
        (sorry,) = queued_since(session, before)
        assert sorry.address == "+4520000010" and "stadig på ventelisten" in sorry.text
        assert step_of(session, "+4520000010") is Step.WAITLIST
        assert [e.status for e in entries(session)] == ["waiting", "booked"]
        assert waitlist.refilled(session=session) == 1
        late = say(session, "+4520000010", "1", now=later)
        assert "Du står på ventelisten" in late[0].text

    def test_not_offered_outside_the_send_window(self, session: Session) -> None:
        world, _ = fully_booked(session)
        on_the_list(session, world, "+4520000010")
        say(session, "+4520000000", "aflys")
        night = NOW.replace(hour=21)
        assert jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=night, limit=9) == 0

    def test_a_place_ends_after_its_time_with_a_last_message(self, session: Session) -> None:
        world, _ = fully_booked(session)
        on_the_list(session, world, "+4520000010")
        ends = NOW + timedelta(days=waitlist.WAITLIST_DAYS, hours=1)
        before = max(m.id or 0 for m in session.scalars(select(Message)))
        jobs.process_waitlist(session=session, dialogue=DIALOGUE, now=ends, limit=50)
        (last,) = queued_since(session, before)
        assert "udløbet" in last.text
        assert entries(session)[0].status == WaitlistStatus.EXPIRED
        assert step_of(session, "+4520000010") is Step.CLOSED


@pytest.fixture
def wide_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=24)
    yield engine
    engine.dispose()


class TestRace:
    def test_twenty_offered_one_freed_time_exactly_one_books_it(self, wide_engine: Engine) -> None:
        waiting = [f"+45300000{i:02d}" for i in range(20)]
        with unit_of_work(wide_engine) as session:
            world, taken = fully_booked(session)
            for phone in waiting:
                on_the_list(session, world, phone)
            say(session, "+4520000000", "aflys")
            freed = taken[0].slot_id
            # Everyone holds an offer of the one free time (as after several turns).
            for entry in entries(session):
                conversation = session.get_one(Conversation, entry.conversation_id)
                jobs._run_event(
                    session=session,
                    dialogue=DIALOGUE,
                    conversation_id=conversation.id or 0,
                    event=jobs.Event(jobs.EventKind.WAITLIST_OFFER),
                    now=NOW,
                )
                waitlist.mark_offered(entry, now=NOW)

        def attempt(i: int) -> None:
            with unit_of_work(wide_engine) as session:
                receive_text(
                    session=session,
                    dialogue=DIALOGUE,
                    channel="console",
                    address=waiting[i],
                    text="1",
                    provider_id=f"wait-race-{i}",
                    now=NOW,
                )

        all_at_once(attempt)
        with Session(wide_engine) as session:
            held = session.scalars(
                select(Booking).where(
                    col(Booking.slot_id) == freed, col(Booking.status) == BookingStatus.BOOKED
                )
            ).all()
            assert len(held) == 1
            statuses = [e.status for e in entries(session)]
            assert statuses.count("booked") == 1 and statuses.count("waiting") == 19


class TestErasure:
    def test_erasing_a_waitlisted_citizen_takes_their_place_with_them(
        self, session: Session
    ) -> None:
        from privacy.erasure import erase_rows

        world, _ = fully_booked(session)
        on_the_list(session, world, "+4520000010")
        contact = session.scalars(select(Contact).where(col(Contact.phone) == "+4520000010")).one()
        erase_rows(session=session, contacts=[contact], addresses=[contact.phone])
        session.flush()
        session.expire_all()
        assert entries(session) == []
