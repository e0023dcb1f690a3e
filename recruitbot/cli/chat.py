"""Try a campaign as a citizen in a sandbox, and read one contact's conversation."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape

from core.calendar import COPENHAGEN
from core.phone import parse_phone
from core.settings import get_settings
from recruitbot.cli.terminal import for_rich, json_safe
from recruitbot.logs import configure_logging

if TYPE_CHECKING:
    from recruitbot.chat import ChatSession, Shown

console = Console()


def _e164(phone: str) -> str:
    number = parse_phone(phone)
    if number is None:
        raise typer.BadParameter(f"not a phone number that takes an SMS: {phone}")
    return number


AT_FORMAT = "%Y-%m-%d %H:%M"
DURATION = re.compile(r"(\d+)\s*([dthm])", re.IGNORECASE)
UNITS = {"d": "days", "t": "hours", "h": "hours", "m": "minutes"}
WAIT_COMMANDS = ("/vent", "/wait")
HELP = (
    "Write as the citizen. /vent 2d (or /wait 1d 3h, 90m) moves time on and shows what is sent "
    "then; /tid shows the trial's clock. Ctrl-D or an empty line ends the trial.\n"
    "This is a trial on a copy of the store: nothing is sent to anyone, and nothing stays."
)


def parse_duration(text: str) -> timedelta:
    """Read "2d", "1d 3h", "3t", "90m" (d = days, t/h = hours, m = minutes)."""
    compact = text.replace(" ", "")
    parts = DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise ValueError(f"not a duration: {text!r}; write e.g. 2d, 1d 3h or 90m")
    delta = timedelta(0)
    for number, unit in parts:
        delta += timedelta(**{UNITS[unit.lower()]: int(number)})
    if delta <= timedelta(0) or delta > timedelta(days=366):
        raise ValueError("a duration is more than nothing and at most a year (366d)")
    return delta


def _start_at(at: str | None, tz: ZoneInfo) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        local = datetime.strptime(at.strip(), AT_FORMAT).replace(tzinfo=tz)
    except ValueError as error:
        raise typer.BadParameter(f"write the time as 2027-01-04 09:05, not {at!r}") from error
    return local.astimezone(UTC)


def _show(shown: Sequence[Shown], tz: ZoneInfo) -> None:
    for item in shown:
        when = item.at.astimezone(tz).strftime("%a %d.%m.%Y %H:%M")
        # The bot's own lines as the citizen's phone shows them; anything else made printable.
        text = "\n".join(for_rich(line) for line in item.text.split("\n"))
        if item.who == "citizen":
            console.print(f"[dim]{when}[/dim]  [bold cyan]bot[/bold cyan]  {text}\n")
        elif item.who == "staff":
            to = escape(item.to)
            console.print(
                f"[dim]{when}[/dim]  [yellow]would have been sent to staff ({to}):[/yellow]"
                f" {text}\n"
            )
        else:
            kind = escape(item.to)
            console.print(
                f"[dim]{when}[/dim]  [yellow]would open an inbox item ({kind}):[/yellow] {text}\n"
            )


def chat(
    phone: Annotated[str, typer.Option(help="The trial citizen's number, e.g. +4520123456.")],
    campaign: Annotated[
        int | None, typer.Option(help="The campaign to try (its id); default the newest.")
    ] = None,
    language: Annotated[str | None, typer.Option(help="The citizen's language: da or en.")] = None,
    at: Annotated[
        str | None,
        typer.Option(help='Start the trial at this Copenhagen time, e.g. "2027-01-04 09:05".'),
    ] = None,
) -> None:
    """Try a campaign's dialogue as a citizen, in a sandbox: nothing is sent, nothing stays."""
    from recruitbot.chat import ChatSession, NoCampaignError, TrialRefusedError, trial_runtime
    from store.sandbox import SandboxError

    if language is not None and language not in ("da", "en"):
        raise typer.BadParameter("the language is da or en")
    configure_logging(level="WARNING")  # the trial's own log lines would drown the dialogue
    settings = get_settings()
    tz = COPENHAGEN
    number = _e164(phone)
    start_at = _start_at(at, tz)
    try:
        with trial_runtime(settings, start_at=start_at) as (runtime, recorder):
            session = ChatSession(
                runtime=runtime,
                recorder=recorder,
                phone=number,
                campaign_id=campaign,
                language=language,
            )
            label, shown = session.open()
            console.print(f"{escape(label)}\n{HELP}\n")
            _show(shown, tz)
            _converse(session, tz)
            if session.others:
                console.print(
                    "(Messages to other people that came due in the copy, not shown and not "
                    f"sent: {session.others}.)"
                )
    except (NoCampaignError, TrialRefusedError, SandboxError) as error:
        console.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(1) from error
    console.print("The trial is over; the store is as it was.")


def _converse(session: ChatSession, tz: ZoneInfo) -> None:
    while True:
        try:
            text = console.input("[bold green]you[/bold green]  ")
        except EOFError:
            return
        if not text.strip():
            return
        command, _, rest = text.strip().partition(" ")
        if command.lower() in WAIT_COMMANDS:
            try:
                delta = parse_duration(rest)
            except ValueError as error:
                console.print(f"[red]{escape(str(error))}[/red]")
                continue
            _show(session.wait(delta), tz)
            console.print(f"[dim]The time is now {_local(session.clock.now(), tz)}.[/dim]\n")
        elif command.lower() in ("/tid", "/time"):
            console.print(f"[dim]The time is {_local(session.clock.now(), tz)}.[/dim]\n")
        elif command.lower() in ("/hjælp", "/help"):
            console.print(HELP + "\n")
        else:
            _show(session.say(text), tz)


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d.%m.%Y %H:%M")


def messages(
    phone: Annotated[str, typer.Option(help="The contact's phone number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show one contact's conversation."""
    from recruitbot.runtime import build_runtime
    from store import conversations, outbox
    from store.audit import CLI_ACTOR, record_reads
    from store.db import unit_of_work

    number = _e164(phone)  # a bad number is a clear error before any database is touched
    runtime = build_runtime(get_settings())
    tz = runtime.window.tz
    with unit_of_work(runtime.engine) as session:
        contact = conversations.contact_by_phone(session=session, phone=number)
        if contact is None or contact.id is None:
            console.print("No contact with that number.")
            raise typer.Exit(1)
        rows = [
            {
                "time": (m.sent_at or m.created_at).astimezone(tz).isoformat(timespec="seconds"),
                "direction": m.direction,
                "channel": m.channel,
                "kind": m.kind,
                "text": m.text,
                "status": m.status,
            }
            for m in outbox.for_contact(session=session, contact_id=contact.id)
        ]
        record_reads(
            session=session,
            actor=CLI_ACTOR,
            contact_ids=[contact.id],
            now=runtime.clock.now(),
            detail="recruitbot messages",
        )
    if as_json:
        typer.echo(json_safe(json.dumps(rows, ensure_ascii=False, indent=2)))
        return
    for row in rows:
        arrow = "→" if row["direction"] == "out" else "←"
        meta = escape(f"[{row['kind']}, {row['status']}]")
        console.print(f"{row['time']}  {arrow} {meta}  {for_rich(row['text'])}")
