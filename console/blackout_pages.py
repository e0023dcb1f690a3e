"""A campaign's days without sending, from its page: add a period, or remove one.

A draft's periods change as PATCH /api/v1/campaigns/{id} changes a draft's; a launched
campaign's through `outreach.running_changes`, which audits the change. The next wave and every
message the campaign sends of its own accord follow the new list.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request, Response
from sqlmodel import Session

from api.deps import ServicesDep
from console.auth import CoordinatorUser, DbDep, FormDep
from console.campaign_pages import CampaignId, campaign_path, visible
from console.routing import ConsoleError, console_router, see_other
from console.sessions import ConsoleUser
from outreach import campaign_setup, running_changes
from outreach.endpoints import CampaignServicesDep
from outreach.schemas import (
    LAST_DAY,
    MAX_BLACKOUT_DAYS,
    MAX_BLACKOUTS,
    BlackoutPeriod,
    CampaignRunningUpdate,
    CampaignUpdate,
)
from outreach.windows import blackouts_of
from store.audit import actor_of
from store.models import Campaign
from store.types import CampaignStatus

router = console_router()
FINISHED = (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED)


class BlackoutRefusedError(ConsoleError):
    status_code = 422
    code = "blackout_refused"


def _day(text: object, what: str) -> date:
    try:
        day = date.fromisoformat(str(text or "").strip())
    except ValueError as error:
        raise BlackoutRefusedError(f"Skriv {what} som en dato. Intet er ændret.") from error
    if day > LAST_DAY:
        raise BlackoutRefusedError(f"{what.capitalize()} ligger for langt ude i fremtiden.")
    return day


def _save(
    *,
    session: Session,
    user: ConsoleUser,
    campaign: Campaign,
    periods: list[tuple[date, date]],
    services: ServicesDep,
    telegram_bot: str,
    channels: tuple[str, ...],
) -> None:
    """Store the whole new list, as a draft or as a change to a launched campaign."""
    given = [BlackoutPeriod(first_day=first, last_day=last) for first, last in periods]
    if campaign.status == CampaignStatus.DRAFT:
        campaign_setup.update(
            session=session,
            campaign=campaign,
            campaign_in=CampaignUpdate(blackouts=given),
            channels=channels,
            scope_municipality_id=user.principal.municipality_id,
        )
        return
    running_changes.change_running(
        session=session,
        campaign=campaign,
        change=CampaignRunningUpdate(blackouts=given),
        now=services.clock.now(),
        window=services.window,
        actor=actor_of(user.principal),
        telegram_bot=telegram_bot,
        lang="da",
    )


def _open(session: Session, user: ConsoleUser, campaign_id: int) -> Campaign:
    campaign = visible(session, user, campaign_id)
    if campaign.status in FINISHED:
        raise BlackoutRefusedError("Kampagnen er afsluttet; dens dage uden udsendelse står fast.")
    return campaign


@router.post("/campaigns/{campaign_id}/blackouts")
def add_blackout(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Add a period of days without sending."""
    campaign = _open(session, user, campaign_id)
    first = _day(form.get("first_day"), "første dag")
    last = _day(form.get("last_day") or form.get("first_day"), "sidste dag")
    if last < first:
        raise BlackoutRefusedError("Sidste dag ligger før første dag. Intet er ændret.")
    if (last - first).days >= MAX_BLACKOUT_DAYS:
        raise BlackoutRefusedError(f"En periode er højst {MAX_BLACKOUT_DAYS} dage.")
    assert campaign.id is not None
    periods = blackouts_of(session=session, campaign_id=campaign.id)
    if (first, last) in periods:
        return see_other(campaign_path(campaign.id, "blackouts"))
    if len(periods) >= MAX_BLACKOUTS:
        raise BlackoutRefusedError(
            f"En kampagne kan højst have {MAX_BLACKOUTS} perioder. Fjern en, før du tilføjer."
        )
    _save(
        session=session,
        user=user,
        campaign=campaign,
        periods=sorted([*periods, (first, last)]),
        services=services,
        telegram_bot=extra.telegram_bot,
        channels=extra.channels,
    )
    return see_other(campaign_path(campaign.id, "blackouts"))


@router.post("/campaigns/{campaign_id}/blackouts/remove")
def remove_blackout(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Remove one period; the campaign may send on those days again."""
    campaign = _open(session, user, campaign_id)
    first = _day(form.get("first_day"), "første dag")
    last = _day(form.get("last_day"), "sidste dag")
    assert campaign.id is not None
    periods = blackouts_of(session=session, campaign_id=campaign.id)
    if (first, last) not in periods:
        raise BlackoutRefusedError(
            "Perioden findes ikke på kampagnen; måske har en anden lige fjernet den."
        )
    _save(
        session=session,
        user=user,
        campaign=campaign,
        periods=[p for p in periods if p != (first, last)],
        services=services,
        telegram_bot=extra.telegram_bot,
        channels=extra.channels,
    )
    return see_other(campaign_path(campaign.id, "blackouts"))
