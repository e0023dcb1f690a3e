"""The campaign and member-list API: /api/v1/campaigns and /api/v1/contacts/import.

A key limited to a municipality sees only that municipality's campaigns; any other is 404.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import Depends, Form, Request
from fastapi import Path as PathParam
from sqlmodel import Session

from api.deps import CoordinatorDep, EvaluatorDep, ServicesDep, SessionDep
from api.routing import secured_router
from api.schemas import DB_INT_MAX, error_responses
from bot.flow import Flow
from core.errors import InvalidInputError, PayloadTooLargeError
from core.principal import Principal
from core.pseudonyms import Pseudonymizer
from monitoring import compute_funnel
from outreach import assignment, campaign_setup, campaigns, running_changes
from outreach.caps import CampaignCaps
from outreach.contacts import (
    MemberFileError,
    MemberFileTooLargeError,
    PartnerOwner,
    dry_run,
    import_members,
    read_member_file,
)
from outreach.contacts.reading import MAX_FILE_BYTES
from outreach.contacts.schemas import (
    ImportDryRunPublic,
    ImportForm,
    ImportPublic,
    parse_mapping,
)
from outreach.errors import CampaignStateError
from outreach.preview import preview
from outreach.schemas import (
    RUNNING_FIELDS,
    CampaignCreate,
    CampaignPublic,
    CampaignRunningUpdate,
    CampaignUpdate,
    FunnelPublic,
    LaunchPublic,
    PreviewPublic,
)
from store.audit import actor_of
from store.models import Campaign
from store.types import CampaignStatus

router = secured_router(prefix="", tags=["campaigns"])
CampaignId = Annotated[int, PathParam(ge=1, le=DB_INT_MAX, description="The campaign's id.")]
VariantKey = Annotated[str, PathParam(pattern=r"^[A-Da-d]$", description="A, B, C or D.")]
# A body can be malformed JSON (400); a lifecycle step can conflict with the status (409).
BODY = error_responses(400)
CONFLICT = error_responses(400, 409)


@dataclass(frozen=True)
class CampaignServices:
    """What the campaign endpoints need beyond the shared services."""

    channels: tuple[str, ...]
    price_per_segment: float
    pseudonymizer: Pseudonymizer
    flow: Flow
    caps: CampaignCaps
    telegram_bot: str  # the bot invitations may name; "" when Telegram is off


def get_campaign_services(request: Request) -> CampaignServices:
    """Take the configured channels, SMS price and pseudonymizer from the app's runtime."""
    runtime = request.app.state.runtime
    channels: Mapping[str, object] = runtime.channels
    return CampaignServices(
        channels=tuple(channels),
        price_per_segment=float(runtime.settings.sms_segment_price_dkk),
        pseudonymizer=runtime.pseudonymizer,
        flow=runtime.dialogue.flow,
        caps=runtime.campaign_caps,
        telegram_bot=runtime.dialogue.telegram_bot,
    )


CampaignServicesDep = Annotated[CampaignServices, Depends(get_campaign_services)]


def _visible(session: Session, principal: Principal, campaign_id: int) -> Campaign:
    return campaign_setup.get(
        session=session, campaign_id=campaign_id, municipality_id=principal.municipality_id
    )


def _public(session: Session, campaign: Campaign) -> CampaignPublic:
    return campaign_setup.describe(session=session, campaign=campaign)


@router.post("/campaigns", status_code=201, responses=BODY)
def create_campaign(
    body: CampaignCreate,
    session: SessionDep,
    principal: CoordinatorDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> CampaignPublic:
    """Create a draft campaign."""
    campaign = campaign_setup.create(
        session=session,
        campaign_in=body,
        now=services.clock.now(),
        channels=extra.channels,
        default_municipality_id=principal.municipality_id,
        scope_municipality_id=principal.municipality_id,
    )
    return _public(session, campaign)


@router.get("/campaigns")
def list_campaigns(session: SessionDep, principal: CoordinatorDep) -> list[CampaignPublic]:
    """List the campaigns this key may see, newest first."""
    found = campaign_setup.list_campaigns(
        session=session, municipality_id=principal.municipality_id
    )
    return [_public(session, campaign) for campaign in found]


@router.get("/campaigns/{campaign_id}")
def show_campaign(
    campaign_id: CampaignId, session: SessionDep, principal: CoordinatorDep
) -> CampaignPublic:
    """Show one campaign with its invitations by status."""
    return _public(session, _visible(session, principal, campaign_id))


@router.patch("/campaigns/{campaign_id}", responses=CONFLICT)
def update_campaign(
    campaign_id: CampaignId,
    body: CampaignUpdate,
    session: SessionDep,
    principal: CoordinatorDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> CampaignPublic:
    """Change a draft; or a launched campaign's daily limit, end, blackouts and texts.

    A launched campaign takes only `daily_limit`, `ends_on`, `blackouts`, `template_da` and
    `template_en` (409 naming any other field); new texts are checked as at launch (422).
    """
    campaign = _visible(session, principal, campaign_id)
    if campaign.status == CampaignStatus.DRAFT:
        campaign_setup.update(
            session=session,
            campaign=campaign,
            campaign_in=body,
            channels=extra.channels,
            scope_municipality_id=principal.municipality_id,
        )
        return _public(session, campaign)
    refused = running_changes.refused_fields(body.model_fields_set)
    if refused:
        raise CampaignStateError(
            f"campaign {campaign.id} is {campaign.status}: only {', '.join(RUNNING_FIELDS)} "
            f"can change now, not {', '.join(refused)} (docs/campaigns.md)"
        )
    change = CampaignRunningUpdate.model_validate(body.model_dump(include=body.model_fields_set))
    running_changes.change_running(
        session=session,
        campaign=campaign,
        change=change,
        now=services.clock.now(),
        window=services.window,
        actor=actor_of(principal),
        telegram_bot=extra.telegram_bot,
    )
    return _public(session, campaign)


@router.post("/campaigns/{campaign_id}/preview")
def preview_campaign(
    campaign_id: CampaignId,
    session: SessionDep,
    principal: CoordinatorDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> PreviewPublic:
    """Who the campaign would reach, what it would say and cost; 422 for a refused template."""
    now = services.clock.now()
    result = preview(
        session=session,
        campaign=_visible(session, principal, campaign_id),
        now=now,
        window=services.window,
        price_per_segment=extra.price_per_segment,
        flow=extra.flow,
        telegram_bot=extra.telegram_bot,
        caps=extra.caps,
        actor=actor_of(principal),
        where="POST /api/v1/campaigns/{id}/preview",
    )
    return result


@router.post("/campaigns/{campaign_id}/launch", responses=CONFLICT)
def launch_campaign(
    campaign_id: CampaignId,
    session: SessionDep,
    principal: CoordinatorDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> LaunchPublic:
    """Target the list and queue the invitations; pacing releases them day by day.

    409 when the status does not allow it, or when the campaign would invite more people or
    cost more than one campaign may (nothing is written then).
    """
    campaign = _visible(session, principal, campaign_id)
    result = campaigns.launch(
        session=session,
        campaign=campaign,
        now=services.clock.now(),
        window=services.window,
        telegram_bot=extra.telegram_bot,
        caps=extra.caps,
        flow=extra.flow,
    )
    return LaunchPublic(
        campaign=_public(session, campaign),
        invitations=result.invitations,
        send_date=result.send_date,
    )


@router.post("/campaigns/{campaign_id}/pause", responses=CONFLICT)
def pause_campaign(
    campaign_id: CampaignId, session: SessionDep, principal: CoordinatorDep, services: ServicesDep
) -> CampaignPublic:
    """Stop new invitations; conversations already open go on."""
    campaign = _visible(session, principal, campaign_id)
    campaigns.pause(session=session, campaign=campaign, now=services.clock.now())
    return _public(session, campaign)


@router.post("/campaigns/{campaign_id}/resume", responses=CONFLICT)
def resume_campaign(
    campaign_id: CampaignId, session: SessionDep, principal: CoordinatorDep, services: ServicesDep
) -> CampaignPublic:
    """Carry on after a pause."""
    campaign = _visible(session, principal, campaign_id)
    campaigns.resume(
        session=session, campaign=campaign, now=services.clock.now(), window=services.window
    )
    return _public(session, campaign)


@router.post("/campaigns/{campaign_id}/cancel", responses=CONFLICT)
def cancel_campaign(
    campaign_id: CampaignId, session: SessionDep, principal: CoordinatorDep, services: ServicesDep
) -> CampaignPublic:
    """Stop for good; invitations not yet sent are cancelled."""
    campaign = _visible(session, principal, campaign_id)
    campaigns.cancel(session=session, campaign=campaign, now=services.clock.now())
    return _public(session, campaign)


@router.post("/campaigns/{campaign_id}/variants/{key}/stop", responses=CONFLICT)
def stop_variant(
    campaign_id: CampaignId,
    key: VariantKey,
    session: SessionDep,
    principal: CoordinatorDep,
    services: ServicesDep,
) -> CampaignPublic:
    """Stop one variant of an experiment: its invitations not yet sent go to the others.

    What was sent stays with the variant it was assigned (docs/experiments.md).
    """
    campaign = _visible(session, principal, campaign_id)
    assignment.stop_variant(session=session, campaign=campaign, key=key, now=services.clock.now())
    return _public(session, campaign)


@router.get("/campaigns/{campaign_id}/funnel")
def campaign_funnel(
    campaign_id: CampaignId, session: SessionDep, principal: EvaluatorDep
) -> FunnelPublic:
    """Count the campaign's funnel, from invitation to follow-up."""
    campaign = _visible(session, principal, campaign_id)
    assert campaign.id is not None
    funnel = compute_funnel(session=session, campaign_id=campaign.id)
    return FunnelPublic(
        campaign_id=campaign.id, counts=funnel.as_dict(), conversions=funnel.conversions()
    )


@router.post(
    "/contacts/import", tags=["contacts"], responses=error_responses(400, 403, 404, 409, 413)
)
def import_contacts(
    form: Annotated[ImportForm, Form(media_type="multipart/form-data")],
    session: SessionDep,
    principal: CoordinatorDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> ImportPublic | ImportDryRunPublic:
    """Import a partner's member list; bad rows come back with their line number and reason.

    A new partner belongs to `municipality` (a scoped key: its own), or is national when a
    national key says `national`. A key limited to a municipality adds only to its own
    partners' lists: another municipality's partner is 404, a national partner's list 403.
    A person another municipality holds is never changed (the row is rejected if it differs);
    a CPR match with another phone number comes back under `to_confirm` unless confirmed.
    With `dry_run`, nothing is stored: the answer shows which column became which field, the
    first rows as they would be stored and every rejected row.
    """
    try:
        columns = parse_mapping(form.mapping) if form.mapping else None
    except ValueError as error:
        raise InvalidInputError(str(error)) from error
    owner = PartnerOwner(municipality=form.municipality, national=form.national)
    suffix = Path(form.file.filename or "members.csv").suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            _copy_at_most(form.file.file, handle, limit=MAX_FILE_BYTES)
        try:
            member_file = read_member_file(path, mapping=columns)
            if form.dry_run:
                checked = dry_run(
                    session=session,
                    member_file=member_file,
                    partner_name=form.partner,
                    pseudonymizer=extra.pseudonymizer,
                    today=services.clock.now().date(),
                    scope_municipality_id=principal.municipality_id,
                    owner=owner,
                )
                return ImportDryRunPublic.model_validate(checked.as_dict())
            report = import_members(
                session=session,
                rows=member_file,
                partner_name=form.partner,
                scope_municipality_id=principal.municipality_id,
                owner=owner,
                confirm_phone_changes=form.confirm_phone_changes,
                pseudonymizer=extra.pseudonymizer,
                now=services.clock.now(),
            )
        except MemberFileTooLargeError as error:
            raise PayloadTooLargeError(str(error)) from error
        except (MemberFileError, ValueError) as error:
            raise InvalidInputError(str(error)) from error
    return ImportPublic.model_validate(report.as_dict())


def _copy_at_most(source: BinaryIO, target: BinaryIO, *, limit: int) -> None:
    """Copy an upload to disk; refuse it (413) as soon as it passes the limit."""
    copied = 0
    while chunk := source.read(1024 * 1024):
        copied += len(chunk)
        if copied > limit:
            raise PayloadTooLargeError(
                f"the file is larger than {limit // (1024 * 1024)} MiB; split the list"
            )
        target.write(chunk)
