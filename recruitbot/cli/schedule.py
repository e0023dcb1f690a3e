"""`recruitbot schedule`: what the service will send on which day, and why something waits."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from conversation.schedule import Planned, next_send, plan
from core.calendar import SendWindow
from core.settings import get_settings
from store.db import unit_of_work

console = Console()


def schedule(
    campaign: Annotated[int | None, typer.Option(help="Only this campaign (its id).")] = None,
    days: Annotated[int, typer.Option(min=0, max=366, help="How many days ahead.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """List, per day, what will be sent (invitations, reminders, follow-ups) and what is held."""
    from recruitbot.runtime import build_runtime

    runtime = build_runtime(get_settings())
    try:
        with unit_of_work(runtime.engine) as session:
            planned = plan(
                session=session,
                window=runtime.window,
                now=runtime.clock.now(),
                days=days,
                campaign_id=campaign,
            )
    finally:
        runtime.engine.dispose()
    if as_json:
        typer.echo(json.dumps([p.as_json() for p in planned], indent=2, ensure_ascii=False))
        return
    print_plan(planned, window=runtime.window, now=runtime.clock.now(), console=console)


def print_plan(
    planned: list[Planned], *, window: SendWindow, now: datetime, console: Console
) -> None:
    """Print the plan as a table, times in Danish local time."""
    if not planned:
        console.print("Nothing is scheduled to be sent in this period.")
        return
    table = Table(title=f"What will be sent (from {_local(now, window)})")
    for name in ("day", "time", "what", "campaign", "count", "waits because"):
        table.add_column(name, justify="right" if name == "count" else "left")
    for p in planned:
        at = window.local(p.at) if p.at else None
        table.add_row(
            f"{at:%a %d %b}" if at else "—",
            f"{at:%H:%M}" if at else "—",
            p.kind + (" (estimate)" if p.estimate else ""),
            str(p.campaign_id) if p.campaign_id is not None else "—",
            str(p.count),
            str(p.held or ""),
        )
    console.print(table)


def explain_nothing_sent(*, planned: list[Planned], window: SendWindow, now: datetime) -> str:
    """Say, for a tick that sent nothing, why and when the next message goes."""
    first = next_send(planned)
    if first is None or first.at is None:
        held = next((p.held for p in planned if p.held), None)
        return "Nothing is scheduled" + (f" ({held})." if held else ".")
    why = "" if window.is_open(now) else f"the send window is closed ({_window(window)}); "
    reason = f" ({first.held})" if first.held else ""
    return f"{why}next send: {first.kind} at {_local(first.at, window)}{reason}."


def _local(at: datetime, window: SendWindow) -> str:
    return f"{window.local(at):%a %d %b %H:%M}"


def _window(window: SendWindow) -> str:
    return f"{window.start_hour:02d}:00–{window.end_hour:02d}:00 on working days"
