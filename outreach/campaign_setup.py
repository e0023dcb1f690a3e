"""Creating and changing campaigns, finding them, and describing them to the API and CLI."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from core.errors import ForbiddenError
from outreach.errors import CampaignInputError, CampaignNotFoundError, CampaignStateError
from outreach.schemas import (
    BlackoutPeriod,
    CampaignCreate,
    CampaignPublic,
    CampaignUpdate,
    MunicipalityPublic,
)
from outreach.templates import placeholder_problems
from outreach.variants import describe_variants, set_variants
from outreach.windows import blackouts_of
from store.models import (
    Campaign,
    CampaignBlackout,
    CampaignPartner,
    Invitation,
    Municipality,
    Partner,
)
from store.municipalities import ensure_municipality, resolve_municipality
from store.partners import partner_named
from store.types import CampaignStatus

# Fields that are copied as they are from CampaignCreate / CampaignUpdate onto the row.
_PLAIN_FIELDS = (
    "name",
    "sender",
    "help_phone",
    "channel",
    "age_min",
    "age_max",
    "template_da",
    "template_en",
    "allow_links",
    "window_start_hour",
    "window_end_hour",
    "daily_limit",
    "paced",
    "booking_rate_prior",
    "reinvite_after_days",
    "starts_at",
    "ends_on",
    "variant_seed",
)


def create(
    *,
    session: Session,
    campaign_in: CampaignCreate,
    now: datetime,
    channels: Collection[str],
    default_municipality_id: int | None = None,
    scope_municipality_id: int | None = None,
) -> Campaign:
    """Create a draft campaign from names the coordinator knows (municipality, partners).

    With a scope (a key limited to a municipality), the campaign must be in that municipality
    and its partners that municipality's or national ones; another's are unknown.
    """
    municipality_id = _municipality_id(
        session=session, text=campaign_in.municipality, default=default_municipality_id
    )
    if scope_municipality_id is not None and municipality_id != scope_municipality_id:
        raise ForbiddenError("this key may only create campaigns in its own municipality")
    partner_ids = _partner_ids(
        session=session, names=campaign_in.partners, scope_municipality_id=scope_municipality_id
    )
    values = {name: getattr(campaign_in, name) for name in _PLAIN_FIELDS}
    campaign = Campaign(
        **values,
        municipality_id=municipality_id,
        partner_id=partner_ids[0],
        education_priority=",".join(campaign_in.education_priority),
        status=CampaignStatus.DRAFT,
        created_at=now,
    )
    _check(campaign, channels=channels)
    session.add(campaign)
    session.flush()
    _set_partners(session=session, campaign=campaign, partner_ids=partner_ids)
    set_blackouts(session=session, campaign=campaign, periods=campaign_in.blackouts)
    set_variants(session=session, campaign=campaign, variants_in=campaign_in.variants)
    return campaign


def update(
    *,
    session: Session,
    campaign: Campaign,
    campaign_in: CampaignUpdate,
    channels: Collection[str],
    scope_municipality_id: int | None = None,
) -> Campaign:
    """Change a draft; a launched campaign keeps what it was launched with."""
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignStateError(
            f"campaign {campaign.id} is {campaign.status}; only a draft can be changed"
        )
    given: dict[str, Any] = campaign_in.model_dump(exclude_unset=True)
    for name in _PLAIN_FIELDS:
        if name in given:
            setattr(campaign, name, given[name])
    if "education_priority" in given:
        campaign.education_priority = ",".join(campaign_in.education_priority or [])
    if campaign.age_min > campaign.age_max:
        raise CampaignInputError("age_min is above age_max")
    if campaign.window_start_hour >= campaign.window_end_hour:
        raise CampaignInputError("window_start_hour must be before window_end_hour")
    _check(campaign, channels=channels)
    if campaign_in.partners is not None:
        partner_ids = _partner_ids(
            session=session,
            names=campaign_in.partners,
            scope_municipality_id=scope_municipality_id,
        )
        campaign.partner_id = partner_ids[0]
        _set_partners(session=session, campaign=campaign, partner_ids=partner_ids)
    if campaign_in.blackouts is not None:
        set_blackouts(session=session, campaign=campaign, periods=campaign_in.blackouts)
    if campaign_in.variants is not None:
        set_variants(session=session, campaign=campaign, variants_in=campaign_in.variants)
    session.flush()
    return campaign


def _check(campaign: Campaign, *, channels: Collection[str]) -> None:
    """Refuse what can never work; the rules a template must follow are checked at preview."""
    if campaign.channel not in channels:
        known = ", ".join(sorted(channels))
        raise CampaignInputError(f"channel '{campaign.channel}' is not configured; use {known}")
    for lang, text in (("da", campaign.template_da), ("en", campaign.template_en)):
        problems = placeholder_problems(text) if text else []
        if problems:
            raise CampaignInputError(f"the {lang} template {'; '.join(problems)}")


def _municipality_id(*, session: Session, text: str | None, default: int | None) -> int:
    if text is None:
        if default is None:
            raise CampaignInputError("name the campaign's municipality (name or code)")
        return default
    ref = resolve_municipality(text)
    if ref is None:
        raise CampaignInputError(f"unknown municipality: {text}")
    municipality = ensure_municipality(session=session, ref=ref)
    assert municipality.id is not None
    return municipality.id


def _partner_ids(
    *, session: Session, names: Sequence[str], scope_municipality_id: int | None
) -> list[int]:
    """The partners a campaign names, found as people type their names (`partner_named`); a
    municipality's campaign may name its own partners and the national ones."""
    ids: list[int] = []
    missing: list[str] = []
    for name in names:
        partner = partner_named(session=session, name=name)
        usable = partner is not None and (
            scope_municipality_id is None
            or partner.municipality_id in (None, scope_municipality_id)
        )
        if partner is None or partner.id is None or not usable:
            missing.append(name)
        elif partner.id not in ids:  # "FOA Vejle" and "foa vejle" are one partner
            ids.append(partner.id)
    if missing:
        raise CampaignInputError(
            f"unknown partner(s): {', '.join(missing)}; import their member list first"
        )
    return ids


def _set_partners(*, session: Session, campaign: Campaign, partner_ids: list[int]) -> None:
    assert campaign.id is not None
    session.execute(delete(CampaignPartner).where(col(CampaignPartner.campaign_id) == campaign.id))
    session.add_all(CampaignPartner(campaign_id=campaign.id, partner_id=p) for p in partner_ids)
    session.flush()


def set_blackouts(
    *, session: Session, campaign: Campaign, periods: Sequence[BlackoutPeriod]
) -> None:
    assert campaign.id is not None
    session.execute(
        delete(CampaignBlackout).where(col(CampaignBlackout.campaign_id) == campaign.id)
    )
    session.add_all(
        CampaignBlackout(campaign_id=campaign.id, first_day=p.first_day, last_day=p.last_day)
        for p in periods
    )
    session.flush()


def get(*, session: Session, campaign_id: int, municipality_id: int | None = None) -> Campaign:
    """Return a campaign; one of another municipality than `municipality_id` is not found."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or (
        municipality_id is not None and campaign.municipality_id != municipality_id
    ):
        raise CampaignNotFoundError(f"no campaign {campaign_id}")
    return campaign


def list_campaigns(*, session: Session, municipality_id: int | None = None) -> list[Campaign]:
    """Return campaigns, newest first; only one municipality's when given."""
    query = select(Campaign).order_by(col(Campaign.id).desc())
    if municipality_id is not None:
        query = query.where(col(Campaign.municipality_id) == municipality_id)
    return list(session.scalars(query))


def partner_names(*, session: Session, campaign: Campaign) -> list[str]:
    """Return the names of the campaign's partners, the first partner first."""
    rows = session.execute(
        select(col(Partner.id), col(Partner.name))
        .join(CampaignPartner, col(CampaignPartner.partner_id) == col(Partner.id))
        .where(col(CampaignPartner.campaign_id) == campaign.id)
        .order_by(col(Partner.name))
    ).all()
    names = [name for partner_id, name in rows if partner_id != campaign.partner_id]
    first = session.get_one(Partner, campaign.partner_id)
    return [first.name, *names]


def invitation_counts(*, session: Session, campaign_id: int) -> dict[str, int]:
    """Count the campaign's invitations by status."""
    rows = session.execute(
        select(col(Invitation.status), func.count())
        .where(col(Invitation.campaign_id) == campaign_id)
        .group_by(col(Invitation.status))
    ).all()
    return {str(status): int(count) for status, count in rows}


def describe(*, session: Session, campaign: Campaign) -> CampaignPublic:
    """Return the campaign as the API and `--json` show it."""
    assert campaign.id is not None
    municipality = session.get_one(Municipality, campaign.municipality_id)
    blackouts = blackouts_of(session=session, campaign_id=campaign.id)
    fields = {name: getattr(campaign, name) for name in _PLAIN_FIELDS}
    return CampaignPublic(
        **fields,
        id=campaign.id,
        status=campaign.status,
        municipality=MunicipalityPublic(code=municipality.code, name=municipality.name),
        partners=partner_names(session=session, campaign=campaign),
        education_priority=[g for g in campaign.education_priority.split(",") if g],
        blackouts=[BlackoutPeriod(first_day=a, last_day=b) for a, b in blackouts],
        created_at=campaign.created_at,
        launched_at=campaign.launched_at,
        paused_at=campaign.paused_at,
        ended_at=campaign.ended_at,
        invitations=invitation_counts(session=session, campaign_id=campaign.id),
        variants=describe_variants(session=session, campaign_id=campaign.id),
    )
