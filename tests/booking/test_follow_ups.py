"""The follow-up: sent on its day, the answer recorded, help or silence brought to staff."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from booking.follow_ups import needs_help
from booking.outcomes import Outcome, record_outcome
from conversation import jobs
from core.calendar import COPENHAGEN
from store.models import CampaignBlackout, Conversation, FollowUp, Message, Reminder
from store.types import DueStatus, ReminderKind
from tests.booking.support import conversation_held, outbound, say
from tests.factories import DIALOGUE

PHONE = "+4520000001"


def followed_up(session: Session) -> datetime:
    """A further course was agreed on 25 November; the follow-up went out on 16 December."""
    _, booking, now = conversation_held(session)
    assert booking.id is not None
    record_outcome(
        session=session,
        dialogue=DIALOGUE,
        booking_id=booking.id,
        outcome=Outcome(attended=True, referrals_municipal=("motion",), further_course=True),
        now=now,
    )
    follow_up = session.scalars(select(FollowUp)).one()
    assert (
        jobs.process_follow_ups(session=session, dialogue=DIALOGUE, now=follow_up.due_at, limit=10)
        == 1
    )
    return follow_up.due_at


def the_follow_up(session: Session) -> FollowUp:
    follow_up = session.scalars(select(FollowUp)).one()
    session.refresh(follow_up)
    return follow_up


def staff_kinds(session: Session) -> list[str]:
    return [m.kind for m in outbound(session) if m.staff_member_id and "follow_up" in m.kind]


def pending(session: Session) -> list[tuple[str, datetime]]:
    return [
        (r.kind, r.due_at.astimezone(COPENHAGEN))
        for r in session.scalars(
            select(Reminder)
            .where(col(Reminder.status) == DueStatus.SCHEDULED)
            .order_by(col(Reminder.id))
        )
    ]


def tick(session: Session, now: datetime) -> None:
    jobs.process_reminders(session=session, dialogue=DIALOGUE, now=now, limit=10)
    jobs.process_follow_ups(session=session, dialogue=DIALOGUE, now=now, limit=10)


class TestNeedsHelp:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("hjælp", True),
            ("Jeg har brug for hjælp", True),
            ("HJÆLP!!", True),
            ("ring", True),
            ("Ring til mig", True),
            ("det går dårligt", True),
            ("Det går ikke så godt med motionen", True),
            ("Jeg kan ikke finde ud af at komme i gang", True),
            ("not well, call me", True),
            ("Det går godt, tak", False),
            ("tak", False),
            ("Fint, jeg er startet på holdet", False),
            ("Jeg har ikke brug for hjælp", False),
            ("ikke dårligt faktisk", False),
            ("", False),
        ],
    )
    def test_reads_an_answer(self, text: str, expected: bool) -> None:
        assert needs_help(text) is expected


class TestFollowUp:
    def test_sent_once_then_a_nudge_is_scheduled(self, session: Session) -> None:
        sent = followed_up(session)
        assert sent.astimezone(COPENHAGEN) == datetime(2026, 12, 16, 10, 0, tzinfo=COPENHAGEN)
        assert len(outbound(session, kind="follow_up")) == 1
        assert pending(session) == [
            (ReminderKind.FOLLOW_UP_NUDGE, datetime(2026, 12, 21, 10, 0, tzinfo=COPENHAGEN))
        ]

    def test_a_plain_answer_is_recorded_and_passed_on(self, session: Session) -> None:
        sent = followed_up(session)
        answered = sent + timedelta(hours=3)
        say(session, PHONE, "Det går fint, jeg er startet på holdet", now=answered)
        follow_up = the_follow_up(session)
        inbound = session.scalars(
            select(Message).where(col(Message.direction) == "in").order_by(col(Message.id).desc())
        ).first()
        assert inbound is not None
        assert follow_up.answered_at == answered and follow_up.answer_message_id == inbound.id
        assert follow_up.needs_help is False and follow_up.staff_alerted_at is None
        assert staff_kinds(session) == ["staff_follow_up_reply"]
        assert pending(session) == []  # no nudge
        tick(session, answered + timedelta(days=10))
        assert staff_kinds(session) == ["staff_follow_up_reply"]

    def test_an_answer_that_needs_help_alerts_staff(self, session: Session) -> None:
        sent = followed_up(session)
        say(session, PHONE, "Det går dårligt, jeg er gået i stå", now=sent + timedelta(hours=1))
        follow_up = the_follow_up(session)
        assert follow_up.needs_help is True and follow_up.staff_alerted_at is not None
        (alert,) = [m for m in outbound(session) if m.kind == "staff_follow_up_help"]
        assert "brug for hjælp" in alert.text and PHONE in alert.text
        assert staff_kinds(session) == ["staff_follow_up_help"]

    @pytest.mark.parametrize("answer", ["hjælp", "Jeg har brug for hjælp", "ring"])
    def test_a_call_for_help_alerts_staff_once(self, session: Session, answer: str) -> None:
        sent = followed_up(session)
        say(session, PHONE, answer, now=sent + timedelta(hours=1))
        tick(session, sent + timedelta(hours=1, minutes=1))  # the next tick of the scheduler
        tick(session, sent + timedelta(days=12))
        follow_up = the_follow_up(session)
        assert follow_up.answered_at is not None and follow_up.needs_help is True
        alerts = [
            m
            for m in outbound(session)
            if m.staff_member_id and m.kind in ("staff_follow_up_help", "staff_callback")
        ]
        assert len(alerts) == 1
        assert len(outbound(session, kind="follow_up")) == 1  # no nudge after an answer

    def test_a_thank_you_is_recorded_without_an_alert(self, session: Session) -> None:
        sent = followed_up(session)
        say(session, PHONE, "tak", now=sent + timedelta(hours=1))
        tick(session, sent + timedelta(hours=2))
        follow_up = the_follow_up(session)
        assert follow_up.answered_at == sent + timedelta(hours=1)
        assert follow_up.needs_help is False
        assert not [m for m in staff_kinds(session) if m != "staff_follow_up_reply"]
        assert pending(session) == []

    def test_no_answer_one_nudge_then_staff_are_alerted(self, session: Session) -> None:
        followed_up(session)
        ((_, nudge_at),) = pending(session)
        tick(session, nudge_at)
        assert len(outbound(session, kind="follow_up")) == 2  # asked once more
        # Five days after the nudge is Boxing Day: the alert waits for the next working day.
        assert pending(session) == [
            (ReminderKind.FOLLOW_UP_NO_ANSWER, datetime(2026, 12, 28, 9, 0, tzinfo=COPENHAGEN))
        ]
        tick(session, datetime(2026, 12, 28, 9, 0, tzinfo=COPENHAGEN))
        assert staff_kinds(session) == ["staff_follow_up_no_answer"]
        (alert,) = outbound(session, kind="staff_follow_up_no_answer")
        assert "ikke svaret" in alert.text and alert.trigger == "reply"
        assert the_follow_up(session).staff_alerted_at is not None
        assert pending(session) == []
        tick(session, datetime(2027, 1, 20, 10, 0, tzinfo=COPENHAGEN))
        assert len(outbound(session, kind="follow_up")) == 2  # one nudge, never more

    def test_an_answer_after_the_nudge_stops_the_alert(self, session: Session) -> None:
        followed_up(session)
        ((_, nudge_at),) = pending(session)
        tick(session, nudge_at)
        say(session, PHONE, "Undskyld, det går fint nu", now=nudge_at + timedelta(days=1))
        assert pending(session) == []
        tick(session, datetime(2026, 12, 28, 9, 0, tzinfo=COPENHAGEN))
        assert "staff_follow_up_no_answer" not in staff_kinds(session)
        assert the_follow_up(session).answered_at == nudge_at + timedelta(days=1)

    def test_an_answer_just_before_the_nudge_is_due_stops_it(self, session: Session) -> None:
        sent = followed_up(session)
        ((_, nudge_at),) = pending(session)
        say(session, PHONE, "tak", now=nudge_at - timedelta(minutes=1))
        jobs.process_reminders(session=session, dialogue=DIALOGUE, now=nudge_at, limit=10)
        assert len(outbound(session, kind="follow_up")) == 1
        assert the_follow_up(session).answered_at == nudge_at - timedelta(minutes=1)
        assert sent < nudge_at

    def test_stop_cancels_the_nudge(self, session: Session) -> None:
        sent = followed_up(session)
        say(session, PHONE, "STOP", now=sent + timedelta(hours=1))
        assert pending(session) == []
        tick(session, sent + timedelta(days=20))
        assert len(outbound(session, kind="follow_up")) == 1
        assert "staff_follow_up_no_answer" not in staff_kinds(session)


class TestBlackout:
    def test_a_follow_up_due_in_a_blackout_goes_once_after_it_and_its_nudge_is_timed_from_then(
        self, session: Session
    ) -> None:
        _, booking, now = conversation_held(session)
        assert booking.id is not None
        record_outcome(
            session=session,
            dialogue=DIALOGUE,
            booking_id=booking.id,
            outcome=Outcome(attended=True, referrals_municipal=("motion",), further_course=True),
            now=now,
        )
        follow_up = session.scalars(select(FollowUp)).one()
        due = follow_up.due_at.astimezone(COPENHAGEN)  # Wednesday 16 December, 10:00
        campaign_id = session.get_one(Conversation, follow_up.conversation_id).campaign_id
        session.add(
            CampaignBlackout(
                campaign_id=campaign_id,
                first_day=due.date(),
                last_day=due.date() + timedelta(days=6),  # until Tuesday 22 December
            )
        )
        session.flush()
        for day in range(8):  # a tick each day of the blackout at 10:00, and the day after
            tick(session, due + timedelta(days=day))
        assert len(outbound(session, kind="follow_up")) == 1, "one message per row, ever"
        sent = the_follow_up(session).done_at
        assert sent is not None
        assert sent.astimezone(COPENHAGEN) == datetime(2026, 12, 23, 10, 0, tzinfo=COPENHAGEN)
        ((kind, nudge_at),) = pending(session)
        assert kind == ReminderKind.FOLLOW_UP_NUDGE
        assert nudge_at.date() > (sent + timedelta(days=4)).date(), "timed from the real send"
        assert staff_kinds(session) == [], "no staff alert at the blackout's end"
