"""A staff member's calendar feed: secret and revocable, RFC 5545, first names only."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from booking import calendar_feed, changes
from booking.access import EVERYTHING, Scope
from core.errors import ForbiddenError
from core.principal import hash_key
from store.models import Booking, CalendarFeed, Contact, Location, Slot
from tests.booking.support import NOW, book
from tests.factories import DIALOGUE, make_world


def events(body: bytes) -> list[icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(body)
    assert (str(parsed["version"]), str(parsed["prodid"])) == ("2.0", calendar_feed.PRODID)
    found = list(parsed.walk("VEVENT"))
    for event in found:  # the properties RFC 5545 requires of every event
        assert {"UID", "DTSTAMP", "DTSTART"} <= set(event.keys())
    return found


class TestFeed:
    def test_lists_bookings_with_place_and_first_name_only(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        contact = session.get_one(Contact, booking.contact_id)
        contact.name = "Hanne Marie Jensen"
        assert world.staff.id is not None
        feed, token = calendar_feed.create_feed(
            session=session, scope=EVERYTHING, staff_member_id=world.staff.id, now=NOW
        )
        assert token.startswith("rbc_") and feed.token_hash == hash_key(token)
        assert token not in {feed.prefix, feed.token_hash}
        staff = calendar_feed.staff_of(session=session, token=token)
        assert staff is not None and staff.id == world.staff.id
        body, shown = calendar_feed.render(session=session, staff=staff, now=NOW)
        assert shown == [contact.id]
        (event,) = events(body)
        slot = session.get_one(Slot, booking.slot_id)
        assert event.decoded("dtstart") == slot.starts_at
        assert event.decoded("dtend") == slot.starts_at + timedelta(minutes=slot.duration_min)
        assert str(event["summary"]) == "Sundhedssamtale: Hanne"
        assert str(event["location"]) == "Sundhedscenter Roskilde, Køgevej 1, 4000 Roskilde"
        assert (str(event["status"]), int(event["sequence"])) == ("CONFIRMED", 0)
        text = body.decode()
        for secret in ("Jensen", "Marie", contact.phone, "+4520000001"):
            assert secret not in text
        # A round trip through the parser gives the same calendar back.
        again = icalendar.Calendar.from_ical(body).to_ical()
        assert icalendar.Calendar.from_ical(again) == icalendar.Calendar.from_ical(body)
        for line in text.split("\r\n"):
            assert len(line.encode()) <= 75  # RFC 5545 folds long lines

    def test_a_change_shows_as_a_new_sequence(self, session: Session) -> None:
        world = make_world(session)
        booking = book(session, world, "+4520000001")
        assert booking.id is not None and world.staff.id is not None
        later = NOW + timedelta(hours=1)
        changes.cancel_by_staff(
            session=session, dialogue=DIALOGUE, scope=EVERYTHING, booking_id=booking.id, now=later
        )
        body, _ = calendar_feed.render(session=session, staff=world.staff, now=later)
        (event,) = [e for e in events(body) if str(e["uid"]) == f"booking-{booking.id}@recruitbot"]
        assert (str(event["status"]), int(event["sequence"])) == ("CANCELLED", 1)
        assert event.decoded("last-modified") == later

    def test_revoked_or_unknown_tokens_open_nothing(self, session: Session) -> None:
        world = make_world(session)
        assert world.staff.id is not None
        feed, token = calendar_feed.create_feed(
            session=session, scope=EVERYTHING, staff_member_id=world.staff.id, now=NOW
        )
        assert feed.id is not None
        calendar_feed.revoke_feed(session=session, scope=EVERYTHING, feed_id=feed.id, now=NOW)
        assert session.get_one(CalendarFeed, feed.id).revoked_at == NOW
        for tried in (token, "rbc_guess", "", "x" * 500):
            assert calendar_feed.staff_of(session=session, token=tried) is None

    def test_a_staff_key_manages_only_its_own_feed(self, session: Session) -> None:
        world = make_world(session)
        assert world.staff.id is not None
        other = Scope(municipality_id=world.municipality.id, staff_member_id=world.staff.id + 1)
        with pytest.raises(ForbiddenError):
            calendar_feed.create_feed(
                session=session, scope=other, staff_member_id=world.staff.id, now=NOW
            )


class TestEventProperties:
    @settings(max_examples=60, deadline=None)
    @given(
        name=st.text(min_size=0, max_size=60),
        address=st.text(min_size=1, max_size=80),
        minutes=st.integers(min_value=15, max_value=240),
    )
    def test_any_name_round_trips_and_only_the_first_name_is_shown(
        self, name: str, address: str, minutes: int
    ) -> None:
        contact = Contact(
            id=1, public_id="c1", name=name, phone="+4520000001", created_at=NOW, updated_at=NOW
        )
        slot = Slot(id=1, location_id=1, staff_member_id=1, starts_at=NOW, duration_min=minutes)
        location = Location(id=1, municipality_id=1, name="Sundhedscenter", address=address)
        booking = Booking(id=1, slot_id=1, contact_id=1, conversation_id=1, created_at=NOW)
        calendar = icalendar.Calendar()
        calendar.add("prodid", calendar_feed.PRODID)
        calendar.add("version", "2.0")
        calendar.add_component(calendar_feed._event(booking, slot, location, contact, now=NOW))
        (event,) = events(calendar.to_ical())
        first = calendar_feed.first_name(contact)
        assert str(event["summary"]) == f"Sundhedssamtale: {first}"
        assert " " not in first.strip() or not name.split()
        assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=minutes)
        assert "+4520000001" not in calendar.to_ical().decode()
