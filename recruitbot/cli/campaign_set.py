"""`recruitbot campaign set`: change a campaign's pace, last day, blackouts and texts.

A draft takes these as `campaign update` would; a launched campaign only these (see
`outreach.running_changes`, which the API's PATCH and the console call too).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from outreach import campaign_setup, running_changes
from outreach.schemas import CampaignRunningUpdate, CampaignUpdate
from recruitbot.cli import campaign_view as view
from recruitbot.cli.campaign import (
    BlackoutOpt,
    DailyOpt,
    IdArg,
    JsonOpt,
    TemplateDaOpt,
    TemplateEnOpt,
    _blackout,
    _fail,
    _text,
    _validated,
    _work,
    console,
)
from store.audit import CLI_ACTOR
from store.types import CampaignStatus

EndsOpt = Annotated[
    str | None,
    typer.Option("--ends", help="The last day invitations go out (YYYY-MM-DD), or 'none'."),
]
NoBlackoutsOpt = Annotated[
    bool, typer.Option("--no-blackouts", help="Remove every blackout period.")
]
DefaultOpt = Annotated[
    list[str] | None,
    typer.Option("--default-text", help="da or en: go back to the flow's default invitation."),
]


def _ends(value: str) -> date | None:
    if value.strip().lower() == "none":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise _fail(f"write --ends as YYYY-MM-DD or 'none', not '{value}'") from error


def _changes(
    *,
    daily_limit: int | None,
    ends: str | None,
    blackout: list[str] | None,
    no_blackouts: bool,
    template_da: str | None,
    template_en: str | None,
    default_text: list[str] | None,
) -> dict[str, Any]:
    """Turn the options that were given into the fields of a change."""
    fields: dict[str, Any] = {}
    if daily_limit is not None:
        fields["daily_limit"] = daily_limit
    if ends is not None:
        fields["ends_on"] = _ends(ends)
    if blackout and no_blackouts:
        raise _fail("give --blackout or --no-blackouts, not both")
    if blackout is not None or no_blackouts:
        fields["blackouts"] = [_blackout(b) for b in blackout or []]
    for lang, text in (("da", template_da), ("en", template_en)):
        if text is not None:
            fields[f"template_{lang}"] = _text(text)
    for lang in default_text or []:
        if lang not in ("da", "en") or f"template_{lang}" in fields:
            raise _fail("--default-text takes da or en, for a text not also given")
        fields[f"template_{lang}"] = None
    if not fields:
        raise _fail("nothing to change: give --daily-limit, --ends, --blackout or a text")
    return fields


def campaign_set(
    campaign_id: IdArg,
    daily_limit: DailyOpt = None,
    ends: EndsOpt = None,
    blackout: BlackoutOpt = None,
    no_blackouts: NoBlackoutsOpt = False,
    template_da: TemplateDaOpt = None,
    template_en: TemplateEnOpt = None,
    default_text: DefaultOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a campaign, running or not: --blackout replaces the whole list of blackouts.

    Invitations not yet sent take a new text; sent ones keep theirs. A new daily limit sizes
    the next wave. An experiment's texts stay as launched.
    """
    fields = _changes(
        daily_limit=daily_limit,
        ends=ends,
        blackout=blackout,
        no_blackouts=no_blackouts,
        template_da=template_da,
        template_en=template_en,
        default_text=default_text,
    )
    with _work() as (runtime, session):
        campaign = campaign_setup.get(session=session, campaign_id=campaign_id)
        if campaign.status == CampaignStatus.DRAFT:
            campaign_setup.update(
                session=session,
                campaign=campaign,
                campaign_in=_validated(CampaignUpdate, fields),
                channels=tuple(runtime.channels),
            )
        else:
            changed = running_changes.change_running(
                session=session,
                campaign=campaign,
                change=_validated(CampaignRunningUpdate, fields),
                now=runtime.clock.now(),
                window=runtime.window,
                actor=CLI_ACTOR,
                telegram_bot=runtime.dialogue.telegram_bot,
            )
            if not as_json:
                console.print(f"Changed: {', '.join(changed) or 'nothing (already so)'}.")
        shown = campaign_setup.describe(session=session, campaign=campaign)
    view.print_campaign(shown, as_json=as_json, console=console)
