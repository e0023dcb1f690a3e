"""Recording the outcome: the rules, the municipality's offers and the one-month follow-up."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from booking import offers
from booking.outcomes import (
    Outcome,
    follow_up_due,
    one_month_after,
    record_outcome,
)
from core.calendar import COPENHAGEN
from core.errors import AppError
from store.models import (
    Booking,
    CampaignPartner,
    FollowUp,
    Membership,
    MonitoringRecord,
    MunicipalOffer,
)
from store.types import BookingStatus
from tests.booking.support import conversation_held
from tests.factories import DIALOGUE, WINDOW, make_world


def record(session: Session, booking: Booking, now: datetime, **fields: object) -> object:
    assert booking.id is not None
    outcome = Outcome(**{"attended": True, **fields})  # type: ignore[arg-type]
    return record_outcome(
        session=session, dialogue=DIALOGUE, booking_id=booking.id, outcome=outcome, now=now
    )


def refused(session: Session, booking: Booking, now: datetime, **fields: object) -> AppError:
    with pytest.raises(AppError) as error:
        record(session, booking, now, **fields)
    return error.value


class TestRecord:
    def test_attended_with_referrals_writes_the_monitoring_record(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        saved = record(
            session,
            booking,
            now,
            referrals_municipal=("Rygestop", "motion", "rygestop"),
            referrals_non_municipal=("Patientforening",),
            waiting_days=14,
            gp_advice=True,
            further_course=True,
        )
        assert isinstance(saved, MonitoringRecord)
        assert saved.referrals_municipal == "rygestop,motion"
        assert saved.referrals_non_municipal == "Patientforening"
        assert saved.waiting_days == 14 and saved.gp_advice and saved.further_course
        assert saved.health_check_date == date(2026, 11, 25)
        assert saved.municipality_code == "265" and saved.age == 50
        follow_up = session.scalars(select(FollowUp)).one()
        # Three weeks after the conversation, on a working day inside the window.
        assert follow_up.due_at == datetime(2026, 12, 16, 10, 0, tzinfo=COPENHAGEN)
        assert saved.follow_up_date == date(2026, 12, 16)
        assert session.get_one(Booking, booking.id).status == BookingStatus.ATTENDED

    def test_the_record_names_the_partner_whose_list_the_citizen_was_on(
        self, session: Session
    ) -> None:
        world, booking, now = conversation_held(session)
        # A second partner on the campaign, and the citizen only on its list.
        session.add(
            CampaignPartner(campaign_id=world.campaign.id, partner_id=world.other_partner.id)
        )
        membership = session.scalars(select(Membership)).one()
        membership.partner_id = world.other_partner.id or 0
        session.flush()
        saved = record(session, booking, now)
        assert isinstance(saved, MonitoringRecord)
        assert saved.partner_id == world.other_partner.id != world.campaign.partner_id

    def test_no_further_course_no_follow_up(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        record(session, booking, now, gp_advice=True)
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 0

    def test_twice_is_a_conflict(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        record(session, booking, now)
        error = refused(session, booking, now)
        assert error.status_code == 409 and "recorded already" in error.message

    def test_before_the_conversation_is_a_conflict(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        error = refused(session, booking, now - timedelta(hours=3))
        assert error.status_code == 409 and "not taken place" in error.message

    def test_an_unknown_booking_is_not_found(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        with pytest.raises(AppError) as error:
            record_outcome(
                session=session,
                dialogue=DIALOGUE,
                booking_id=(booking.id or 0) + 1000,
                outcome=Outcome(attended=True),
                now=now,
            )
        assert error.value.status_code == 404

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"referrals_municipal": ("yoga",)}, "unknown municipal offers: yoga"),
            ({"follow_up_date": date(2026, 12, 20)}, "needs a further course"),
            ({"further_course": True, "follow_up_date": date(2026, 12, 26)}, "one month"),
            ({"further_course": True, "follow_up_date": date(2026, 11, 25)}, "one month"),
            ({"waiting_days": 10}, "needs a referral"),
            ({"referrals_municipal": ("kost",), "waiting_days": 400}, "0 to 365"),
            ({"referrals_non_municipal": ("Fysioterapeut, privat",)}, "without commas"),
            ({"referrals_non_municipal": ("  ",)}, "without commas"),
            ({"attended": False, "gp_advice": True}, "a no-show has no"),
        ],
    )
    def test_invalid_outcomes_are_refused(
        self, session: Session, fields: dict[str, object], message: str
    ) -> None:
        _, booking, now = conversation_held(session)
        error = refused(session, booking, now, **fields)
        assert error.status_code == 422 and message in error.message
        assert session.get_one(Booking, booking.id).status == BookingStatus.BOOKED

    def test_a_follow_up_date_that_has_passed_is_refused(self, session: Session) -> None:
        _, booking, now = conversation_held(session)
        later = now + timedelta(days=10)
        error = refused(
            session, booking, later, further_course=True, follow_up_date=date(2026, 11, 30)
        )
        assert error.status_code == 422 and "has passed" in error.message

    def test_the_municipality_s_own_offer_is_accepted(self, session: Session) -> None:
        world, booking, now = conversation_held(session)
        assert world.municipality.id is not None
        offers.add_offer(
            session=session, municipality_id=world.municipality.id, code="yoga", name="Yoga"
        )
        saved = record(session, booking, now, referrals_municipal=("yoga",))
        assert isinstance(saved, MonitoringRecord) and saved.referrals_municipal == "yoga"

    def test_an_agreed_day_in_the_christmas_holidays_is_kept_inside_the_month(
        self, session: Session
    ) -> None:
        _, booking, now = conversation_held(session)
        record(session, booking, now, further_course=True, follow_up_date=date(2026, 12, 25))
        follow_up = session.scalars(select(FollowUp)).one()
        # 25 December is a holiday and the month ends that day: the last working day before.
        assert follow_up.due_at == datetime(2026, 12, 23, 10, 0, tzinfo=COPENHAGEN)


class TestFollowUpDay:
    @pytest.mark.parametrize(
        ("held", "wanted", "expected"),
        [
            (date(2026, 11, 25), None, datetime(2026, 12, 16, 10, 0)),
            (date(2027, 1, 29), None, datetime(2027, 2, 19, 10, 0)),
            (date(2026, 11, 30), date(2026, 12, 5), datetime(2026, 12, 7, 9, 0)),  # Saturday
            (date(2026, 11, 27), date(2026, 12, 27), datetime(2026, 12, 23, 10, 0)),
            (date(2027, 3, 1), date(2027, 3, 26), datetime(2027, 3, 30, 9, 0)),  # Good Friday
            (date(2027, 2, 26), date(2027, 3, 26), datetime(2027, 3, 24, 10, 0)),  # … at the end
        ],
    )
    def test_on_the_day_or_the_next_working_day_never_after_a_month(
        self, held: date, wanted: date | None, expected: datetime
    ) -> None:
        now = datetime.combine(held, time(12), COPENHAGEN)
        due = follow_up_due(check_date=held, wanted=wanted, now=now, window=WINDOW)
        assert due == expected.replace(tzinfo=COPENHAGEN)
        assert due.astimezone(COPENHAGEN).date() <= one_month_after(held)
        assert WINDOW.is_open(due)

    def test_an_outcome_recorded_late_goes_at_the_next_opening(self) -> None:
        held = date(2026, 11, 2)
        now = datetime(2026, 12, 14, 20, 0, tzinfo=COPENHAGEN)
        due = follow_up_due(check_date=held, wanted=None, now=now, window=WINDOW)
        assert due == datetime(2026, 12, 15, 9, 0, tzinfo=COPENHAGEN)

    @pytest.mark.parametrize(
        ("day", "later"),
        [
            (date(2026, 11, 25), date(2026, 12, 25)),
            (date(2027, 1, 31), date(2027, 2, 28)),
            (date(2026, 12, 15), date(2027, 1, 15)),
        ],
    )
    def test_one_month_after(self, day: date, later: date) -> None:
        assert one_month_after(day) == later


class TestOffers:
    def test_defaults_on_first_use_once_per_municipality(self, session: Session) -> None:
        world = make_world(session)
        assert world.municipality.id is not None and world.other_municipality.id is not None
        listed = offers.list_offers(session=session, municipality_id=world.municipality.id)
        assert [o.code for o in listed][:2] == ["rygestop", "alkohol"] and len(listed) == 8
        offers.list_offers(session=session, municipality_id=world.municipality.id)
        offers.list_offers(session=session, municipality_id=world.other_municipality.id)
        assert session.scalar(select(func.count()).select_from(MunicipalOffer)) == 16

    def test_codes_are_checked_and_unique(self, session: Session) -> None:
        world = make_world(session)
        assert world.municipality.id is not None
        added = offers.add_offer(
            session=session, municipality_id=world.municipality.id, code=" Svoem_1 ", name="Svøm"
        )
        assert added.code == "svoem_1"
        with pytest.raises(AppError) as twice:
            offers.add_offer(
                session=session, municipality_id=world.municipality.id, code="svoem_1", name="X"
            )
        assert twice.value.status_code == 409
        with pytest.raises(AppError) as bad:
            offers.add_offer(
                session=session, municipality_id=world.municipality.id, code="svøm", name="X"
            )
        assert bad.value.status_code == 422
