"""The funnel by filter, its medians, slot utilisation and no-show rate, on a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from monitoring import compute_funnel
from monitoring.filters import ReportFilter
from monitoring.timing import _seconds_between, compute_timing, median
from store.models import Conversation
from tests.monitoring.rows import T0, Rows

HOUR = timedelta(hours=1)


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


class TestFunnelFilters:
    def test_by_partner_channel_and_municipality(self, session: Session, rows: Rows) -> None:
        foa_sms = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        foa_chat = rows.campaign(partner=rows.foa, municipality=rows.roskilde, channel="telegram")
        tre_f = rows.campaign(partner=rows.tre_f, municipality=rows.lejre)
        for campaign, people in ((foa_sms, 3), (foa_chat, 2), (tre_f, 4)):
            for _ in range(people):
                rows.invite(campaign=campaign, replied_after=HOUR)
        session.commit()

        def invited(**kwargs: object) -> int:
            report_filter = ReportFilter(**kwargs)  # type: ignore[arg-type]
            return compute_funnel(session=session, report_filter=report_filter).invited

        assert invited() == 9
        assert invited(partner_id=rows.foa.id) == 5
        assert invited(channel="telegram") == 2
        assert invited(municipality_code="350") == 4
        assert invited(municipality_code="265", channel="sms") == 3
        assert invited(campaign_id=tre_f.id, municipality_code="265") == 0
        assert invited(municipality_code="101") == 0

    def test_period_is_the_invitation_time_in_copenhagen(
        self, session: Session, rows: Rows
    ) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        # 22:30 UTC on 31 March is 00:30 on 1 April in Copenhagen (summer time by then).
        rows.invite(campaign=campaign, at=T0.replace(month=3, day=31, hour=21, minute=30))
        april = rows.invite(
            campaign=campaign,
            at=T0.replace(month=3, day=31, hour=22, minute=30),
            replied_after=HOUR * 30,
        )
        session.commit()
        march = compute_funnel(
            session=session,
            report_filter=ReportFilter(period_from=date(2026, 3, 1), period_to=date(2026, 3, 31)),
        )
        in_april = compute_funnel(
            session=session, report_filter=ReportFilter(period_from=date(2026, 4, 1))
        )
        assert (march.invited, march.replied) == (1, 0)
        assert (in_april.invited, in_april.replied) == (1, 1)
        assert april.replied_at is not None

    def test_later_steps_follow_the_cohort(self, session: Session, rows: Rows) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        conversation = rows.invite(campaign=campaign, replied_after=HOUR, screening="in")
        rows.book(conversation=conversation, after=HOUR * 50, status="attended")
        session.commit()
        only_that_day = ReportFilter(period_from=date(2026, 3, 2), period_to=date(2026, 3, 2))
        funnel = compute_funnel(session=session, report_filter=only_that_day)
        assert (funnel.invited, funnel.booked, funnel.attended) == (1, 1, 1)

    def test_campaign_keyword_still_works(self, session: Session, rows: Rows) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        rows.invite(campaign=campaign)
        session.commit()
        assert compute_funnel(session=session, campaign_id=campaign.id).invited == 1
        assert compute_funnel(session=session, campaign_id=(campaign.id or 0) + 1).invited == 0


class TestMedians:
    def test_reply_and_booking_medians(self, session: Session, rows: Rows) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        for hours in (1, 2, 3, 10, 50):
            rows.invite(campaign=campaign, replied_after=HOUR * hours)
        rows.invite(campaign=campaign)  # never replies: not in the median
        first = rows.invite(campaign=campaign, replied_after=HOUR * 4)
        rows.book(conversation=first, after=HOUR * 6, status="cancelled")
        rows.book(conversation=first, after=HOUR * 30)  # the first booking counts
        second = rows.invite(campaign=campaign, replied_after=HOUR * 5)
        rows.book(conversation=second, after=HOUR * 9)
        session.commit()
        timing = compute_timing(session=session, report_filter=ReportFilter())
        assert timing.to_reply.count == 7
        assert timing.to_reply.seconds == pytest.approx(4 * 3600, abs=1)  # 1 2 3 [4] 5 10 50
        assert timing.to_booking.count == 2
        assert timing.to_booking.seconds == pytest.approx(7.5 * 3600, abs=1)  # (6 + 9) / 2

    def test_no_values_no_median(self, session: Session, rows: Rows) -> None:
        rows.invite(campaign=rows.campaign(partner=rows.foa, municipality=rows.roskilde))
        session.commit()
        timing = compute_timing(session=session, report_filter=ReportFilter())
        assert (timing.to_reply.seconds, timing.to_reply.count) == (None, 0)
        assert timing.to_booking.seconds is None

    @pytest.mark.parametrize(
        ("hours", "expected"), [((7,), 7), ((2, 8), 5), ((9, 1, 4), 4), ((4, 1, 3, 2), 2.5)]
    )
    def test_odd_and_even_counts(
        self, session: Session, rows: Rows, hours: tuple[int, ...], expected: float
    ) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        for h in hours:
            rows.invite(campaign=campaign, replied_after=HOUR * h)
        session.commit()
        dialect = session.connection().dialect.name
        values = select(
            _seconds_between(
                Conversation.created_at,  # type: ignore[arg-type]
                Conversation.replied_at,  # type: ignore[arg-type]
                dialect=dialect,
            )
        )
        result = median(session=session, values=values)
        assert result.seconds == pytest.approx(expected * 3600, abs=1)
        assert result.count == len(hours)


class TestSlotsAndNoShows:
    def test_utilisation_counts_slots_held_by_active_bookings(
        self, session: Session, rows: Rows
    ) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        week = T0 + timedelta(days=7)
        slots = [rows.slot(municipality=rows.roskilde, at=week + HOUR * i) for i in range(4)]
        rows.slot(municipality=rows.lejre, at=week)  # another municipality's slot
        for slot, status in zip(slots, ("booked", "attended", "cancelled"), strict=False):
            rows.book(
                conversation=rows.invite(campaign=campaign), after=HOUR, status=status, slot=slot
            )
        session.commit()
        everything = compute_timing(session=session, report_filter=ReportFilter())
        assert (everything.slots, everything.booked_slots) == (5, 2)
        roskilde = compute_timing(
            session=session, report_filter=ReportFilter(municipality_code="265")
        )
        assert (roskilde.slots, roskilde.booked_slots) == (4, 2)
        assert roskilde.slot_utilisation == 0.5
        by_campaign = compute_timing(
            session=session, report_filter=ReportFilter(campaign_id=campaign.id)
        )
        assert (by_campaign.slots, by_campaign.booked_slots) == (4, 2)

    def test_utilisation_period_is_the_slot_time(self, session: Session, rows: Rows) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        # Invited in March, the health check in April: the April slot is used in April.
        april = rows.slot(municipality=rows.roskilde, at=T0.replace(month=4, day=7))
        rows.slot(municipality=rows.roskilde, at=T0.replace(month=4, day=8))
        rows.book(conversation=rows.invite(campaign=campaign), after=HOUR, slot=april)
        session.commit()
        timing = compute_timing(
            session=session,
            report_filter=ReportFilter(period_from=date(2026, 4, 1), period_to=date(2026, 4, 30)),
        )
        assert (timing.slots, timing.booked_slots) == (2, 1)

    def test_no_slots_no_utilisation(self, session: Session, rows: Rows) -> None:
        session.commit()
        timing = compute_timing(session=session, report_filter=ReportFilter())
        assert timing.slot_utilisation is None
        assert timing.no_show_rate is None

    def test_no_show_rate_counts_bookings(self, session: Session, rows: Rows) -> None:
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        stays_away_then_comes = rows.invite(campaign=campaign)
        rows.book(conversation=stays_away_then_comes, after=HOUR, status="no_show")
        rows.book(conversation=stays_away_then_comes, after=HOUR * 2, status="attended")
        for status in ("attended", "attended", "no_show", "booked", "cancelled"):
            rows.book(conversation=rows.invite(campaign=campaign), after=HOUR, status=status)
        session.commit()
        timing = compute_timing(session=session, report_filter=ReportFilter())
        assert (timing.attended, timing.no_show) == (3, 2)
        assert timing.no_show_rate == pytest.approx(2 / 5)
        other = compute_timing(session=session, report_filter=ReportFilter(partner_id=-1))
        assert (other.attended, other.no_show) == (0, 0)
