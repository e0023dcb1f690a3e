"""The facts a step reads from the store: the times of the current offer (conversation.context)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from booking.slots import free_slots
from conversation.context import StoreContext, build_context
from conversation.service import start
from store import conversations
from store.booking_models import Closure
from store.models import Booking, Contact, Conversation, Slot
from tests.conversation.test_step_queries import statements
from tests.factories import DIALOGUE, MONDAY, WINDOW, World, add_contact, make_world

NOW = MONDAY + timedelta(hours=2)  # Monday 10:00; the first bookable time is Wednesday's


def invited(session: Session, world: World, phone: str) -> Conversation:
    contact = add_contact(session, world, phone=phone)
    return start(
        session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=NOW
    )


def context(
    session: Session, world: World, conversation: Conversation, offered: tuple[int, ...]
) -> StoreContext:
    """The context of a step of `conversation` whose last offer held `offered`."""
    facts = conversations.step_row(
        session=session,
        campaign_id=world.campaign.id or 0,
        contact_id=conversation.contact_id,
        home_id=world.municipality.id,
    )
    ctx = build_context(
        session=session,
        conversation=conversation,
        contact=session.get_one(Contact, conversation.contact_id),
        campaign=world.campaign,
        facts=facts,
        now=NOW,
        window=WINDOW,
        offered_slot_ids=offered,
    )
    assert isinstance(ctx, StoreContext)
    return ctx


class TestOffered:
    def test_reads_only_the_offered_times_still_free_and_bookable(
        self, session: Session, engine: Engine
    ) -> None:
        world = make_world(session)
        other = invited(session, world, "+4520000002")
        # Four a day at 09.00, 09.45, 10.30 and 11.15: Monday, Tuesday, Wednesday, Thursday, …
        slots = list(session.scalars(select(Slot).order_by(col(Slot.starts_at))))
        past, too_soon = slots[0], slots[4]  # Monday 09.00 (gone), Tuesday (the reminder's day)
        free, booked, closed, not_offered, later = (
            slots[8],
            slots[9],
            slots[10],
            slots[11],
            slots[12],
        )
        session.add(
            Booking(
                slot_id=booked.id or 0,
                contact_id=other.contact_id,
                conversation_id=other.id or 0,
                created_at=NOW,
            )
        )
        session.add(  # the staff member away for that one slot, to the minute
            Closure(
                municipality_id=world.municipality.id or 0,
                staff_member_id=world.staff.id,
                starts_at=closed.starts_at,
                ends_at=closed.starts_at + timedelta(minutes=closed.duration_min),
                reason="tandlæge",
                created_by="cli",
                created_at=NOW,
            )
        )
        conversation = invited(session, world, "+4520000001")
        session.commit()
        offered_ids = tuple(s.id or 0 for s in (later, past, free, booked, too_soon, closed))
        ctx = context(session, world, conversation, offered_ids)

        with statements(engine) as sent:
            offered = ctx.offered
        assert [slot.slot_id for slot in offered] == [free.id, later.id]
        assert len(sent) == 1, sent
        assert not_offered.id not in [slot.slot_id for slot in offered]
        # Read as the nearest dozen are: the same slots, and held for the booking.
        nearest = free_slots(
            session=session,
            municipality_id=world.municipality.id or 0,
            after=ctx._store.after,
            limit=12,
        )
        assert offered == tuple(f.offer() for f in nearest if f.slot.id in offered_ids)
        assert [held.slot.id for held in ctx._store.held] == [free.id, later.id]
        assert "free_slots" not in ctx.__dict__  # the nearest dozen are not read

    def test_no_offer_reads_nothing(self, session: Session, engine: Engine) -> None:
        world = make_world(session)
        conversation = invited(session, world, "+4520000001")
        ctx = context(session, world, conversation, ())
        with statements(engine) as sent:
            assert ctx.offered == ()
        assert sent == []
