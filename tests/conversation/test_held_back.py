"""While a person holds a conversation the bot's scheduled messages wait for the hand-back."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from booking.access import EVERYTHING
from booking.outcomes import Outcome, record_outcome
from conversation import invitations, jobs
from inbox import takeover
from store.models import Booking, Conversation, FollowUp, Invitation, Message, Reminder
from store.types import ConversationStatus, DueStatus, ReminderKind
from tests.booking.support import NOW, book, conversation_held, invite, last_id, queued_since
from tests.factories import DIALOGUE, make_world

PHONE = "+4520000001"
RECHECK = jobs.HELD_RECHECK


def reminder_of(session: Session, kind: ReminderKind) -> Reminder:
    found = session.scalars(select(Reminder).where(col(Reminder.kind) == kind)).one()
    session.refresh(found)
    return found


def take_over(session: Session, conversation_id: int, now: datetime = NOW) -> None:
    takeover.take_over(session=session, scope=EVERYTHING, conversation_id=conversation_id, now=now)


def hand_back(session: Session, conversation_id: int, now: datetime) -> None:
    takeover.hand_back(
        session=session,
        scope=EVERYTHING,
        dialogue=DIALOGUE,
        conversation_id=conversation_id,
        now=now,
    )


def reminders_at(session: Session, now: datetime) -> list[Message]:
    before = last_id(session)
    jobs.process_reminders(session=session, dialogue=DIALOGUE, now=now, limit=20)
    return queued_since(session, before)


def follow_ups_at(session: Session, now: datetime) -> list[Message]:
    before = last_id(session)
    jobs.process_follow_ups(session=session, dialogue=DIALOGUE, now=now, limit=20)
    return queued_since(session, before)


class TestHeldBack:
    def test_the_booking_reminder_waits_and_goes_after_the_hand_back(
        self, session: Session
    ) -> None:
        booking = book(session, make_world(session), PHONE)
        take_over(session, booking.conversation_id)
        due = reminder_of(session, ReminderKind.BOOKING).due_at
        assert reminders_at(session, due) == []
        held = reminder_of(session, ReminderKind.BOOKING)
        assert held.status == DueStatus.SCHEDULED and held.due_at == due + RECHECK
        assert reminders_at(session, due + RECHECK) == []  # still held: looked at again later
        hand_back(session, booking.conversation_id, now=due + RECHECK + timedelta(minutes=5))
        (sent,) = reminders_at(session, due + 2 * RECHECK)
        assert sent.kind == "reminder" and sent.text.startswith("Påmindelse")
        assert reminder_of(session, ReminderKind.BOOKING).status == DueStatus.DONE

    def test_an_invitation_reminder_is_not_said_once_the_hand_back_offered_times(
        self, session: Session
    ) -> None:
        invite(session, make_world(session), PHONE)
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.id is not None
        take_over(session, conversation.id)
        due = reminder_of(session, ReminderKind.INVITATION).due_at
        assert reminders_at(session, due) == []
        hand_back(session, conversation.id, now=due + timedelta(minutes=10))  # offers times
        assert reminders_at(session, due + RECHECK) == []  # no longer the question asked
        assert reminder_of(session, ReminderKind.INVITATION).status == DueStatus.DONE

    def test_a_follow_up_waits_while_the_conversation_is_held(self, session: Session) -> None:
        booking = book(session, make_world(session), PHONE)
        assert booking.id is not None
        take_over(session, booking.conversation_id)
        due = NOW + timedelta(days=3)
        session.add(
            FollowUp(booking_id=booking.id, conversation_id=booking.conversation_id, due_at=due)
        )
        session.flush()
        assert follow_ups_at(session, due) == []
        row = session.scalars(select(FollowUp)).one()
        assert row.status == DueStatus.SCHEDULED and row.due_at == due + RECHECK
        hand_back(session, booking.conversation_id, now=due + timedelta(minutes=10))
        (sent,) = follow_ups_at(session, due + RECHECK)
        assert sent.kind == "follow_up"

    def test_staff_alerts_are_not_held_back(self, session: Session) -> None:
        booking = book(session, make_world(session), PHONE)
        take_over(session, booking.conversation_id)
        session.add(
            Reminder(
                kind=ReminderKind.FOLLOW_UP_NO_ANSWER,
                conversation_id=booking.conversation_id,
                booking_id=booking.id,
                due_at=NOW,
            )
        )
        session.flush()
        jobs.process_reminders(session=session, dialogue=DIALOGUE, now=NOW, limit=20)
        assert reminder_of(session, ReminderKind.FOLLOW_UP_NO_ANSWER).status == DueStatus.DONE


class TestClosedHold:
    def test_a_hold_on_a_closed_conversation_holds_nothing_back(self, session: Session) -> None:
        # Taken over while booked; the outcome closed the conversation, the hold stayed.
        _, booking, now = conversation_held(session)
        assert booking.id is not None
        take_over(session, booking.conversation_id, now=now)
        record_outcome(
            session=session,
            dialogue=DIALOGUE,
            booking_id=booking.id,
            outcome=Outcome(attended=True, referrals_municipal=("motion",), further_course=True),
            now=now,
        )
        conversation = session.get_one(Conversation, booking.conversation_id)
        assert conversation.status == ConversationStatus.CLOSED and conversation.held_by
        follow_up = session.scalars(select(FollowUp)).one()
        (sent,) = follow_ups_at(session, follow_up.due_at)
        assert sent.kind == "follow_up"


class TestInvitation:
    def test_no_invitation_reaches_someone_whose_conversation_a_person_holds(
        self, session: Session
    ) -> None:
        world = make_world(session)
        contact = invite(session, world, PHONE)
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.id is not None and contact.id is not None
        take_over(session, conversation.id)
        invitation = Invitation(
            campaign_id=world.campaign.id or 0,
            contact_id=contact.id,
            partner_id=world.partner.id,
            due_at=NOW,
            status=DueStatus.SCHEDULED,
        )
        session.add(invitation)
        session.flush()
        before = last_id(session)
        invitations.process_due(session=session, dialogue=DIALOGUE, now=NOW, limit=20)
        assert queued_since(session, before) == []
        assert invitation.status == DueStatus.SKIPPED
        assert invitation.skip_reason == "in_conversation"
        assert session.scalars(select(Booking)).all() == []
