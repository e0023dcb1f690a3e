"""After the conversation: staff record the outcome; it lands in the monitoring store."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from booking import offers
from booking.bookings import end
from booking.events import CitizenDialogue
from bot.types import ConversationState, Event, EventKind, Step
from core.calendar import SendWindow, age_on
from core.errors import ConflictError, InvalidInputError, NotFoundError
from store import due, inbox, partners
from store.audit import CLI_ACTOR
from store.models import (
    AuditEvent,
    Booking,
    Campaign,
    Contact,
    Conversation,
    FollowUp,
    Location,
    MonitoringRecord,
    Municipality,
    Slot,
    StaffMember,
)
from store.types import BookingStatus, ConversationStatus

# "Followed up no later than one month after the conversation": three weeks leaves room for
# holidays and weekends before the send window opens.
DEFAULT_FOLLOW_UP_AFTER = timedelta(days=21)
FOLLOW_UP_AT = time(10, 0)
MAX_WAITING_DAYS = 365
MAX_NON_MUNICIPAL = 10
MAX_NON_MUNICIPAL_CHARS = 100


class OutcomeError(ConflictError, ValueError):
    """The outcome cannot be recorded for this booking (recorded already, not held yet)."""


class InvalidOutcomeError(InvalidInputError, OutcomeError):
    """The outcome itself is not valid: unknown offers, a follow-up too late, …"""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field  # the `Outcome` field at fault, so a form can show it beside it


class BookingNotFoundError(NotFoundError, OutcomeError):
    """There is no such booking."""


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


OUTCOME_ACTION = "booking.outcome"


def one_month_after(day: date) -> date:
    """Return the same day next month (the month's last day, where that month is shorter)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def record_outcome(
    *,
    session: Session,
    dialogue: CitizenDialogue,
    booking_id: int,
    outcome: Outcome,
    now: datetime,
    actor: str = CLI_ACTOR,
) -> MonitoringRecord | None:
    """Record attendance and outcome, and who recorded it; a no-show gets one offer to rebook.

    The audit entry is written here, so an outcome from the API, the console, Telegram or the
    CLI is logged alike; `actor` names the caller as the audit log does.
    """
    # Locked: two staff members pressing at once record one outcome, and the other gets a 409.
    booking = session.get(Booking, booking_id, with_for_update=True)
    if booking is None:
        raise BookingNotFoundError(f"no booking {booking_id}")
    _check_recordable(booking)
    slot = session.get_one(Slot, booking.slot_id)
    if slot.starts_at > now:
        raise OutcomeError(f"booking {booking_id} has not taken place yet")
    location = session.get_one(Location, slot.location_id)
    check_date = dialogue.window.local(slot.starts_at).date()
    outcome = validated(
        session=session,
        outcome=outcome,
        municipality_id=location.municipality_id,
        check_date=check_date,
        today=dialogue.window.local(now).date(),
    )
    conversation = session.get_one(Conversation, booking.conversation_id)
    inbox.close_awaiting_outcome(session=session, booking_id=booking_id, by=actor, now=now)
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=OUTCOME_ACTION,
            subject_type="booking",
            subject_id=booking_id,
            detail="",
        )
    )
    if not outcome.attended:
        _no_show(
            session=session, dialogue=dialogue, booking=booking, conversation=conversation, now=now
        )
        return None
    return _attended(
        session=session,
        dialogue=dialogue,
        booking=booking,
        conversation=conversation,
        outcome=outcome,
        check_date=check_date,
        now=now,
    )


def _attended(
    *,
    session: Session,
    dialogue: CitizenDialogue,
    booking: Booking,
    conversation: Conversation,
    outcome: Outcome,
    check_date: date,
    now: datetime,
) -> MonitoringRecord:
    end(session=session, booking=booking, status=BookingStatus.ATTENDED, now=now)
    due_at = (
        follow_up_due(
            check_date=check_date, wanted=outcome.follow_up_date, now=now, window=dialogue.window
        )
        if outcome.further_course
        else None
    )
    if due_at is not None:
        # The monitoring record keeps the day the follow-up actually goes.
        outcome = replace(outcome, follow_up_date=dialogue.window.local(due_at).date())
    record = add_monitoring_record(
        session=session,
        booking=booking,
        check_date=check_date,
        conversation=conversation,
        outcome=outcome,
        now=now,
    )
    close_attended(session=session, conversation=conversation, now=now)
    if due_at is not None:
        assert booking.id is not None
        session.add(
            FollowUp(booking_id=booking.id, conversation_id=booking.conversation_id, due_at=due_at)
        )
    return record


def _check_recordable(booking: Booking) -> None:
    if booking.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        raise OutcomeError(
            f"the outcome of booking {booking.id} is recorded already; correct it with a "
            "reason instead (`recruitbot outcome-correct`, POST .../outcome/correction)"
        )
    if booking.status != BookingStatus.BOOKED:
        raise OutcomeError(f"booking {booking.id} was {booking.status}; it has no outcome")


def validated(
    *, session: Session, outcome: Outcome, municipality_id: int, check_date: date, today: date
) -> Outcome:
    """Check an outcome against the rules and the municipality's offers; return it tidied."""
    codes = tuple(dict.fromkeys(code.strip().lower() for code in outcome.referrals_municipal))
    others = tuple(dict.fromkeys(text.strip() for text in outcome.referrals_non_municipal))
    outcome = replace(outcome, referrals_municipal=codes, referrals_non_municipal=others)
    if not outcome.attended:
        if outcome != Outcome(attended=False):
            raise InvalidOutcomeError(
                "a no-show has no referrals, advice or follow-up", field="attended"
            )
        return outcome
    unknown = offers.unknown_codes(session=session, municipality_id=municipality_id, codes=codes)
    if unknown:
        raise InvalidOutcomeError(
            f"unknown municipal offers: {', '.join(unknown)} (see `recruitbot offers list`)",
            field="referrals_municipal",
        )
    _check_non_municipal(others)
    if outcome.waiting_days is not None:
        if not codes and not others:
            raise InvalidOutcomeError(
                "a waiting time needs a referral to an offer", field="waiting_days"
            )
        if not 0 <= outcome.waiting_days <= MAX_WAITING_DAYS:
            raise InvalidOutcomeError(
                f"waiting time is 0 to {MAX_WAITING_DAYS} days", field="waiting_days"
            )
    _check_follow_up_date(outcome, check_date=check_date, today=today)
    return outcome


def _check_non_municipal(others: tuple[str, ...]) -> None:
    if len(others) > MAX_NON_MUNICIPAL:
        raise InvalidOutcomeError(
            f"at most {MAX_NON_MUNICIPAL} non-municipal offers", field="referrals_non_municipal"
        )
    for text in others:
        if not text or len(text) > MAX_NON_MUNICIPAL_CHARS or "," in text:
            raise InvalidOutcomeError(
                f"a non-municipal offer is 1-{MAX_NON_MUNICIPAL_CHARS} characters without commas",
                field="referrals_non_municipal",
            )


def _check_follow_up_date(outcome: Outcome, *, check_date: date, today: date) -> None:
    wanted = outcome.follow_up_date
    if wanted is None:
        return
    if not outcome.further_course:
        raise InvalidOutcomeError(
            "a follow-up date needs a further course agreed", field="follow_up_date"
        )
    latest = one_month_after(check_date)
    if wanted <= check_date or wanted > latest:
        raise InvalidOutcomeError(
            f"the follow-up date must be after the conversation and no later than one month "
            f"after it: {check_date + timedelta(days=1)} to {latest}",
            field="follow_up_date",
        )
    if wanted < today:
        raise InvalidOutcomeError(f"the follow-up date {wanted} has passed", field="follow_up_date")


def follow_up_due(
    *, check_date: date, wanted: date | None, now: datetime, window: SendWindow
) -> datetime:
    """Return when the follow-up goes: on the agreed day, never after one month if avoidable.

    The agreed (or default) day's send window, or the next one; when that would be after the
    month, the last working day inside it. Only an outcome recorded very late makes it later.
    """
    latest = one_month_after(check_date)
    day = wanted or min(check_date + DEFAULT_FOLLOW_UP_AFTER, latest)
    at = window.next_open(max(datetime.combine(day, FOLLOW_UP_AT, window.tz), now))
    if window.local(at).date() <= latest:
        return at
    last = latest if window.is_working_day(latest) else window.previous_working_day(latest)
    return window.next_open(max(datetime.combine(last, FOLLOW_UP_AT, window.tz), now))


def _no_show(
    *,
    session: Session,
    dialogue: CitizenDialogue,
    booking: Booking,
    conversation: Conversation,
    now: datetime,
) -> None:
    end(session=session, booking=booking, status=BookingStatus.NO_SHOW, now=now)
    _open_no_show_item(session=session, booking=booking, conversation=conversation, now=now)
    dialogue.tell(
        session=session,
        conversation=conversation,
        event=Event(EventKind.NO_SHOW),
        now=now,
    )


def _open_no_show_item(
    *, session: Session, booking: Booking, conversation: Conversation, now: datetime
) -> None:
    """Put a no-show in the staff member's inbox: someone may call to find a new time."""
    staff = session.get_one(StaffMember, session.get_one(Slot, booking.slot_id).staff_member_id)
    about = inbox.About(
        contact_id=booking.contact_id,
        conversation_id=conversation.id,
        booking_id=booking.id,
        campaign_id=conversation.campaign_id,
    )
    text = "Borger mødte ikke op til sundhedssamtalen og er tilbudt en ny tid"
    inbox.open_item(session=session, staff=staff, kind="no_show", text=text, now=now, about=about)


def add_monitoring_record(
    *,
    session: Session,
    booking: Booking,
    check_date: date,
    conversation: Conversation,
    outcome: Outcome,
    now: datetime,
) -> MonitoringRecord:
    contact = session.get_one(Contact, booking.contact_id)
    campaign = session.get_one(Campaign, conversation.campaign_id)
    screening = ConversationState.from_json(conversation.state).screening
    municipality = session.get_one(
        Municipality, contact.municipality_id or campaign.municipality_id
    )
    record = MonitoringRecord(
        booking_id=booking.id,
        citizen_key=contact.public_id,
        campaign_id=campaign.id,
        # The partner the citizen was invited through, as the funnel counts them.
        partner_id=partners.partner_of(
            session=session, contact_id=contact.id or 0, campaign_id=campaign.id or 0
        ),
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


def close_attended(*, session: Session, conversation: Conversation, now: datetime) -> None:
    assert conversation.id is not None
    state = ConversationState.from_json(conversation.state)
    conversation.state = state.with_(step=Step.CLOSED, close_reason="attended").to_json()
    conversation.status = ConversationStatus.CLOSED
    conversation.close_reason = "attended"
    conversation.closed_at = now
    due.cancel_scheduled_for_conversation(session=session, conversation_id=conversation.id)
