"""The invitation as each targeted person would get it: rendered by the engine, then priced.

Preview shows it; launch prices it again to hold the campaign to its cost cap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.engine import step
from bot.flow import Flow
from bot.types import (
    Context,
    ConversationState,
    Event,
    EventKind,
    Language,
    Step,
    TelegramInvite,
)
from outreach.schemas import SamplePublic, TemplatePublic
from outreach.targeting import priority_rank, targeted_ids
from outreach.templates import encode, non_gsm_characters
from outreach.variants import invitation_template, variants_of
from store.link_codes import start_link
from store.models import Campaign, CampaignVariant, Contact, Invitation, Municipality

LANGS: tuple[Language, ...] = ("da", "en")
SAMPLE_SIZE = 5
SAMPLE_CODE = "K7M3Q9TX"  # shaped like store.link_codes' codes: 8 of its alphabet


def first_name(name: str) -> str | None:
    """Return the first name as the dialogue uses it."""
    return name.split()[0] if name.strip() else None


def language_of(contact_language: str) -> Language:
    """Return the conversation language a contact gets."""
    return "en" if contact_language == "en" else "da"


def recipients_of(
    *, session: Session, campaign: Campaign, send_date: date, now: datetime
) -> Counter[tuple[Language, str | None]]:
    """Count the targeted by (language, first name): what the rendered text depends on."""
    # Grouped in SQL: a list of 100,000 has far fewer distinct names, so far fewer rows travel.
    rows = session.execute(
        select(col(Contact.language), col(Contact.name), func.count())
        .where(targeted_ids(campaign=campaign, send_date=send_date, now=now))
        .group_by(col(Contact.language), col(Contact.name))
    ).all()
    return _by_first_name(rows)


def invited_recipients(
    *, session: Session, campaign_id: int
) -> Counter[tuple[Language, str | None]]:
    """Count a campaign's invitations, as `recipients_of` counts the targeted: after a launch's
    INSERT they are the same people, read without running the targeting a second time."""
    rows = session.execute(
        select(col(Contact.language), col(Contact.name), func.count())
        .join(Invitation, col(Invitation.contact_id) == col(Contact.id))
        .where(col(Invitation.campaign_id) == campaign_id)
        .group_by(col(Contact.language), col(Contact.name))
    ).all()
    return _by_first_name(rows)


def _by_first_name(
    rows: Sequence[tuple[str, str, int]],
) -> Counter[tuple[Language, str | None]]:
    recipients: Counter[tuple[Language, str | None]] = Counter()
    for lang, name, count in rows:
        recipients[language_of(lang), first_name(name)] += count
    return recipients


class InvitationRenderer:
    """Render the invitation exactly as the engine would for one person."""

    def __init__(
        self,
        *,
        session: Session,
        campaign: Campaign,
        flow: Flow,
        now: datetime,
        telegram_bot: str = "",
        variant: CampaignVariant | None = None,
    ) -> None:
        self.campaign, self.flow, self.now, self.variant = campaign, flow, now, variant
        self.target = session.get_one(Municipality, campaign.municipality_id).name
        # Every code has the same length and alphabet, so a sample one costs what a real one does.
        self.telegram = (
            TelegramInvite(
                bot="@" + telegram_bot,
                code=SAMPLE_CODE,
                link=start_link(bot_username=telegram_bot, code=SAMPLE_CODE),
            )
            if telegram_bot
            else None
        )

    def template(self, lang: Language) -> str | None:
        return invitation_template(campaign=self.campaign, variant=self.variant, lang=lang)

    def render(self, lang: Language, name: str | None) -> str:
        ctx = Context(
            sender=self.campaign.sender,
            first_name=name,
            age_min=self.campaign.age_min,
            age_max=self.campaign.age_max,
            target_municipality=self.target,
            phone_number=self.campaign.help_phone,
            invitation_template=self.template(lang),
            telegram=self.telegram,
        )
        state = ConversationState(step=Step.INVITED, lang=lang)
        transition = step(state, Event(EventKind.INVITE), self.now, ctx, self.flow)
        return transition.outbound[0].text

    def report(
        self,
        lang: Language,
        recipients: Counter[tuple[Language, str | None]],
        *,
        price: float,
    ) -> TemplatePublic:
        """Describe one language's invitation: encoding, segments, recipients, cost."""
        own = self.template(lang)
        typical = encode(self.render(lang, "Anne"))
        total = most = ucs2 = people = 0
        for (language, name), count in recipients.items():
            if language != lang:
                continue
            encoding = encode(self.render(lang, name))
            people += count
            total += encoding.segments * count
            most = max(most, encoding.segments)
            ucs2 += count if encoding.name == "UCS-2" else 0
        return TemplatePublic(
            language=lang,
            source="campaign" if own else "default",
            template=own or self.flow.texts["invitation"][lang],
            encoding=typical.name,
            segments=typical.segments,
            non_gsm_characters=non_gsm_characters(own or ""),
            recipients=people,
            total_segments=total,
            max_segments=most,
            ucs2_recipients=ucs2,
            cost_dkk=round(total * price, 2),
        )

    def sample(
        self, *, session: Session, campaign: Campaign, send_date: date, now: datetime
    ) -> list[SamplePublic]:
        """Render the invitation for the first few people in release order, by pseudonym."""
        rows = session.execute(
            select(col(Contact.public_id), col(Contact.name), col(Contact.language))
            .where(targeted_ids(campaign=campaign, send_date=send_date, now=now))
            .order_by(priority_rank(campaign=campaign), col(Contact.id))
            .limit(SAMPLE_SIZE)
        ).all()
        samples = []
        for public_id, name, language in rows:
            lang = language_of(language)
            text = self.render(lang, first_name(name))
            encoding = encode(text)
            samples.append(
                SamplePublic(
                    contact=public_id,
                    language=lang,
                    text=text,
                    encoding=encoding.name,
                    segments=encoding.segments,
                )
            )
        return samples


def price_invitations(
    *,
    session: Session,
    campaign: Campaign,
    send_date: date,
    now: datetime,
    flow: Flow,
    price: float,
    telegram_bot: str = "",
    recipients: Counter[tuple[Language, str | None]] | None = None,
) -> list[TemplatePublic]:
    """Describe each language's invitation for the people targeted on `send_date` (or for
    `recipients`, when the caller has counted them already).

    In an experiment the dearest variant is priced for everyone, so a cap is never exceeded.
    """
    assert campaign.id is not None
    if recipients is None:
        recipients = recipients_of(session=session, campaign=campaign, send_date=send_date, now=now)
    priced: list[list[TemplatePublic]] = []
    variants: list[CampaignVariant | None] = [
        *variants_of(session=session, campaign_id=campaign.id)
    ]
    for variant in variants or [None]:
        renderer = InvitationRenderer(
            session=session,
            campaign=campaign,
            flow=flow,
            now=now,
            telegram_bot=telegram_bot,
            variant=variant,
        )
        priced.append([renderer.report(lang, recipients, price=price) for lang in LANGS])
    return max(priced, key=lambda templates: sum(t.cost_dkk for t in templates))
