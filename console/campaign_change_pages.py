"""Changing a launched campaign in the console: daily limit, last day and invitation texts.

The form is read into the API's `CampaignRunningUpdate` and handed to
`outreach.running_changes.change_running`, as PATCH /api/v1/campaigns/{id} does for a launched
campaign; the texts are checked as at launch, and every problem is named beside its field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request, Response
from starlette.datastructures import FormData

from api.deps import ServicesDep
from console.auth import CoordinatorUser, DbDep, FormDep
from console.campaign_pages import CampaignId, campaign_path, visible
from console.routing import console_router, see_other
from console.templating import page
from outreach import running_changes
from outreach.endpoints import CampaignServicesDep
from outreach.errors import CampaignInputError, CampaignStateError
from outreach.running_changes import CHANGEABLE, CampaignTextRefusedError
from outreach.schemas import LAST_DAY, TEMPLATE_MAX, CampaignRunningUpdate
from outreach.templates import template_problems
from outreach.variants import variants_of
from store.audit import actor_of
from store.models import Campaign

router = console_router()
FIELDS = ("daily_limit", "ends_on", "template_da", "template_en")
MAX_DAILY = 100_000


def _values(campaign: Campaign) -> dict[str, str]:
    return {
        "daily_limit": str(campaign.daily_limit),
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else "",
        "template_da": campaign.template_da or "",
        "template_en": campaign.template_en or "",
    }


def _read(
    form: FormData, campaign: Campaign, *, experiment: bool
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, Any]]:
    """Read the form: what was typed, the problems by field, and the fields that changed."""
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, list[str]] = {}
    given: dict[str, Any] = {}
    limit = values["daily_limit"]
    if not limit.isdecimal() or not 1 <= int(limit) <= MAX_DAILY:
        errors["daily_limit"] = [f"Skriv et helt tal fra 1 til {MAX_DAILY:,}.".replace(",", ".")]
    elif int(limit) != campaign.daily_limit:
        given["daily_limit"] = int(limit)
    ends_on: date | None = None
    if values["ends_on"]:
        try:
            ends_on = date.fromisoformat(values["ends_on"])
        except ValueError:
            errors["ends_on"] = ["Skriv en dato, eller lad feltet stå tomt."]
        else:
            if ends_on > LAST_DAY:
                errors["ends_on"] = ["Datoen ligger for langt ude i fremtiden."]
    if "ends_on" not in errors and ends_on != campaign.ends_on:
        given["ends_on"] = ends_on
    for lang in ("da", "en"):
        name = f"template_{lang}"
        text = values[name] or None
        if text == getattr(campaign, name):
            continue
        if experiment:
            errors[name] = ["Et eksperiments tekster står fast, så varianterne kan sammenlignes."]
        elif text is not None and len(text) > TEMPLATE_MAX:
            errors[name] = [f"Teksten er for lang: højst {TEMPLATE_MAX} tegn."]
        elif text is not None:
            problems = template_problems(
                text, sender=campaign.sender, allow_links=campaign.allow_links, lang="da"
            )
            if problems:
                errors[name] = [f"Teksten {problem}." for problem in problems]
        given[name] = text
    return values, errors, given


def _page(request: Request, campaign: Campaign, **context: Any) -> Response:
    errors = context.get("errors") or {}
    general = context.get("general") or ""
    return page(
        request,
        "campaign_change.html",
        status_code=422 if errors or general else 200,
        active="campaigns",
        campaign=campaign,
        **{"values": _values(campaign), "errors": {}, "general": "", **context},
    )


@router.get("/campaigns/{campaign_id}/change")
def change_form(
    request: Request, campaign_id: CampaignId, user: CoordinatorUser, session: DbDep
) -> Response:
    """Show what may change while the campaign runs; a draft has its own form."""
    campaign = visible(session, user, campaign_id)
    if campaign.status not in CHANGEABLE:
        return see_other(campaign_path(campaign.id))
    assert campaign.id is not None
    experiment = bool(variants_of(session=session, campaign_id=campaign.id))
    return _page(request, campaign, experiment=experiment)


@router.post("/campaigns/{campaign_id}/change")
def change(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Save the changes and go back to the campaign; a problem shows the form again."""
    campaign = visible(session, user, campaign_id)
    assert campaign.id is not None
    experiment = bool(variants_of(session=session, campaign_id=campaign.id))
    values, errors, given = _read(form, campaign, experiment=experiment)

    def again(general: str = "") -> Response:
        return _page(
            request, campaign, values=values, errors=errors, general=general, experiment=experiment
        )

    if errors:
        return again()
    if not given:
        return see_other(campaign_path(campaign.id, "unchanged"))
    try:
        with session.begin_nested():
            running_changes.change_running(
                session=session,
                campaign=campaign,
                change=CampaignRunningUpdate.model_validate(given),
                now=services.clock.now(),
                window=services.window,
                actor=actor_of(user.principal),
                telegram_bot=extra.telegram_bot,
                lang="da",
            )
    except CampaignTextRefusedError as refused:
        return again(" ".join(refused.problems))
    except CampaignStateError:
        session.refresh(campaign)
        return again("Kampagnen kan ikke længere ændres: den er afsluttet eller stoppet.")
    except CampaignInputError as refused:
        session.refresh(campaign)
        if "has passed" in refused.message:
            errors["ends_on"] = ["Dagen er allerede gået. Vælg i dag eller en senere dag."]
        elif "before the campaign starts" in refused.message:
            errors["ends_on"] = ["Dagen ligger før kampagnens første udsendelsesdag."]
        else:
            return again(refused.message)
        return again()
    return see_other(campaign_path(campaign.id, "changed"))
