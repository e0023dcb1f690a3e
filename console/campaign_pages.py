"""Campaigns for coordinators: the list, one campaign, and launch, pause, resume and cancel.

Each action calls what the campaign API calls (`outreach.campaigns`), on a campaign looked up
within the key's municipality (`outreach.campaign_setup.get`): another municipality's is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response
from sqlmodel import Session

from api.deps import ServicesDep
from api.schemas import DB_INT_MAX
from console import labels
from console.auth import CoordinatorUser, DbDep, FormDep
from console.reports import campaign_funnel
from console.routing import NotConfirmedError, console_router, see_other
from console.sessions import ConsoleUser
from console.templating import PREFIX, page
from monitoring.experiment import experiment_report
from monitoring.experiment_schemas import ExperimentReport
from outreach import assignment, campaign_setup, campaigns
from outreach.endpoints import CampaignServicesDep
from store.models import Campaign
from store.types import CampaignStatus

router = console_router()
CampaignId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
DoneParam = Annotated[str | None, Query(alias="done", max_length=20)]

# What each status lets a coordinator do next, in the order the buttons show.
ACTIONS = {
    CampaignStatus.DRAFT: ("edit", "preview"),
    CampaignStatus.SCHEDULED: ("change", "pause", "cancel"),
    CampaignStatus.RUNNING: ("change", "pause", "cancel"),
    CampaignStatus.PAUSED: ("change", "resume", "cancel"),
    CampaignStatus.COMPLETED: (),
    CampaignStatus.CANCELLED: (),
}


def visible(session: Session, user: ConsoleUser, campaign_id: int) -> Campaign:
    """Return a campaign the user's key may see; any other is not found."""
    return campaign_setup.get(
        session=session, campaign_id=campaign_id, municipality_id=user.principal.municipality_id
    )


def campaign_path(campaign_id: int | None, done: str | None = None) -> str:
    """Return a campaign's page, with what was just done."""
    return f"{PREFIX}/campaigns/{campaign_id}" + (f"?done={done}" if done else "")


@router.get("/campaigns")
def list_page(
    request: Request, user: CoordinatorUser, session: DbDep, services: ServicesDep
) -> Response:
    """List the campaigns the key may see, newest first, with their key figures."""
    found = campaign_setup.list_campaigns(
        session=session, municipality_id=user.principal.municipality_id
    )
    rows = [
        (
            campaign_setup.describe(session=session, campaign=campaign),
            campaign_funnel(session=session, user=user, services=services, campaign=campaign),
        )
        for campaign in found
    ]
    return page(request, "campaigns.html", active="campaigns", rows=rows)


@router.get("/campaigns/{campaign_id}")
def campaign_page(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    session: DbDep,
    services: ServicesDep,
    done: DoneParam = None,
) -> Response:
    """Show one campaign: its settings, invitations, figures and what can be done next."""
    campaign = visible(session, user, campaign_id)
    return page(
        request,
        "campaign.html",
        active="campaigns",
        campaign=campaign_setup.describe(session=session, campaign=campaign),
        report=campaign_funnel(session=session, user=user, services=services, campaign=campaign),
        actions=ACTIONS[CampaignStatus(campaign.status)],
        done=labels.DONE.get(done or ""),
        experiment=_experiment(session=session, campaign=campaign),
    )


def _experiment(*, session: Session, campaign: Campaign) -> ExperimentReport | None:
    """Return the readout of a launched experiment; None for a draft or a single invitation."""
    if campaign.launched_at is None or campaign.variant_seed is None:
        return None
    assert campaign.id is not None
    return experiment_report(session=session, campaign_id=campaign.id)


@router.post("/campaigns/{campaign_id}/launch")
def launch(
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Target the list and queue the invitations, as POST /api/v1/campaigns/{id}/launch does."""
    campaign = visible(session, user, campaign_id)
    campaigns.launch(
        session=session,
        campaign=campaign,
        now=services.clock.now(),
        window=services.window,
        caps=extra.caps,
        flow=extra.flow,
        telegram_bot=extra.telegram_bot,
    )
    return see_other(campaign_path(campaign.id, "launched"))


@router.post("/campaigns/{campaign_id}/variants/{key}/stop")
def stop_variant(
    campaign_id: CampaignId,
    key: Annotated[str, Path(pattern=r"^[A-Da-d]$")],
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Stop one invitation of an experiment: its invitations not yet sent go to the others."""
    campaign = visible(session, user, campaign_id)
    if form.get("confirm") != "yes":
        raise NotConfirmedError(
            f"Sæt kryds i »Ja, stop variant {key.upper()}« for at stoppe den. Intet er ændret."
        )
    assignment.stop_variant(session=session, campaign=campaign, key=key, now=services.clock.now())
    return see_other(campaign_path(campaign.id, "variant_stopped"))


@router.post("/campaigns/{campaign_id}/pause")
def pause(
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Stop new invitations; conversations already open go on."""
    campaign = visible(session, user, campaign_id)
    campaigns.pause(session=session, campaign=campaign, now=services.clock.now())
    return see_other(campaign_path(campaign.id, "paused"))


@router.post("/campaigns/{campaign_id}/resume")
def resume(
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Carry on after a pause."""
    campaign = visible(session, user, campaign_id)
    campaigns.resume(
        session=session, campaign=campaign, now=services.clock.now(), window=services.window
    )
    return see_other(campaign_path(campaign.id, "resumed"))


@router.post("/campaigns/{campaign_id}/cancel")
def cancel(
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Stop for good, once the coordinator has ticked that they mean it."""
    campaign = visible(session, user, campaign_id)
    if form.get("confirm") != "yes":
        raise NotConfirmedError(
            "Sæt kryds i »Ja, stop kampagnen« for at stoppe den. Intet er ændret."
        )
    campaigns.cancel(session=session, campaign=campaign, now=services.clock.now())
    return see_other(campaign_path(campaign.id, "cancelled"))
