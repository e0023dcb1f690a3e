"""The `recruitbot` command: demo, serve, chat, messages, import, migrate."""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from recruitbot.logs import configure_logging
from recruitbot.settings import get_settings

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
    start: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="First day (default: the next working day)."),
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then keep the console running on the demo's data.")
    ] = False,
    host: Annotated[str, typer.Option(help="With --serve: interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --serve: port (0: any free one).")] = 8000,
) -> None:
    """Run a full simulated campaign on the embedded database and print the funnel."""
    from recruitbot.demo.run import DemoOptions, run_demo
    from recruitbot.demo.serve import bind, serve_demo
    from scheduler.window import COPENHAGEN

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
        start=datetime.combine(start.date(), time(8), COPENHAGEN) if start else None,
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
    console.print(f"Outputs in {result.out}/: funnel.json, messages.csv, contacts.csv, report.html")
    if sock is not None:
        serve_demo(result=result, settings=get_settings(), sock=sock, say=_say)


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
    partner: Annotated[str, typer.Option(help="The partner whose list this is.")],
    mapping: Annotated[
        str | None,
        typer.Option(help="Unusual headers: 'Their header=phone,Født=birth_date'."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import a partner's member list; bad rows are reported with their line number."""
    from outreach.contacts import MemberFileError, import_members, read_member_file
    from outreach.schemas import parse_mapping
    from recruitbot.cli_progress import row_progress
    from recruitbot.runtime import build_runtime
    from store.db import unit_of_work

    runtime = build_runtime(get_settings())
    try:
        columns = parse_mapping(mapping) if mapping else None
        with unit_of_work(runtime.engine) as session, row_progress(file) as progress:
            report = import_members(
                session=session,
                rows=read_member_file(file, mapping=columns),
                partner_name=partner,
                pseudonymizer=runtime.pseudonymizer,
                now=runtime.clock.now(),
                progress=progress,
            )
    except (MemberFileError, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    console.print(
        f"Imported {report.imported}, updated {report.updated}, unchanged {report.unchanged}."
    )
    for row in report.rejected:
        console.print(f"  line {row.line}: {row.reason}")


from recruitbot.cli_booking import (  # noqa: E402
    locations_app,
    offers_app,
    outcome,
    slots_app,
    staff_app,
)
from recruitbot.cli_campaign import campaign_app  # noqa: E402
from recruitbot.cli_chat import chat, messages  # noqa: E402
from recruitbot.cli_keys import keys_app  # noqa: E402
from recruitbot.cli_parse import parse_reply  # noqa: E402
from recruitbot.cli_privacy import citizen_app, retention_app  # noqa: E402
from recruitbot.cli_report import report_app  # noqa: E402
from recruitbot.cli_telegram import telegram_app  # noqa: E402
from recruitbot.cli_worker import serve, worker  # noqa: E402

app.command()(chat)
app.command()(messages)
app.command("parse-reply")(parse_reply)
app.add_typer(keys_app, name="keys")
app.add_typer(campaign_app, name="campaign")
app.add_typer(staff_app, name="staff")
app.add_typer(locations_app, name="locations")
app.add_typer(slots_app, name="slots")
app.add_typer(offers_app, name="offers")
app.command()(outcome)
app.add_typer(report_app, name="report")
app.add_typer(telegram_app, name="telegram")
app.command()(serve)
app.command()(worker)
app.add_typer(citizen_app, name="citizen")
app.add_typer(retention_app, name="retention")


def main() -> None:
    """Entry point of the console script."""
    app()
