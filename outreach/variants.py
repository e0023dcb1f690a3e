"""Invitation experiments: a campaign's two to four variants, their checks, and what is sent.

A variant holds an invitation text per language and, optionally, an invitation reminder per
language; a text it leaves out is the campaign's own (then the flow's default). Each variant is
checked when it is created like a campaign's own text is at launch (sender, STOP, no links,
placeholders), so a refused text is found before anyone is assigned to it. Assignment is in
`outreach.assignment`; the readout in `monitoring.experiment`.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import delete, select
from sqlmodel import Session, col

from bot.flow import Flow
from bot.types import Language
from outreach.errors import CampaignInputError
from outreach.schemas import VariantIn, VariantPublic
from outreach.templates import template_problems
from store.models import Campaign, CampaignVariant, Invitation

KEYS = ("A", "B", "C", "D")
# The reminder is written by the flow, which fills in only these (no Telegram code is issued).
REMINDER_PLACEHOLDERS = frozenset(
    {"sender", "first_name", "age_min", "age_max", "phone", "target_municipality"}
)
# At creation the service's Telegram bot is not known; launch checks the Telegram placeholders.
_ANY_BOT = "creation"


def variants_of(*, session: Session, campaign_id: int) -> list[CampaignVariant]:
    """Return a campaign's variants, A first."""
    return list(
        session.scalars(
            select(CampaignVariant)
            .where(col(CampaignVariant.campaign_id) == campaign_id)
            .order_by(col(CampaignVariant.key))
        )
    )


def active_keys(variants: Sequence[CampaignVariant]) -> list[str]:
    """Return the keys of the variants that still get new invitations."""
    return [variant.key for variant in variants if variant.stopped_at is None]


def set_variants(
    *, session: Session, campaign: Campaign, variants_in: Sequence[VariantIn]
) -> list[CampaignVariant]:
    """Replace a draft's variants after checking every text; an empty list ends the experiment."""
    assert campaign.id is not None
    problems = [
        f"variant {key}: {problem}"
        for key, variant in zip(KEYS, variants_in, strict=False)
        for problem in variant_problems(campaign=campaign, variant=variant)
    ]
    if problems:
        raise CampaignInputError("; ".join(problems))
    session.execute(delete(CampaignVariant).where(col(CampaignVariant.campaign_id) == campaign.id))
    rows = [
        CampaignVariant(campaign_id=campaign.id, key=key, **variant.model_dump())
        for key, variant in zip(KEYS, variants_in, strict=False)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def variant_problems(
    *, campaign: Campaign, variant: VariantIn | CampaignVariant, telegram_bot: str = _ANY_BOT
) -> list[str]:
    """Return every rule a variant's texts break, as sentences a coordinator can act on."""
    found: list[str] = []
    texts = (
        ("Danish invitation", variant.template_da, False),
        ("English invitation", variant.template_en, False),
        ("Danish reminder", variant.reminder_da, True),
        ("English reminder", variant.reminder_en, True),
    )
    for name, text, reminder in texts:
        if text is None:
            continue
        problems = template_problems(
            text,
            sender=campaign.sender,
            allow_links=campaign.allow_links,
            telegram_bot=telegram_bot,
        )
        if reminder:
            problems += _reminder_placeholders(text)
        found.extend(f"the {name} {problem}" for problem in problems)
    return found


def _reminder_placeholders(text: str) -> list[str]:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return []  # template_problems reports the braces
    odd = sorted(names - REMINDER_PLACEHOLDERS)
    if not odd:
        return []
    shown = ", ".join(f"{{{name}}}" for name in sorted(REMINDER_PLACEHOLDERS))
    return [f"uses {', '.join(f'{{{n}}}' for n in odd)}, which a reminder cannot; use {shown}"]


def describe_variants(*, session: Session, campaign_id: int) -> list[VariantPublic]:
    """Return the variants as the API shows them."""
    return [
        VariantPublic.model_validate(variant, from_attributes=True)
        for variant in variants_of(session=session, campaign_id=campaign_id)
    ]


def assigned_variant(
    *, session: Session, campaign: Campaign, contact_id: int
) -> CampaignVariant | None:
    """Return the variant this contact's invitation in the campaign was assigned, if any."""
    if not runs_experiment(campaign):
        return None
    key = session.scalar(
        select(col(Invitation.variant)).where(
            col(Invitation.campaign_id) == campaign.id, col(Invitation.contact_id) == contact_id
        )
    )
    if key is None:
        return None
    return session.scalar(
        select(CampaignVariant).where(
            col(CampaignVariant.campaign_id) == campaign.id, col(CampaignVariant.key) == key
        )
    )


def runs_experiment(campaign: Campaign) -> bool:
    """Tell whether the campaign's invitations are assigned variants (it has a seed)."""
    return campaign.variant_seed is not None


def variant_in_use(
    *, campaign: Campaign, variant: CampaignVariant | None
) -> CampaignVariant | None:
    """Return the variant an invitation was assigned, if the campaign runs its experiment."""
    return variant if runs_experiment(campaign) else None


def invitation_template(
    *, campaign: Campaign, variant: CampaignVariant | None, lang: str
) -> str | None:
    """Return the invitation text a contact gets: the variant's, else the campaign's."""
    own = campaign.template_en if lang == "en" else campaign.template_da
    if variant is None:
        return own
    text = variant.template_en if lang == "en" else variant.template_da
    return text if text is not None else own


def flow_for(*, flow: Flow, variant: CampaignVariant | None) -> Flow:
    """Return the flow with the variant's invitation reminder laid over the flow's own."""
    if variant is None or (variant.reminder_da is None and variant.reminder_en is None):
        return flow
    own = flow.texts["invitation_reminder"]
    reminder: dict[Language, str] = {
        "da": variant.reminder_da if variant.reminder_da is not None else own["da"],
        "en": variant.reminder_en if variant.reminder_en is not None else own["en"],
    }
    return replace(flow, texts={**flow.texts, "invitation_reminder": reminder})
