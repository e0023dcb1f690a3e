"""`recruitbot outcome-correct|closures|calendar|locations remove` on the test's database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from booking.bookings import book
from conversation.service import start
from core.calendar import COPENHAGEN
from store.db import unit_of_work
from store.models import AuditEvent, Booking, CalendarFeed, Closure, Location, Slot
from tests.booking.test_cli_booking import cli_database, held_yesterday, run
from tests.factories import DIALOGUE, WINDOW, add_contact, make_world

__all__ = ["cli_database"]  # the fixture, shared with the booking CLI's own tests


def booked_ahead(engine: Engine) -> tuple[int, datetime]:
    """A citizen's booking of a slot still to come (the CLI runs on the real clock)."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        world = make_world(session, now=now, slot_days=12)
        world.campaign.status = "running"
        contact = add_contact(session, world, phone="+4520000001", now=now)
        conversation = start(
            session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=now
        )
        slot_id = session.scalar(
            select(func.min(Slot.id)).where(col(Slot.starts_at) > now + timedelta(days=3))
        )
        assert slot_id is not None and contact.id is not None and conversation.id is not None
        booking = book(
            session=session,
            slot_id=slot_id,
            contact_id=contact.id,
            conversation_id=conversation.id,
            now=now,
            window=WINDOW,
        )
        assert booking.id is not None
        starts = session.get_one(Slot, slot_id).starts_at
        return booking.id, starts


class TestOutcomeCorrect:
    def test_attended_then_corrected_to_a_no_show(self, cli_database: str, engine: Engine) -> None:
        booking_id = held_yesterday(engine)
        run("outcome", str(booking_id), "--attended")
        missing = run("outcome-correct", str(booking_id), "--no-show", code=2)
        assert "reason" in missing
        done = run("outcome-correct", str(booking_id), "--no-show", "--reason", "forkert knap")
        assert f"Booking {booking_id} corrected: a no-show" in done
        with Session(engine) as session:
            assert session.get_one(Booking, booking_id).status == "no_show"
            entry = session.scalars(
                select(AuditEvent).where(col(AuditEvent.action) == "booking.outcome_corrected")
            ).one()
            assert entry.actor == "cli" and entry.detail.endswith("forkert knap")

    def test_nothing_to_correct(self, cli_database: str, engine: Engine) -> None:
        booking_id = held_yesterday(engine)
        failed = run("outcome-correct", str(booking_id), "--attended", "--reason", "x", code=1)
        assert "no outcome to correct" in failed


class TestClosures:
    def test_a_day_closed_for_the_staff_member(self, cli_database: str, engine: Engine) -> None:
        booking_id, starts = booked_ahead(engine)
        day = starts.astimezone(COPENHAGEN).date()
        out = run(
            "closures",
            "add",
            "--staff",
            "Mette",
            "--from",
            f"{day} 00:00",
            "--to",
            f"{day + timedelta(days=1)} 00:00",
            "--reason",
            "sygdom",
        )
        assert "1 bookings cancelled" in out and "+4520000001" in out
        with Session(engine) as session:
            assert session.get_one(Booking, booking_id).status == "cancelled"
        assert "Mette" in run("closures", "list")
        assert "either" in run(
            "closures", "add", "--from", f"{day} 00:00", "--to", f"{day} 12:00", code=1
        )

    def test_a_closure_lifted(self, cli_database: str, engine: Engine) -> None:
        booking_id, starts = booked_ahead(engine)
        day = starts.astimezone(COPENHAGEN).date()
        window = ("--from", f"{day} 00:00", "--to", f"{day + timedelta(days=1)} 00:00")
        run("closures", "add", "--staff", "Mette", *window)
        with Session(engine) as session:
            closure = session.scalars(select(Closure)).one()
        out = run("closures", "lift", str(closure.id))
        assert f"Closure {closure.id} lifted" in out and "not restored" in out
        with Session(engine) as session:
            assert session.scalars(select(Closure)).all() == []
            assert session.get_one(Booking, booking_id).status == "cancelled"
        assert "no closure" in run("closures", "lift", str(closure.id), code=1)

    def test_a_location_removed(self, cli_database: str, engine: Engine) -> None:
        booking_id, _ = booked_ahead(engine)
        out = run("locations", "remove", "Sundhedscenter Roskilde")
        assert "removed" in out and "1 bookings cancelled" in out
        with Session(engine) as session:
            assert session.get_one(Booking, booking_id).status == "cancelled"
            assert session.scalars(select(Location)).one().retired_at is not None


class TestCalendar:
    def test_create_list_and_revoke(self, cli_database: str, engine: Engine) -> None:
        booked_ahead(engine)
        out = run("calendar", "create", "Mette")
        assert "shown only this once" in out and "/calendar/rbc_" in out
        with Session(engine) as session:
            feed = session.scalars(select(CalendarFeed)).one()
        assert feed.prefix in run("calendar", "list", "Mette")
        assert f"Calendar feed {feed.id} revoked" in run("calendar", "revoke", str(feed.id))
        with Session(engine) as session:
            assert session.get_one(CalendarFeed, feed.id).revoked_at is not None
