"""After the conversation: staff record the outcome; it lands in the monitoring store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from booking.bookings import end
from bot.service import Dialogue, advance
from bot.types import ConversationState, Event, EventKind, Step
from outreach.targeting import age_on
from store import due
from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    FollowUp,
    MonitoringRecord,
    Municipality,
    Slot,
)
from store.types import BookingStatus, ConversationStatus, Trigger

# "Followed up no later than one month after the conversation": three weeks leaves room for
# holidays and weekends before the send window opens.
DEFAULT_FOLLOW_UP_AFTER = timedelta(days=21)
FOLLOW_UP_AT = time(10, 0)


class OutcomeError(ValueError):
    """The outcome cannot be recorded for this booking."""


@dataclass(frozen=True)
class Outcome:
    """What staff record after a health conversation."""

    attended: bool
    referrals_municipal: tuple[str, ...] = ()
    referrals_non_municipal: tuple[str, ...] = ()
    waiting_days: int | None = None
    gp_advice: bool = False
    further_course: bool = False
    follow_up_date: date | None = None


def record_outcome(
    *, session: Session, dialogue: Dialogue, booking_id: int, outcome: Outcome, now: datetime
) -> MonitoringRecord | None:
    """Record attendance and outcome; a no-show gets one offer to rebook."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise OutcomeError(f"booking {booking_id} does not exist")
    if booking.status != BookingStatus.BOOKED:
        raise OutcomeError(f"booking {booking_id} is {booking.status}; the outcome is recorded")
    slot = session.get_one(Slot, booking.slot_id)
    if slot.starts_at > now:
        raise OutcomeError(f"booking {booking_id} has not taken place yet")
    conversation = session.get_one(Conversation, booking.conversation_id)
    if not outcome.attended:
        end(session=session, booking=booking, status=BookingStatus.NO_SHOW, now=now)
        advance(
            session=session,
            dialogue=dialogue,
            conversation=conversation,
            inbound=Event(EventKind.NO_SHOW),
            now=now,
            trigger=Trigger.SCHEDULED,
        )
        return None
    end(session=session, booking=booking, status=BookingStatus.ATTENDED, now=now)
    record = _monitoring_record(
        session=session,
        booking=booking,
        slot=slot,
        conversation=conversation,
        outcome=outcome,
        dialogue=dialogue,
        now=now,
    )
    _close_attended(session=session, conversation=conversation, now=now)
    if outcome.further_course:
        _schedule_follow_up(
            session=session, booking=booking, slot=slot, outcome=outcome, dialogue=dialogue
        )
    return record


def _monitoring_record(
    *,
    session: Session,
    booking: Booking,
    slot: Slot,
    conversation: Conversation,
    outcome: Outcome,
    dialogue: Dialogue,
    now: datetime,
) -> MonitoringRecord:
    contact = session.get_one(Contact, booking.contact_id)
    campaign = session.get_one(Campaign, conversation.campaign_id)
    screening = ConversationState.from_json(conversation.state).screening
    municipality = session.get_one(
        Municipality, contact.municipality_id or campaign.municipality_id
    )
    check_date = slot.starts_at.astimezone(dialogue.window.tz).date()
    record = MonitoringRecord(
        booking_id=booking.id,
        citizen_key=contact.public_id,
        campaign_id=campaign.id,
        partner_id=campaign.partner_id,
        channel=conversation.channel,
        municipality_code=municipality.code,
        health_check_date=check_date,
        age=age_on(contact.birth_date, check_date) if contact.birth_date else None,
        education=contact.education,
        recruited_from="sms_campaign",
        chronic_diseases=(
            ",".join(screening.chronic_diseases) if screening.chronic_diseases is not None else None
        ),
        self_rated_health=screening.self_rated_health,
        referrals_municipal=",".join(outcome.referrals_municipal),
        referrals_non_municipal=",".join(outcome.referrals_non_municipal),
        waiting_days=outcome.waiting_days,
        gp_advice=outcome.gp_advice,
        further_course=outcome.further_course,
        follow_up_date=outcome.follow_up_date,
        created_at=now,
    )
    session.add(record)
    return record


def _close_attended(*, session: Session, conversation: Conversation, now: datetime) -> None:
    assert conversation.id is not None
    state = ConversationState.from_json(conversation.state)
    conversation.state = state.with_(step=Step.CLOSED, close_reason="attended").to_json()
    conversation.status = ConversationStatus.CLOSED
    conversation.close_reason = "attended"
    conversation.closed_at = now
    due.cancel_scheduled_for_conversation(session=session, conversation_id=conversation.id)


def _schedule_follow_up(
    *, session: Session, booking: Booking, slot: Slot, outcome: Outcome, dialogue: Dialogue
) -> None:
    window = dialogue.window
    day = (
        outcome.follow_up_date
        or (slot.starts_at + DEFAULT_FOLLOW_UP_AFTER).astimezone(window.tz).date()
    )
    due_at = window.next_open(datetime.combine(day, FOLLOW_UP_AT, window.tz))
    assert booking.id is not None
    session.add(
        FollowUp(booking_id=booking.id, conversation_id=booking.conversation_id, due_at=due_at)
    )
