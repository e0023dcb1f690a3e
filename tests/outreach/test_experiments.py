"""Invitation experiments: variants checked at creation, stratified seeded assignment, stopping."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from conversation import invitations, jobs
from core.cpr import parse_cpr
from outreach import campaign_setup
from outreach.assignment import assign_at_launch, permuted_blocks, stop_variant
from outreach.campaigns import launch
from outreach.errors import CampaignInputError, CampaignStateError
from outreach.pacing import release_waves
from outreach.preview import preview
from outreach.schemas import SEED_MAX, CampaignCreate, VariantIn
from outreach.variants import set_variants
from store.models import (
    CampaignPartner,
    Contact,
    Conversation,
    Invitation,
    Membership,
    Message,
    Reminder,
)
from tests.factories import DIALOGUE, MONDAY, WINDOW, World, add_contact, make_world

NINE = MONDAY + timedelta(hours=1)
LATE = MONDAY + timedelta(hours=9, minutes=55)  # 17:55, every wave of the day is due
SHORT = "Gratis sundhedstjek hos {sender}? Svar JA. Skriv STOP for at afmelde."
LONG = (
    "Hej {first_name}. {sender} tilbyder dig et gratis sundhedstjek med en sundhedskonsulent. "
    "Samtalen tager 30-45 minutter og kan holdes tæt på dit arbejde. Vil du have tider? "
    "Svar JA eller NEJ. Skriv STOP for at afmelde."
)
ASK = "Lyst til en snak om dit helbred, {first_name}? {sender}. Svar JA. Skriv STOP for at afmelde."
TWO = [VariantIn(label="kort", template_da=SHORT), VariantIn(label="lang", template_da=LONG)]


def mixed_world(session: Session, *, members: int = 48, **campaign: object) -> World:
    """Members in four age bands, on two partners' lists, with and without a municipality."""
    world = make_world(session)
    for name, value in campaign.items():
        setattr(world.campaign, name, value)
    assert world.campaign.id is not None and world.other_partner.id is not None
    session.add(CampaignPartner(campaign_id=world.campaign.id, partner_id=world.partner.id or 0))
    session.add(CampaignPartner(campaign_id=world.campaign.id, partner_id=world.other_partner.id))
    for n in range(members):
        contact = add_contact(
            session,
            world,
            phone=f"+4522{n:06d}",
            name=f"Person{n} Hansen",
            birth_date=date(1968 + (n % 4) * 5, 3, 1),
            partner=world.partner if n % 3 else world.other_partner,
        )
        if n % 5 == 0:
            contact.municipality_id = None
    session.flush()
    return world


def assigned(session: Session) -> dict[int, str | None]:
    rows = session.execute(select(col(Invitation.contact_id), col(Invitation.variant))).all()
    return {int(contact): variant for contact, variant in rows}


class TestPermutedBlocks:
    @settings(max_examples=200, deadline=None)
    @given(
        strata=st.lists(st.integers(min_value=0, max_value=5), max_size=120),
        count=st.integers(min_value=2, max_value=4),
        seed=st.integers(min_value=0, max_value=SEED_MAX),
    )
    def test_every_stratum_is_balanced_at_every_point_and_reproducible(
        self, strata: list[int], count: int, seed: int
    ) -> None:
        keys = "ABCD"[:count]
        units = [((stratum,), n) for n, stratum in enumerate(strata)]
        first = permuted_blocks(units, keys=keys, seed=seed)
        assert first == permuted_blocks(units, keys=keys, seed=seed)
        assert set(first) == set(range(len(strata)))
        seen: dict[int, Counter[str]] = defaultdict(Counter)
        for n, stratum in enumerate(strata):
            seen[stratum][first[n]] += 1
            tally = [seen[stratum][key] for key in keys]
            assert max(tally) - min(tally) <= 1

    def test_a_different_seed_draws_a_different_order(self) -> None:
        units = [((0,), n) for n in range(40)]
        assert permuted_blocks(units, keys="AB", seed=1) != permuted_blocks(
            units, keys="AB", seed=2
        )


class TestCreation:
    def test_two_to_four_variants(self) -> None:
        base = {"name": "X", "partners": ["FOA Roskilde"], "sender": "Roskilde Kommune"}
        with pytest.raises(ValidationError, match="2 to 4 variants"):
            CampaignCreate.model_validate(base | {"variants": [{"template_da": SHORT}]})
        with pytest.raises(ValidationError, match="2 to 4 variants"):
            CampaignCreate.model_validate(base | {"variants": [{"template_da": SHORT}] * 5})

    def test_each_variant_is_checked_like_the_campaigns_own_text(self, session: Session) -> None:
        world = make_world(session)
        campaign_in = CampaignCreate(
            name="Forsøg",
            municipality="265",
            partners=[world.partner.name],
            sender="Roskilde Kommune",
            variants=[
                VariantIn(template_da=SHORT),
                VariantIn(template_da="Gratis tjek, se www.roskilde.dk"),
                VariantIn(reminder_da="Husk os! {telegram_code} Skriv STOP. {sender}"),
            ],
        )
        with pytest.raises(CampaignInputError) as refused:
            campaign_setup.create(
                session=session, campaign_in=campaign_in, now=MONDAY, channels=("console",)
            )
        message = str(refused.value)
        assert "variant B" in message and "how to stop" in message and "link" in message
        assert "variant C" in message and "a reminder cannot" in message
        assert "variant A" not in message

    def test_created_variants_are_shown_with_the_campaign(self, session: Session) -> None:
        world = make_world(session)
        campaign_in = CampaignCreate(
            name="Forsøg",
            municipality="265",
            partners=[world.partner.name],
            sender="Roskilde Kommune",
            variants=TWO,
            variant_seed=11,
        )
        made = campaign_setup.create(
            session=session, campaign_in=campaign_in, now=MONDAY, channels=("console",)
        )
        shown = campaign_setup.describe(session=session, campaign=made)
        assert [(v.key, v.label) for v in shown.variants] == [("A", "kort"), ("B", "lang")]
        assert shown.variant_seed == 11


class TestAssignment:
    def test_launch_assigns_every_invitation_balanced_within_strata(self, session: Session) -> None:
        world = mixed_world(session, variant_seed=5)
        set_variants(session=session, campaign=world.campaign, variants_in=[*TWO, VariantIn()])
        result = launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert result.invitations == 48
        rows = session.execute(
            select(
                col(Invitation.variant),
                col(Contact.birth_date),
                col(Contact.municipality_id),
                col(Membership.partner_id),
            )
            .join(Contact, col(Contact.id) == col(Invitation.contact_id))
            .join(Membership, col(Membership.contact_id) == col(Contact.id))
        ).all()
        by_stratum: dict[object, Counter[str]] = defaultdict(Counter)
        for variant, *stratum in rows:
            by_stratum[tuple(stratum)][variant] += 1
        assert len(by_stratum) > 8
        for tally in by_stratum.values():
            counts = [tally[key] for key in "ABC"]
            assert max(counts) - min(counts) <= 1
        overall = Counter(variant for variant, *_ in rows)
        assert max(overall.values()) - min(overall.values()) <= len(by_stratum)

    def test_the_same_seed_gives_the_same_assignment(self, session: Session) -> None:
        world = mixed_world(session, variant_seed=42)
        set_variants(session=session, campaign=world.campaign, variants_in=TWO)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        first = assigned(session)
        for invitation in session.scalars(select(Invitation)):
            invitation.variant = None
        session.flush()
        assign_at_launch(session=session, campaign=world.campaign, send_date=MONDAY.date())
        assert assigned(session) == first

    def test_a_seed_is_drawn_and_kept_when_none_is_given(self, session: Session) -> None:
        world = mixed_world(session, members=6)
        set_variants(session=session, campaign=world.campaign, variants_in=TWO)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert world.campaign.variant_seed is not None
        assert None not in assigned(session).values()

    def test_a_seed_never_reads_as_a_cpr_number(self) -> None:
        # A ten-digit seed such as 1107689030 is a valid CPR number (born 11 July 1968) to any
        # scan of a dump or a log: the largest seed drawn or accepted has nine digits.
        assert len(str(SEED_MAX)) == 9
        assert parse_cpr("1107689030") is not None
        base = {"name": "X", "partners": ["FOA Roskilde"], "sender": "Roskilde Kommune"}
        assert CampaignCreate.model_validate(base | {"variant_seed": SEED_MAX}).variant_seed
        with pytest.raises(ValidationError):
            CampaignCreate.model_validate(base | {"variant_seed": 1_107_689_030})

    def test_the_drawn_seed_is_below_the_largest(self, session: Session) -> None:
        world = mixed_world(session, members=6)
        set_variants(session=session, campaign=world.campaign, variants_in=TWO)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        assert world.campaign.variant_seed is not None
        assert 0 <= world.campaign.variant_seed <= SEED_MAX

    def test_each_person_gets_their_variants_text(self, session: Session) -> None:
        world = mixed_world(session, members=10, variant_seed=3)
        set_variants(session=session, campaign=world.campaign, variants_in=TWO)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        release_waves(session=session, window=WINDOW, now=NINE)
        invitations.process_due(session=session, dialogue=DIALOGUE, now=LATE, limit=50)
        sent = session.execute(
            select(col(Invitation.variant), col(Message.text))
            .join(Message, col(Message.contact_id) == col(Invitation.contact_id))
            .where(col(Message.kind) == "invitation")
        ).all()
        assert len(sent) == 10
        for variant, text in sent:
            assert text.startswith("Gratis sundhedstjek") == (variant == "A"), (variant, text)

    def test_the_reminder_of_a_variant_is_its_own(self, session: Session) -> None:
        world = mixed_world(session, members=4, variant_seed=3)
        nudge = "Vi mangler stadig dit svar om sundhedstjek hos {sender}. Svar JA. Skriv STOP."
        variants = [VariantIn(template_da=SHORT, reminder_da=nudge), VariantIn(template_da=ASK)]
        set_variants(session=session, campaign=world.campaign, variants_in=variants)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        release_waves(session=session, window=WINDOW, now=NINE)
        invitations.process_due(session=session, dialogue=DIALOGUE, now=LATE, limit=50)
        later = MONDAY + timedelta(days=7, hours=2)  # the Monday after, 10:00
        assert all(r.due_at < later for r in session.scalars(select(Reminder)))
        jobs.process_reminders(session=session, dialogue=DIALOGUE, now=later, limit=50)
        reminded = session.execute(
            select(col(Invitation.variant), col(Message.text))
            .join(Message, col(Message.contact_id) == col(Invitation.contact_id))
            .where(col(Message.kind) == "invitation_reminder")
        ).all()
        assert len(reminded) == 4
        for variant, text in reminded:
            assert text.startswith("Vi mangler stadig") == (variant == "A"), (variant, text)


class TestStopping:
    def test_a_stopped_variants_unsent_invitations_go_to_the_others(self, session: Session) -> None:
        world = mixed_world(session, members=30, variant_seed=9, paced=False, daily_limit=6)
        set_variants(session=session, campaign=world.campaign, variants_in=[*TWO, VariantIn()])
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        release_waves(session=session, window=WINDOW, now=NINE)
        evening = MONDAY + timedelta(hours=9)
        invitations.process_due(session=session, dialogue=DIALOGUE, now=evening, limit=50)
        sent_before = {
            i.contact_id: i.variant
            for i in session.scalars(select(Invitation).where(col(Invitation.status) == "done"))
        }
        assert len(sent_before) == 6 and "B" in sent_before.values()
        unsent_b = sum(
            1
            for i in session.scalars(select(Invitation))
            if i.variant == "B" and i.status != "done"
        )
        moved = stop_variant(session=session, campaign=world.campaign, key="b", now=evening)
        assert moved == unsent_b > 0
        after = session.scalars(select(Invitation)).all()
        assert {i.contact_id: i.variant for i in after if i.status == "done"} == sent_before
        waiting = Counter(i.variant for i in after if i.status != "done")
        assert waiting["B"] == 0 and waiting["A"] + waiting["C"] == 24
        tuesday = NINE + timedelta(days=1)
        release_waves(session=session, window=WINDOW, now=tuesday)
        invitations.process_due(
            session=session, dialogue=DIALOGUE, now=tuesday + timedelta(hours=8), limit=50
        )
        fresh = session.execute(
            select(col(Invitation.variant))
            .join(Conversation, col(Conversation.id) == col(Invitation.conversation_id))
            .where(col(Conversation.created_at) > evening)
        ).all()
        assert len(fresh) == 6 and {v for (v,) in fresh} <= {"A", "C"}

    def test_what_cannot_be_stopped(self, session: Session) -> None:
        world = mixed_world(session, members=4, variant_seed=1)
        set_variants(session=session, campaign=world.campaign, variants_in=TWO)
        with pytest.raises(CampaignStateError, match="only while it runs"):
            stop_variant(session=session, campaign=world.campaign, key="A", now=MONDAY)
        launch(session=session, campaign=world.campaign, now=MONDAY, window=WINDOW)
        with pytest.raises(CampaignInputError, match="no variant E"):
            stop_variant(session=session, campaign=world.campaign, key="E", now=MONDAY)
        stop_variant(session=session, campaign=world.campaign, key="A", now=MONDAY)
        with pytest.raises(CampaignStateError, match="already stopped"):
            stop_variant(session=session, campaign=world.campaign, key="A", now=MONDAY)
        with pytest.raises(CampaignStateError, match="the last running"):
            stop_variant(session=session, campaign=world.campaign, key="B", now=MONDAY)
        assert set(assigned(session).values()) == {"B"}


class TestPreview:
    def test_every_variant_with_its_sample_segments_and_cost(self, session: Session) -> None:
        world = mixed_world(session, members=10)
        set_variants(session=session, campaign=world.campaign, variants_in=TWO)
        result = preview(
            session=session,
            campaign=world.campaign,
            now=MONDAY,
            window=WINDOW,
            price_per_segment=0.25,
            actor="cli",
            where="test",
        )
        a, b = result.variants
        assert a.sample[0].text.startswith("Gratis sundhedstjek hos Roskilde Kommune")
        assert b.sample[0].text.startswith("Hej Person")
        assert a.templates[0].segments == 1 and b.templates[0].segments == 2
        assert a.expected_recipients == 5.0
        assert b.expected_cost_dkk > a.expected_cost_dkk
        # The launch is held to the dearer variant priced for everyone.
        assert result.cost_dkk == pytest.approx(sum(t.cost_dkk for t in b.templates))
        assert "Vi har tidligere skrevet" in a.reminder["da"]
