"""The invitation SMS names the bot and carries the citizen's code; the code links the chat."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from outreach.campaigns import CampaignInputError, check_sendable, launch
from outreach.invitation_texts import SAMPLE_CODE
from outreach.preview import preview
from outreach.templates import encode
from recruitbot.runtime import Runtime
from store.db import unit_of_work
from store.models import Campaign, ContactChannel, LinkCode
from tests.factories import MONDAY, WINDOW, World, add_contact, make_world
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import Updates, post
from tests.webhooks.telegram import scenario

TEMPLATE = (
    "Hej {first_name}! {sender} tilbyder dig et gratis sundhedstjek. Svar JA for at få tider. "
    "Vil du hellere skrive på Telegram, så skriv til {telegram_bot} med koden {telegram_code}. "
    "Skriv STOP for at afmelde."
)
CODE = re.compile(r"koden ([A-Z2-9]{8})\.")


def with_template(runtime: Runtime, made: World, template: str) -> None:
    with unit_of_work(runtime.engine) as session:
        campaign = session.get_one(Campaign, made.campaign.id)
        campaign.template_da = template
        made.campaign = campaign


class TestTheInvitationCarriesTheCode:
    def test_the_sms_names_the_bot_and_a_code_that_links_the_chat(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        with_template(runtime, made, TEMPLATE)
        contact_id = scenario.invite(runtime, made)
        [invitation] = scenario.outbox(runtime, kind="invitation")
        assert invitation.channel == "console"  # the invitation itself goes by SMS
        assert "skriv til @sundhed_bot med koden" in invitation.text
        match = CODE.search(invitation.text)
        assert match is not None
        assert encode(invitation.text).name == "GSM-7"

        post(client, updates.text(scenario.CITIZEN_CHAT, match.group(1).lower()))
        post(client, updates.text(scenario.CITIZEN_CHAT, "Ja tak"))
        with Session(runtime.engine) as session:
            link = session.scalars(select(ContactChannel)).one()
            assert (link.contact_id, link.address) == (contact_id, str(scenario.CITIZEN_CHAT))
            # Only the code's hash is kept, and it is used up.
            [code] = session.scalars(select(LinkCode)).all()
            assert code.used_at is not None and match.group(1) not in code.code_hash
        welcome, question = (m["text"] for m in telegram_api.sent(scenario.CITIZEN_CHAT))
        assert welcome.startswith("Tak! Nu kan du skrive med os her")
        assert question.startswith("Godt!")  # the dialogue went on from the invitation

    def test_each_citizen_gets_a_code_of_their_own(self, runtime: Runtime) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        with_template(runtime, made, TEMPLATE)
        for phone in ("+4520000001", "+4520000002", "+4520000003"):
            scenario.invite(runtime, made, phone=phone)
        texts = [m.text for m in scenario.outbox(runtime, kind="invitation")]
        codes = {found.group(1) for found in map(CODE.search, texts) if found}
        assert len(codes) == 3

    def test_a_template_without_telegram_issues_no_code(self, runtime: Runtime) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        scenario.invite(runtime, made)
        with Session(runtime.engine) as session:
            assert session.scalars(select(LinkCode)).all() == []


class TestPreviewAndLaunch:
    def test_the_preview_renders_a_sample_code_and_counts_its_cost(self, runtime: Runtime) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        with_template(runtime, made, TEMPLATE)
        with unit_of_work(runtime.engine) as session:
            add_contact(session, made, phone=scenario.PHONE, now=runtime.clock.now())
            campaign = session.get_one(Campaign, made.campaign.id)
            campaign.status = "draft"
            shown = preview(
                session=session,
                campaign=campaign,
                now=runtime.clock.now(),
                window=runtime.window,
                price_per_segment=0.35,
                telegram_bot=runtime.dialogue.telegram_bot,
                actor="cli",
                where="test",
            )
        danish = next(t for t in shown.templates if t.language == "da")
        assert danish.source == "campaign"
        assert any(f"@sundhed_bot med koden {SAMPLE_CODE}." in s.text for s in shown.sample)
        assert danish.segments == 2

    def test_launch_refuses_a_telegram_template_when_no_bot_runs(self, session: Session) -> None:
        made = make_world(session)
        made.campaign.template_da = TEMPLATE
        with pytest.raises(CampaignInputError, match="no Telegram bot"):
            launch(session=session, campaign=made.campaign, now=MONDAY, window=WINDOW)

    def test_a_link_needs_links_allowed(self, session: Session) -> None:
        made = make_world(session)
        made.campaign.template_da = TEMPLATE.replace("{telegram_code}", "{telegram_link}")
        with pytest.raises(CampaignInputError, match=r"telegram_link.*is a link"):
            check_sendable(campaign=made.campaign, telegram_bot="sundhed_bot")
        made.campaign.allow_links = True
        check_sendable(campaign=made.campaign, telegram_bot="sundhed_bot")
