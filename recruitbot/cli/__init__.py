"""The `recruitbot` command: demo, serve, chat, messages, import, partners, migrate."""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.settings import get_settings
from recruitbot.logs import configure_logging

if TYPE_CHECKING:
    from monitoring.experiment_schemas import ExperimentReport

app = typer.Typer(
    help="Recruit citizens to municipal health checks by SMS and chat.",
    no_args_is_help=True,
    # A crash must not print the frames' variables: they may hold a member list's rows.
    pretty_exceptions_show_locals=False,
)
console = Console()


@app.callback()
def _setup() -> None:
    settings = get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)


@app.command()
def demo(
    contacts: Annotated[int, typer.Option(help="How many synthetic members to import.")] = 500,
    days: Annotated[int, typer.Option(help="How many days to simulate.")] = 45,
    seed: Annotated[int, typer.Option(help="Seed for a repeatable run.")] = 1,
    out: Annotated[Path, typer.Option(help="Where to write the outputs.")] = Path("var/demo"),
    daily_limit: Annotated[int, typer.Option(help="Invitations per working day.")] = 40,
    slot_weeks: Annotated[
        int, typer.Option(help="Weeks of slots to start with (few: the waitlist fills).")
    ] = 0,
    start: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="First day (default: the next working day)."),
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then keep the console running on the demo's data.")
    ] = False,
    host: Annotated[str, typer.Option(help="With --serve: interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --serve: port (0: any free one).")] = 8000,
    variant_b_lift: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=0.6,
            help="How much more often simulated citizens answer invitation B than A: a "
            "parameter of the simulation, not a finding.",
        ),
    ] = 0.12,
) -> None:
    """Run a full simulated campaign on the embedded database and print the funnel."""
    from core.calendar import COPENHAGEN
    from recruitbot.demo.citizens import Behaviour
    from recruitbot.demo.run import DemoOptions, run_demo
    from recruitbot.demo.serve import bind, serve_demo

    configure_logging(level="WARNING")
    try:
        sock = bind(host, port) if serve else None
    except OSError as error:
        console.print(f"[red]Cannot listen on {host}:{port}: {error.strerror}[/red]")
        raise typer.Exit(2) from error
    options = DemoOptions(
        contacts=contacts,
        days=days,
        seed=seed,
        out=out,
        daily_limit=daily_limit,
        slot_weeks=slot_weeks or DemoOptions.slot_weeks,
        start=datetime.combine(start.date(), time(8), COPENHAGEN) if start else None,
        behaviour=Behaviour(variant_b_reply_lift=variant_b_lift),
    )
    with console.status("Simulating the campaign …"):
        result = run_demo(options, get_settings())
    imported = result.imported
    rejected = imported["rejected"]
    assert isinstance(rejected, list)
    console.print(
        f"Imported {imported['imported']} members; {imported['unchanged']} duplicate rows merged, "
        f"{len(rejected)} rows rejected (bad numbers). {result.invitations_scheduled} targeted."
    )
    table = Table(title=f"Funnel after {days} days")
    table.add_column("step")
    table.add_column("people", justify="right")
    for step, count in result.funnel.items():
        table.add_row(step.replace("_", " "), str(count))
    console.print(table)
    if result.experiment is not None:
        _print_experiment(result.experiment, lift=options.behaviour.variant_b_reply_lift)
    console.print(result.inbox)
    refill = result.refill
    console.print(
        f"Freed times (cancelled or moved): {refill.get('freed', 0)}, booked again: "
        f"{refill.get('refilled', 0)}; {refill.get('joined', 0)} citizens took a place on the "
        f"waitlist, {refill.get('from_waitlist', 0)} of them got a freed time."
    )
    console.print(
        f"Outputs in {result.out}/: funnel.json, messages.csv, contacts.csv, report.html, "
        "experiment.json"
    )
    if sock is not None:
        serve_demo(result=result, settings=get_settings(), sock=sock, say=_say)


def _print_experiment(report: ExperimentReport, *, lift: float) -> None:
    """Show the demo's two invitations side by side and what the data can tell of them."""
    table = Table(title="Experiment: invitation A (standard) against B (short)")
    for column in ("variant", "invited", "replied", "booked", "attended", "booking rate"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for arm in report.arms:
        rate = f"{arm.booking_rate:.1%}" if arm.booking_rate is not None else "-"
        shown = (arm.invited, arm.replied, arm.booked, arm.attended)
        table.add_row(f"{arm.key} ({arm.label})", *shown, rate)
    console.print(table)
    for c in report.comparisons:
        if c.difference is not None and c.low is not None and c.high is not None:
            console.print(
                f"{c.variant} - {c.reference}: {c.difference * 100:+.1f} percentage points in "
                f"booking rate (95 % interval {c.low * 100:+.1f} to {c.high * 100:+.1f})."
            )
    console.print(report.sentence_da)
    console.print(
        f"[dim]{lift * 100:.0f} percentage points more of the simulated citizens answer B, by "
        "construction "
        "(citizens.Behaviour.variant_b_reply_lift): a parameter of the demo, not a finding.[/dim]"
    )


def _say(line: str) -> None:
    typer.echo(line)  # plain and flushed: a key must be copied exactly, and scripts read it


@app.command()
def migrate() -> None:
    """Apply the database migrations."""
    from recruitbot.runtime import build_runtime

    runtime = build_runtime(get_settings())
    console.print(f"Database is up to date ({runtime.engine.dialect.name}).")


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX member list.")
    ],
    partner: Annotated[str, typer.Option(help="The partner whose list this is (any case).")],
    municipality: Annotated[
        str | None,
        typer.Option(help="A new partner's municipality (name or code); must agree if it exists."),
    ] = None,
    national: Annotated[
        bool,
        typer.Option(
            "--national",
            help="Create the partner as national: every municipality's campaigns may use its list.",
        ),
    ] = False,
    mapping: Annotated[
        str | None,
        typer.Option(help="Unusual headers: 'Their header=phone,Født=birth_date'."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    confirm_phone_changes: Annotated[
        bool,
        typer.Option(
            "--confirm-phone-changes",
            help="Move a person whose CPR number matches to the row's new phone number.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Only check the file: show the columns, the first rows and the rejections; "
            "store nothing.",
        ),
    ] = False,
) -> None:
    """Import a partner's member list; bad rows are reported with their line number.

    A new partner needs --municipality (its municipality's partner) or --national.
    """
    from core.errors import AppError
    from outreach.contacts import (
        MemberFileError,
        PartnerOwner,
        import_members,
        read_member_file,
        validating,
    )
    from outreach.contacts import dry_run as check_file
    from outreach.contacts.schemas import parse_mapping
    from recruitbot.cli.import_view import print_columns, print_dry_run, print_lines
    from recruitbot.cli.progress import row_progress
    from recruitbot.cli.terminal import printable
    from recruitbot.runtime import build_runtime
    from store.db import unit_of_work

    runtime = build_runtime(get_settings())
    owner = PartnerOwner(municipality=municipality, national=national)
    try:
        columns = parse_mapping(mapping) if mapping else None
        member_file = read_member_file(file, mapping=columns)
        if dry_run:
            with unit_of_work(runtime.engine) as session:
                checked = check_file(
                    session=session,
                    member_file=member_file,
                    partner_name=partner,
                    pseudonymizer=runtime.pseudonymizer,
                    today=runtime.clock.now().date(),
                    owner=owner,
                ).as_dict()
                session.rollback()  # a dry run reads only; nothing to keep either way
            if as_json:
                typer.echo(json.dumps(checked, ensure_ascii=False))
            else:
                print_dry_run(console, checked)
            return
        with unit_of_work(runtime.engine) as session, row_progress(file) as progress:
            report = import_members(
                session=session,
                rows=member_file,
                partner_name=partner,
                pseudonymizer=runtime.pseudonymizer,
                now=runtime.clock.now(),
                progress=progress,
                owner=owner,
                confirm_phone_changes=confirm_phone_changes,
                workers=validating.POOL_WORKERS,  # one thread at work here: it may fork
            )
    except (MemberFileError, ValueError, AppError) as error:
        console.print(printable(str(error)), style="red", markup=False)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    console.print(
        f"Imported {report.imported}, updated {report.updated}, unchanged {report.unchanged}."
    )
    summary = report.as_dict()
    print_columns(console, summary)
    for row in report.rejected:
        console.print(f"  line {row.line}: {row.reason}")
    warned = [{"line": w.line, "reason": w.reason} for w in report.warnings]
    print_lines(console, "Warnings", warned)
    if report.to_confirm:
        console.print(f"To confirm ({len(report.to_confirm)}), nothing of these was changed:")
        for held in report.to_confirm:
            console.print(f"  line {held.line}: {held.reason}")


from recruitbot.cli.booking import (  # noqa: E402
    locations_app,
    offers_app,
    outcome,
    slots_app,
    staff_app,
)
from recruitbot.cli.booking_lifecycle import (  # noqa: E402
    calendar_app,
    closures_app,
    outcome_correct,
)
from recruitbot.cli.campaign import campaign_app  # noqa: E402
from recruitbot.cli.campaign_set import campaign_set  # noqa: E402
from recruitbot.cli.chat import chat, messages  # noqa: E402
from recruitbot.cli.inbox import inbox_app, staff_notices  # noqa: E402
from recruitbot.cli.keys import keys_app  # noqa: E402
from recruitbot.cli.parse import parse_reply  # noqa: E402
from recruitbot.cli.partners import partners_app  # noqa: E402
from recruitbot.cli.privacy import citizen_app, retention_app  # noqa: E402
from recruitbot.cli.reply import reply  # noqa: E402
from recruitbot.cli.report import report_app  # noqa: E402
from recruitbot.cli.schedule import schedule  # noqa: E402
from recruitbot.cli.telegram import telegram_app  # noqa: E402
from recruitbot.cli.worker import serve, worker  # noqa: E402

app.command()(chat)
app.command()(reply)
app.command()(messages)
app.command("parse-reply")(parse_reply)
app.add_typer(keys_app, name="keys")
app.add_typer(partners_app, name="partners")
app.add_typer(campaign_app, name="campaign")
campaign_app.command("set")(campaign_set)
app.add_typer(staff_app, name="staff")
staff_app.command("notices")(staff_notices)
app.add_typer(inbox_app, name="inbox")
app.add_typer(locations_app, name="locations")
app.add_typer(slots_app, name="slots")
app.add_typer(offers_app, name="offers")
app.command()(outcome)
app.command("outcome-correct")(outcome_correct)
app.add_typer(closures_app, name="closures")
app.add_typer(calendar_app, name="calendar")
app.add_typer(report_app, name="report")
app.add_typer(telegram_app, name="telegram")
app.command()(serve)
app.command()(worker)
app.command()(schedule)
app.add_typer(citizen_app, name="citizen")
app.add_typer(retention_app, name="retention")


def main() -> None:
    """Entry point of the console script."""
    app()
