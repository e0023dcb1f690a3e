"""Targeting, and launching a campaign into a queue of pending invitations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from core.calendar import age_on
from delivery.optout import opt_out
from outreach.campaigns import launch, spread
from outreach.errors import CampaignStateError
from outreach.targeting import count_buckets, years_before
from store.models import Conversation, Invitation
from store.types import DueStatus
from tests.factories import MONDAY, WINDOW, add_contact, make_world


class TestAge:
    def test_age_on_birthday_and_the_day_before(self) -> None:
        assert age_on(date(1966, 11, 23), date(2026, 11, 23)) == 60
        assert age_on(date(1966, 11, 24), date(2026, 11, 23)) == 59

    def test_years_before_leap_day(self) -> None:
        assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)


class TestTargeting:
    def test_only_the_age_band_on_the_send_date(self, session: Session) -> None:
        world = make_world(session)
        send = MONDAY.date()
        inside = {
            "turns 40 today": add_contact(
                session, world, phone="+4520000001", birth_date=send.replace(year=send.year - 40)
            ),
            "60, turns 61 tomorrow": add_contact(
                session, world, phone="+4520000002", birth_date=date(1965, 11, 24)
            ),
        }
        outside = {
            "turns 40 tomorrow": add_contact(
                session, world, phone="+4520000003", birth_date=date(1986, 11, 24)
            ),
            "turned 61 today": add_contact(
                session, world, phone="+4520000004", birth_date=date(1965, 11, 23)
            ),
        }
        launched = launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        invited = set(session.scalars(select(col(Invitation.contact_id))))
        assert launched.invitations == 2
        assert invited == {c.id for c in inside.values()}
        assert not invited & {c.id for c in outside.values()}

    def test_exclusions(self, session: Session) -> None:
        world = make_world(session)
        ok = add_contact(session, world, phone="+4520000001")
        unknown_home = add_contact(session, world, phone="+4520000002")
        unknown_home.municipality_id = None
        add_contact(session, world, phone="+4520000003", municipality=world.other_municipality)
        add_contact(session, world, phone="+4520000004", partner=world.other_partner)
        stopped = add_contact(session, world, phone="+4520000005")
        opt_out(
            session=session,
            contact_id=stopped.id,
            address=stopped.phone,
            source="keyword",
            now=MONDAY,
        )
        busy = add_contact(session, world, phone="+4520000006")
        assert busy.id is not None and world.campaign.id is not None
        session.add(
            Conversation(
                contact_id=busy.id,
                campaign_id=world.campaign.id,
                channel="console",
                state="{}",
                created_at=MONDAY,
            )
        )
        session.flush()
        counts = count_buckets(
            session=session, campaign=world.campaign, send_date=MONDAY.date(), now=MONDAY
        )
        assert counts["targeted"] == 2
        assert counts["other_municipality"] == 1
        assert sum(counts.values()) == 5  # the other partner's member is not on the list
        assert counts["opted_out"] == 1
        assert counts["in_conversation"] == 1
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert set(session.scalars(select(col(Invitation.contact_id)))) == {ok.id, unknown_home.id}

    def test_opt_out_from_an_unknown_number_counts_after_import(self, session: Session) -> None:
        world = make_world(session)
        opt_out(
            session=session, contact_id=None, address="+4520000001", source="keyword", now=MONDAY
        )
        add_contact(session, world, phone="+4520000001")
        assert (
            launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW).invitations
            == 0
        )


class TestLaunch:
    def test_queues_pending_invitations_in_order(self, session: Session) -> None:
        world = make_world(session)
        for n in range(3):
            add_contact(session, world, phone=f"+452000000{n}")
        launched = launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        rows = session.scalars(select(Invitation).order_by(col(Invitation.position))).all()
        assert launched.invitations == 3
        assert [r.status for r in rows] == [DueStatus.PENDING] * 3
        assert [r.due_at for r in rows] == [None] * 3
        assert [r.position for r in rows] == [0, 1, 2]

    def test_spread_stays_before_the_end(self) -> None:
        end = MONDAY + timedelta(hours=9)
        times = spread(start=MONDAY, end=end, count=4)
        assert times[0] == MONDAY and times == sorted(times) and times[-1] < end
        assert spread(start=MONDAY, end=end, count=0) == []

    def test_launch_twice_is_refused(self, session: Session) -> None:
        world = make_world(session)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        with pytest.raises(CampaignStateError, match="not a draft"):
            launch(
                session=session,
                campaign=world.campaign,
                now=MONDAY + timedelta(hours=1),
                window=WINDOW,
            )


class TestLaunchPricing:
    """Launch prices the invitations it wrote; they are the people the targeting selects."""

    def test_the_invited_are_counted_as_the_targeted(self, session: Session) -> None:
        from outreach.invitation_texts import invited_recipients, recipients_of

        world = make_world(session)
        names = ["Anne Jensen", "Anne Hansen", "Søren Ærø", "  ", "Zoë\tMüller", "Bo"]
        for index, name in enumerate(names):
            contact = add_contact(session, world, phone=f"+452000010{index}", name=name)
            contact.language = "en" if index % 2 else "da"
        add_contact(session, world, phone="+4520000200", birth_date=date(1950, 1, 1))  # too old
        session.flush()
        campaign = world.campaign
        send = MONDAY.date()
        targeted = recipients_of(session=session, campaign=campaign, send_date=send, now=MONDAY)
        launch(session=session, campaign=campaign, now=MONDAY, window=WINDOW)
        assert campaign.id is not None
        invited = invited_recipients(session=session, campaign_id=campaign.id)
        assert invited == targeted
        assert sum(invited.values()) == len(names)
        assert invited[("da", "Anne")] == 1 and invited[("en", "Anne")] == 1
        assert invited[("en", None)] == 1  # a blank name: no first name
