"""A new campaign, changes to a draft, and the preview before launch.

The form is read into the API's own `CampaignCreate` / `CampaignUpdate` and handed to
`outreach.campaign_setup`, exactly as POST and PATCH /api/v1/campaigns do; the preview is
`outreach.preview.preview`, with its warnings in Danish.
"""

from __future__ import annotations

from fastapi import Request, Response
from sqlmodel import Session

from api.deps import ServicesDep
from console import campaign_form, repository
from console.auth import CoordinatorUser, DbDep, FormDep
from console.campaign_form import CampaignForm
from console.campaign_pages import CampaignId, campaign_path, visible
from console.labels import DONE, LANGUAGES
from console.routing import console_router, see_other
from console.sessions import ConsoleUser
from console.templating import PREFIX, page
from monitoring.tables import EDUCATION_GROUPS
from outreach import campaign_setup
from outreach.endpoints import CampaignServicesDep
from outreach.errors import CampaignInputError
from outreach.preview import preview, warnings
from outreach.templates import template_problems
from store.audit import actor_of
from store.models import Campaign
from store.types import CampaignStatus, Education

EDUCATIONS = [
    (group.value, group.label) for group in EDUCATION_GROUPS if group.value in set(Education)
]


def _form_page(
    request: Request,
    *,
    session: Session,
    user: ConsoleUser,
    channels: tuple[str, ...],
    filled: CampaignForm,
    campaign_id: int | None = None,
    general: str = "",
) -> Response:
    """Render the form, with what was typed and every problem beside its field."""
    partners = repository.partners(session=session, municipality_id=user.principal.municipality_id)
    return page(
        request,
        "campaign_form.html",
        status_code=422 if filled.errors or general else 200,
        active="campaigns",
        values=filled.values,
        errors=filled.errors,
        general=general,
        partners=[partner.name for partner in partners],
        channels=channels,
        educations=EDUCATIONS,
        campaign_id=campaign_id,
        needs_municipality=user.principal.municipality_id is None,
    )


router = console_router()


@router.get("/campaigns/new")
def new_form(
    request: Request, user: CoordinatorUser, session: DbDep, extra: CampaignServicesDep
) -> Response:
    """Show an empty campaign form with the usual settings."""
    filled = campaign_form.blank(channels=extra.channels)
    return _form_page(request, session=session, user=user, channels=extra.channels, filled=filled)


@router.post("/campaigns/new")
def create(
    request: Request,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Create the draft and go on to its preview; a problem shows the form again."""
    filled = campaign_form.read(form)
    needs_municipality = user.principal.municipality_id is None
    campaign_in = campaign_form.to_create(
        filled, needs_municipality=needs_municipality, telegram_bot=extra.telegram_bot
    )

    def again(general: str = "") -> Response:
        return _form_page(
            request,
            session=session,
            user=user,
            channels=extra.channels,
            filled=filled,
            general=general,
        )

    if campaign_in is None:
        return again()
    try:
        with session.begin_nested():
            campaign = campaign_setup.create(
                session=session,
                campaign_in=campaign_in,
                now=services.clock.now(),
                channels=extra.channels,
                default_municipality_id=user.principal.municipality_id,
                scope_municipality_id=user.principal.municipality_id,
            )
    except CampaignInputError as error:
        return again(error.message)
    return see_other(f"{PREFIX}/campaigns/{campaign.id}/preview?done=created")


@router.get("/campaigns/{campaign_id}/edit")
def edit_form(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    session: DbDep,
    extra: CampaignServicesDep,
) -> Response:
    """Show a draft's settings to change; a launched campaign keeps what it was launched with."""
    campaign = visible(session, user, campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        return see_other(campaign_path(campaign.id))
    filled = campaign_form.of_campaign(campaign_setup.describe(session=session, campaign=campaign))
    return _form_page(
        request,
        session=session,
        user=user,
        channels=extra.channels,
        filled=filled,
        campaign_id=campaign.id,
    )


@router.post("/campaigns/{campaign_id}/edit")
def update(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    extra: CampaignServicesDep,
) -> Response:
    """Save the changes to a draft and go on to its preview."""
    campaign = visible(session, user, campaign_id)
    filled = campaign_form.read(form)
    changes = campaign_form.to_update(filled, telegram_bot=extra.telegram_bot)

    def again(general: str = "") -> Response:
        return _form_page(
            request,
            session=session,
            user=user,
            channels=extra.channels,
            filled=filled,
            campaign_id=campaign.id,
            general=general,
        )

    if changes is None:
        return again()
    try:
        with session.begin_nested():
            campaign_setup.update(
                session=session,
                campaign=campaign,
                campaign_in=changes,
                channels=extra.channels,
                scope_municipality_id=user.principal.municipality_id,
            )
    except CampaignInputError as error:
        return again(error.message)
    return see_other(f"{PREFIX}/campaigns/{campaign.id}/preview?done=updated")


@router.get("/campaigns/{campaign_id}/preview")
def preview_page(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Show who a draft would reach, what it would say and cost, and a button to launch it."""
    campaign = visible(session, user, campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        return see_other(campaign_path(campaign.id))
    described = campaign_setup.describe(session=session, campaign=campaign)
    try:
        result = preview(
            session=session,
            campaign=campaign,
            now=services.clock.now(),
            window=services.window,
            price_per_segment=extra.price_per_segment,
            flow=extra.flow,
            telegram_bot=extra.telegram_bot,
            caps=extra.caps,
            actor=actor_of(user.principal),
            where="console campaign preview",
        )
    except CampaignInputError as error:
        return page(
            request,
            "preview.html",
            status_code=422,
            active="campaigns",
            campaign=described,
            result=None,
            refused=_refusals(campaign, telegram_bot=extra.telegram_bot) or [error.message],
            warnings=[],
            done=None,
        )
    return page(
        request,
        "preview.html",
        active="campaigns",
        campaign=described,
        result=result,
        refused=[],
        warnings=warnings(result, campaign=campaign, lang="da"),
        done=DONE.get(request.query_params.get("done", "")),
    )


def _refusals(campaign: Campaign, *, telegram_bot: str) -> list[str]:
    """Say in Danish what is wrong with a draft's templates (the rules a launch applies)."""
    found: list[str] = []
    for lang, text in (("da", campaign.template_da), ("en", campaign.template_en)):
        if text is None:
            continue
        problems = template_problems(
            text,
            sender=campaign.sender,
            allow_links=campaign.allow_links,
            telegram_bot=telegram_bot,
            lang="da",
        )
        found.extend(f"{LANGUAGES[lang]} tekst: teksten {problem}." for problem in problems)
    return found
