"""`recruitbot campaign`: draft, preview, launch, pause, resume and cancel campaigns; the funnel."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlmodel import Session

from core.errors import AppError
from core.settings import get_settings
from monitoring import compute_funnel
from outreach import assignment, campaign_setup, campaigns
from outreach.preview import preview
from outreach.schemas import CampaignCreate, CampaignUpdate
from recruitbot.cli import campaign_view as view
from recruitbot.runtime import Runtime, build_runtime
from store.audit import CLI_ACTOR
from store.db import unit_of_work

campaign_app = typer.Typer(
    help="Campaigns: draft, preview, launch, pause, resume, cancel; the funnel.",
    no_args_is_help=True,
)
console = Console()
Result = TypeVar("Result")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
IdArg = Annotated[int, typer.Argument(help="The campaign's id (see `campaign list`).")]
NameOpt = Annotated[str | None, typer.Option(help="What the campaign is called.")]
MunicipalityOpt = Annotated[str | None, typer.Option(help="Municipality, by name or code.")]
PartnerOpt = Annotated[
    list[str] | None, typer.Option("--partner", help="A partner's name; repeat for several.")
]
SenderOpt = Annotated[str | None, typer.Option(help="Who writes, e.g. 'Roskilde Kommune'.")]
HelpPhoneOpt = Annotated[str | None, typer.Option(help="Phone number for questions.")]
ChannelOpt = Annotated[str | None, typer.Option(help="console, twilio, … (as configured).")]
AgeOpt = Annotated[str | None, typer.Option(help="Age band on the send date, e.g. 40-60.")]
EducationOpt = Annotated[
    str | None, typer.Option(help="Groups invited first, e.g. grundskole,kort.")
]
TemplateDaOpt = Annotated[
    str | None, typer.Option(help="Danish invitation text, or @file. Default: the flow's.")
]
TemplateEnOpt = Annotated[
    str | None, typer.Option(help="English invitation text, or @file. Default: the flow's.")
]
LinksOpt = Annotated[bool | None, typer.Option("--allow-links/--no-links", help="Allow URLs.")]
WindowOpt = Annotated[str | None, typer.Option(help="Local send hours, e.g. 9-18.")]
BlackoutOpt = Annotated[
    list[str] | None,
    typer.Option("--blackout", help="Days without sending: 2026-12-21:2027-01-03; repeatable."),
]
DailyOpt = Annotated[int | None, typer.Option(help="At most this many invitations a day.")]
PacedOpt = Annotated[
    bool | None, typer.Option("--paced/--unpaced", help="Size waves by the free slots.")
]
PriorOpt = Annotated[
    float | None, typer.Option(help="Bookings per invitation assumed at first, e.g. 0.15.")
]
ReinviteOpt = Annotated[int | None, typer.Option(help="Days before someone may be re-invited.")]
VariantsOpt = Annotated[
    Path | None,
    typer.Option(help="An experiment: a JSON file of 2-4 variants (docs/experiments.md)."),
]
SeedOpt = Annotated[int | None, typer.Option(help="Seed of the variant assignment.")]
StartOpt = Annotated[
    str | None, typer.Option(help="First day (YYYY-MM-DD) or time (ISO, with zone).")
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


@contextmanager
def _work() -> Iterator[tuple[Runtime, Session]]:
    """One unit of work; an expected error is printed and ends the command with its code."""
    runtime = build_runtime(get_settings())
    try:
        with unit_of_work(runtime.engine) as session:
            yield runtime, session
    except AppError as error:
        raise _fail(error.message, 1 if error.status_code == 404 else 2) from error
    finally:
        runtime.engine.dispose()


def _text(value: str | None) -> str | None:
    """Read `@file` as the file's text; anything else as written."""
    if value is None or not value.startswith("@"):
        return value
    path = Path(value[1:])
    if not path.is_file():
        raise _fail(f"no such file: {path}")
    return path.read_text(encoding="utf-8").strip()


def _pair(value: str, what: str) -> tuple[int, int]:
    low, sep, high = value.partition("-")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise _fail(f"write the {what} as FROM-TO, e.g. 40-60")
    return int(low), int(high)


def _blackout(value: str) -> dict[str, str]:
    first, _, last = value.partition(":")
    return {"first_day": first.strip(), "last_day": (last or first).strip()}


def _start(value: str) -> datetime:
    from core.calendar import COPENHAGEN

    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), COPENHAGEN)
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise _fail(f"cannot read the start '{value}': {error}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=COPENHAGEN)


def _fields(**given: Any) -> dict[str, Any]:
    """Turn the options that were given into schema fields."""
    fields = {k: v for k, v in given.items() if v is not None and k not in ("age", "window")}
    if given.get("age"):
        fields["age_min"], fields["age_max"] = _pair(given["age"], "age band")
    if given.get("window"):
        fields["window_start_hour"], fields["window_end_hour"] = _pair(given["window"], "window")
    if given.get("education_priority") is not None:
        groups = given["education_priority"].split(",")
        fields["education_priority"] = [g.strip() for g in groups if g.strip()]
    if given.get("blackouts") is not None:
        fields["blackouts"] = [_blackout(b) for b in given["blackouts"]]
    if given.get("starts_at") is not None:
        fields["starts_at"] = _start(given["starts_at"])
    for name in ("template_da", "template_en"):
        if name in fields:
            fields[name] = _text(fields[name])
    if given.get("variants") is not None:
        fields["variants"] = _variants(given["variants"])
    return fields


def _variants(path: Path) -> Any:
    """Read an experiment's variants: a JSON list of {label, template_da, template_en, …}."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise _fail(f"cannot read the variants in {path}: {error}") from error


Model = TypeVar("Model", bound=BaseModel)


def _validated(schema: type[Model], fields: dict[str, Any]) -> Model:
    try:
        return schema.model_validate(fields)
    except ValidationError as error:
        lines = [
            f"--{'.'.join(str(p) for p in e['loc']).replace('_', '-')}: {e['msg']}"
            for e in error.errors()
        ]
        raise _fail("\n".join(lines)) from error


@campaign_app.command("create")
def create(
    name: NameOpt = None,
    municipality: MunicipalityOpt = None,
    partner: PartnerOpt = None,
    sender: SenderOpt = None,
    help_phone: HelpPhoneOpt = None,
    channel: ChannelOpt = None,
    age: AgeOpt = None,
    education_priority: EducationOpt = None,
    template_da: TemplateDaOpt = None,
    template_en: TemplateEnOpt = None,
    allow_links: LinksOpt = None,
    window: WindowOpt = None,
    blackout: BlackoutOpt = None,
    daily_limit: DailyOpt = None,
    paced: PacedOpt = None,
    booking_rate_prior: PriorOpt = None,
    reinvite_after_days: ReinviteOpt = None,
    start: StartOpt = None,
    variants: VariantsOpt = None,
    variant_seed: SeedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a draft campaign; `campaign preview` shows whom it reaches and what it costs."""
    # The options are named as the schema's fields, except the three repeatable/renamed ones.
    fields = _fields(**locals() | {"partners": partner, "blackouts": blackout, "starts_at": start})
    campaign_in = _validated(CampaignCreate, _drop(fields, "partner", "blackout", "start"))
    with _work() as (runtime, session):
        campaign = campaign_setup.create(
            session=session,
            campaign_in=campaign_in,
            now=runtime.clock.now(),
            channels=tuple(runtime.channels),
        )
        shown = campaign_setup.describe(session=session, campaign=campaign)
    view.print_campaign(shown, as_json=as_json, console=console)


@campaign_app.command("update")
def update(
    campaign_id: IdArg,
    name: NameOpt = None,
    partner: PartnerOpt = None,
    sender: SenderOpt = None,
    help_phone: HelpPhoneOpt = None,
    channel: ChannelOpt = None,
    age: AgeOpt = None,
    education_priority: EducationOpt = None,
    template_da: TemplateDaOpt = None,
    template_en: TemplateEnOpt = None,
    allow_links: LinksOpt = None,
    window: WindowOpt = None,
    blackout: BlackoutOpt = None,
    daily_limit: DailyOpt = None,
    paced: PacedOpt = None,
    booking_rate_prior: PriorOpt = None,
    reinvite_after_days: ReinviteOpt = None,
    start: StartOpt = None,
    variants: VariantsOpt = None,
    variant_seed: SeedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a draft; options left out stay as they are."""
    fields = _fields(**locals() | {"partners": partner, "blackouts": blackout, "starts_at": start})
    campaign_in = _validated(
        CampaignUpdate, _drop(fields, "campaign_id", "partner", "blackout", "start")
    )
    with _work() as (runtime, session):
        campaign = campaign_setup.get(session=session, campaign_id=campaign_id)
        campaign_setup.update(
            session=session,
            campaign=campaign,
            campaign_in=campaign_in,
            channels=tuple(runtime.channels),
        )
        shown = campaign_setup.describe(session=session, campaign=campaign)
    view.print_campaign(shown, as_json=as_json, console=console)


def _drop(fields: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in (*names, "as_json")}


@campaign_app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List campaigns, newest first."""
    with _work() as (_, session):
        shown = [
            campaign_setup.describe(session=session, campaign=c)
            for c in campaign_setup.list_campaigns(session=session)
        ]
    view.print_campaigns(shown, as_json=as_json, console=console)


@campaign_app.command("show")
def show(campaign_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show one campaign and its invitations by status."""
    with _work() as (_, session):
        campaign = campaign_setup.get(session=session, campaign_id=campaign_id)
        shown = campaign_setup.describe(session=session, campaign=campaign)
    view.print_campaign(shown, as_json=as_json, console=console)


@campaign_app.command("preview")
def preview_(campaign_id: IdArg, as_json: JsonOpt = False) -> None:
    """Who would be invited and why others not, sample messages, segments, cost, warnings."""
    with _work() as (runtime, session):
        campaign = campaign_setup.get(session=session, campaign_id=campaign_id)
        result = preview(
            session=session,
            campaign=campaign,
            now=runtime.clock.now(),
            window=runtime.window,
            price_per_segment=runtime.settings.sms_segment_price_dkk,
            flow=runtime.dialogue.flow,
            telegram_bot=runtime.dialogue.telegram_bot,
            caps=runtime.campaign_caps,
            actor=CLI_ACTOR,
            where="recruitbot campaign preview",
        )
    view.print_preview(result, as_json=as_json, console=console)


def _act(campaign_id: int, action: Callable[[Runtime, Session, Any], Result]) -> Result:
    with _work() as (runtime, session):
        campaign = campaign_setup.get(session=session, campaign_id=campaign_id)
        return action(runtime, session, campaign)


@campaign_app.command("launch")
def launch(campaign_id: IdArg, as_json: JsonOpt = False) -> None:
    """Target the list and queue the invitations; each working day pacing releases a wave.

    Refused, with nothing written, when the campaign is over the size or cost cap.
    """
    result = _act(
        campaign_id,
        lambda rt, s, c: campaigns.launch(
            session=s,
            campaign=c,
            now=rt.clock.now(),
            window=rt.window,
            telegram_bot=rt.dialogue.telegram_bot,
            caps=rt.campaign_caps,
            flow=rt.dialogue.flow,
        ),
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "invitations": result.invitations,
                    "status": result.status.value,
                    "send_date": result.send_date.isoformat(),
                }
            )
        )
        return
    console.print(
        f"Campaign {campaign_id} is {result.status}: {result.invitations} invitations queued; "
        f"the first can go on {result.send_date.isoformat()}."
    )


@campaign_app.command("pause")
def pause(campaign_id: IdArg) -> None:
    """Stop new invitations; conversations already open go on."""
    _act(campaign_id, lambda rt, s, c: campaigns.pause(session=s, campaign=c, now=rt.clock.now()))
    console.print(f"Campaign {campaign_id} is paused.")


@campaign_app.command("resume")
def resume(campaign_id: IdArg) -> None:
    """Carry on after a pause."""
    moved = _act(
        campaign_id,
        lambda rt, s, c: campaigns.resume(
            session=s, campaign=c, now=rt.clock.now(), window=rt.window
        ),
    )
    console.print(f"Campaign {campaign_id} resumed; {moved} overdue invitations rescheduled.")


@campaign_app.command("cancel")
def cancel(campaign_id: IdArg) -> None:
    """Stop for good; invitations not yet sent are cancelled."""
    count = _act(
        campaign_id, lambda rt, s, c: campaigns.cancel(session=s, campaign=c, now=rt.clock.now())
    )
    console.print(f"Campaign {campaign_id} is cancelled; {count} invitations not sent.")


@campaign_app.command("stop-variant")
def stop_variant(campaign_id: IdArg, key: Annotated[str, typer.Argument(help="A-D.")]) -> None:
    """Stop one variant of an experiment; its invitations not yet sent go to the others."""
    moved = _act(
        campaign_id,
        lambda rt, s, c: assignment.stop_variant(
            session=s, campaign=c, key=key, now=rt.clock.now()
        ),
    )
    console.print(
        f"Variant {key.upper()} of campaign {campaign_id} is stopped; {moved} invitations not "
        "yet sent go to the other variants."
    )


@campaign_app.command("funnel")
def funnel(campaign_id: IdArg, as_json: JsonOpt = False) -> None:
    """Count the campaign's funnel, from invitation to follow-up."""
    counts = _act(
        campaign_id,
        lambda rt, s, c: compute_funnel(session=s, campaign_id=c.id).as_dict(),
    )
    view.print_funnel(campaign_id, counts, as_json=as_json, console=console)
