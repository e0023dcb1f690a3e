"""Preview an experiment: every variant's sample texts, segments and cost, side by side."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlmodel import Session

from bot.flow import Flow
from bot.types import Language
from outreach.invitation_texts import LANGS, InvitationRenderer
from outreach.schemas import VariantPreviewPublic
from outreach.variants import flow_for, variants_of
from store.models import Campaign


def variant_previews(
    *,
    session: Session,
    campaign: Campaign,
    recipients: Counter[tuple[Language, str | None]],
    send_date: date,
    now: datetime,
    flow: Flow,
    price: float,
    telegram_bot: str = "",
) -> list[VariantPreviewPublic]:
    """Describe each variant as if everyone targeted got it, and its expected share."""
    assert campaign.id is not None
    variants = variants_of(session=session, campaign_id=campaign.id)
    targeted = sum(recipients.values())
    previews = []
    for variant in variants:
        renderer = InvitationRenderer(
            session=session,
            campaign=campaign,
            flow=flow,
            now=now,
            telegram_bot=telegram_bot,
            variant=variant,
        )
        templates = [renderer.report(lang, recipients, price=price) for lang in LANGS]
        share = 1 / len(variants)
        reminder = flow_for(flow=flow, variant=variant).texts["invitation_reminder"]
        previews.append(
            VariantPreviewPublic(
                key=variant.key,
                label=variant.label,
                templates=templates,
                sample=renderer.sample(
                    session=session, campaign=campaign, send_date=send_date, now=now
                ),
                reminder={lang: reminder[lang] for lang in LANGS},
                expected_recipients=round(targeted * share, 1),
                expected_cost_dkk=round(sum(t.cost_dkk for t in templates) * share, 2),
            )
        )
    return previews
