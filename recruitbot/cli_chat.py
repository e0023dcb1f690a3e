"""Play a citizen in the terminal, and read one contact's conversation."""

from __future__ import annotations

import json
from typing import Annotated

import phonenumbers
import typer
from rich.console import Console

from recruitbot.settings import get_settings

console = Console()


def _e164(phone: str) -> str:
    try:
        parsed = phonenumbers.parse(phone, "DK")
    except phonenumbers.NumberParseException as error:
        raise typer.BadParameter(f"not a phone number: {phone}") from error
    if not phonenumbers.is_valid_number(parsed):
        raise typer.BadParameter(f"not a valid phone number: {phone}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def chat(
    phone: Annotated[str, typer.Option(help="The citizen's phone number, e.g. +4520123456.")],
) -> None:
    """Write as the citizen with this number; the real engine and store answer."""
    from channels.console import ConsoleChannel
    from recruitbot.chat import ChatSession, NoCampaignError
    from recruitbot.runtime import build_runtime

    channel = ConsoleChannel(
        echo=lambda m: console.print(f"[bold cyan]bot[/bold cyan]  {m.text}\n")
    )
    runtime = build_runtime(get_settings(), channels={"console": channel})
    session = ChatSession(runtime=runtime, phone=_e164(phone))
    try:
        console.print(session.open())
    except NoCampaignError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print("Write as the citizen. Ctrl-D or an empty line ends the chat.\n")
    while True:
        try:
            text = console.input("[bold green]you[/bold green]  ")
        except EOFError:
            break
        if not text.strip():
            break
        session.say(text)


def messages(
    phone: Annotated[str, typer.Option(help="The contact's phone number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show one contact's conversation."""
    from privacy.service import CLI_ACTOR, record_reads
    from recruitbot.runtime import build_runtime
    from store import conversations, outbox
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
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        arrow = "→" if row["direction"] == "out" else "←"
        console.print(f"{row['time']}  {arrow} [{row['kind']}, {row['status']}]  {row['text']}")
