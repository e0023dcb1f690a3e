"""Preview: counts that add up to the list, rendered samples, segments, cost and warnings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session

from delivery.optout import opt_out
from outreach.campaigns import launch
from outreach.errors import CampaignInputError
from outreach.preview import preview
from outreach.schemas import PreviewPublic
from store.models import Booking, Campaign, Conversation, Invitation
from tests.factories import MONDAY, WINDOW, World, add_contact, make_world
from tests.outreach.worlds import world_with_members

PRICE = 0.35


def run(session: Session, campaign: Campaign, now: datetime = MONDAY) -> PreviewPublic:
    return preview(
        session=session,
        campaign=campaign,
        now=now,
        window=WINDOW,
        price_per_segment=PRICE,
        actor="cli",
        where="test",
    )


def one_of_each(session: Session) -> World:
    """A list with one member for every reason not to invite, and three to invite."""
    world = make_world(session)
    phone = iter(f"+452000{n:04d}" for n in range(100))
    add_contact(session, world, phone=next(phone), name="Anne Jensen")
    english = add_contact(session, world, phone=next(phone), name="John Smith")
    english.language = "en"
    short = add_contact(session, world, phone=next(phone), name="Bo Hansen")
    short.education = "grundskole"
    add_contact(session, world, phone=next(phone), municipality=world.other_municipality)
    add_contact(session, world, phone=next(phone)).birth_date = None
    add_contact(session, world, phone=next(phone), birth_date=date(1990, 1, 1))
    stopped = add_contact(session, world, phone=next(phone))
    opt_out(session=session, contact_id=stopped.id, address=stopped.phone, source="x", now=MONDAY)
    booked = add_contact(session, world, phone=next(phone))
    talking = add_contact(session, world, phone=next(phone))
    conversations = [
        Conversation(
            contact_id=contact.id or 0,
            campaign_id=world.campaign.id or 0,
            channel="console",
            state="{}",
            created_at=MONDAY,
        )
        for contact in (booked, talking)
    ]
    session.add_all(conversations)
    session.flush()
    conversation_id = conversations[0].id or 0
    session.add(
        Booking(
            slot_id=1, contact_id=booked.id or 0, conversation_id=conversation_id, created_at=MONDAY
        )
    )
    invited = add_contact(session, world, phone=next(phone))
    session.add(
        Invitation(campaign_id=world.campaign.id or 0, contact_id=invited.id or 0, status="pending")
    )
    add_contact(session, world, phone=next(phone), partner=world.other_partner)  # not on the list
    world.campaign.education_priority = "grundskole"
    session.flush()
    return world


class TestCounts:
    def test_add_up_to_the_list(self, session: Session) -> None:
        world = one_of_each(session)
        result = run(session, world.campaign)
        assert result.targeted == 3 and result.priority_targeted == 1
        assert result.not_targeted == {
            "other_municipality": 1,
            "no_birth_date": 1,
            "age_band": 1,
            "opted_out": 1,
            "booked": 1,
            "in_conversation": 1,
            "recently_invited": 1,
        }
        assert result.list_size == 10 == result.targeted + sum(result.not_targeted.values())

    def test_targeted_is_what_a_launch_queues(self, session: Session) -> None:
        world = one_of_each(session)
        targeted = run(session, world.campaign).targeted
        assert (
            launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW).invitations
            == targeted
        )


class TestMessages:
    def test_samples_are_rendered_and_pseudonymised(self, session: Session) -> None:
        world = one_of_each(session)
        result = run(session, world.campaign)
        assert [s.language for s in result.sample] == ["da", "da", "en"]  # priority first
        assert result.sample[0].text.startswith("Hej Bo!")
        assert "Roskilde Kommune" in result.sample[0].text
        for sample in result.sample:
            assert sample.contact.startswith("c-")
            assert not re.search(r"\+?45\s?\d{2}\s?\d{2}", sample.text + sample.contact)

    def test_default_invitation_segments_and_cost(self, session: Session) -> None:
        world = one_of_each(session)
        result = run(session, world.campaign)
        da, en = result.templates
        assert (da.source, da.encoding, da.recipients) == ("default", "GSM-7", 2)
        assert "{sender}" in da.template and en.recipients == 1
        assert da.segments == 2 and da.total_segments == 4
        assert result.cost_dkk == pytest.approx((da.total_segments + en.total_segments) * PRICE)

    def test_characters_outside_gsm_are_named_and_left_out(self, session: Session) -> None:
        template = "Hej {first_name} 🙂 {sender} byder på sundhedstjek. Skriv STOP for at afmelde."
        world = world_with_members(session, members=2, template_da=template)
        result = run(session, world.campaign)
        da = result.templates[0]
        # The engine keeps every text GSM-7, so the preview shows what is really sent.
        assert (da.source, da.encoding, da.segments, da.ucs2_recipients) == (
            "campaign",
            "GSM-7",
            1,
            0,
        )
        assert da.non_gsm_characters == ["🙂"]
        assert "🙂" not in result.sample[0].text
        assert any("outside the SMS alphabet (🙂)" in w for w in result.warnings)

    def test_a_refused_template_is_a_clear_error(self, session: Session) -> None:
        world = world_with_members(
            session, members=1, template_en="Free health check at https://example.dk. Reply YES."
        )
        with pytest.raises(CampaignInputError) as refused:
            run(session, world.campaign)
        message = refused.value.message
        assert "English template" in message and "who sends it" in message
        assert "how to stop" in message and "link" in message


class TestWarnings:
    def test_sending_into_december(self, session: Session) -> None:
        world = world_with_members(session, members=12, daily_limit=1)
        result = run(session, world.campaign)
        assert result.planned_first_day == MONDAY.date()
        assert result.planned_last_day == date(2026, 12, 8)  # 12 working days, one a day
        assert any("before Christmas" in w for w in result.warnings)

    def test_summer_and_no_slots(self, session: Session) -> None:
        start = datetime(2027, 7, 6, 9, 0, tzinfo=WINDOW.tz)
        world = world_with_members(session, members=3, starts_at=start)
        result = run(session, world.campaign)
        assert result.free_slots == 0
        assert any("summer holidays" in w for w in result.warnings)
        assert any("No free slots" in w for w in result.warnings)

    def test_nobody_targeted(self, session: Session) -> None:
        world = make_world(session)
        result = run(session, world.campaign, now=MONDAY + timedelta(days=1))
        assert result.targeted == 0 and result.list_size == 0
        assert any("Nobody is targeted" in w for w in result.warnings)
