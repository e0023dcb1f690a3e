"""`recruitbot inbox`: what needs a person, marking it handled, taking over a conversation.

The command line acts for every municipality; --staff (or --municipality) narrows it to what
that staff member (or that municipality's coordinator) sees, and a reply is then sent as them.
What citizens wrote (and their names) is shown through `recruitbot.cli.terminal`: no control
character reaches the terminal and no Rich markup in it is interpreted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from booking import directory
from booking.access import CLI_ACTOR, EVERYTHING, Scope
from core.errors import AppError
from core.settings import get_settings
from inbox import service, takeover
from inbox.schemas import ItemPublic, ItemStatus, MessagePublic, NotifyBy, StaffNoticesPublic
from recruitbot.cli.terminal import for_rich, json_safe
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work

inbox_app = typer.Typer(help="The staff's inbox: callbacks, replies not understood, no-shows, …")
console = Console()

StaffOption = Annotated[
    str | None, typer.Option("--staff", help="Act as this staff member (id or name).")
]
MunicipalityOption = Annotated[
    str | None, typer.Option(help="Only this municipality (name or code), as its coordinator.")
]


@contextmanager
def _work() -> Iterator[tuple[Session, Runtime]]:
    """One unit of work; an expected refusal is printed, not raised."""
    runtime = build_runtime(get_settings())
    try:
        with unit_of_work(runtime.engine) as session:
            yield session, runtime
    except AppError as error:
        console.print(f"[red]{for_rich(error.message)}[/red]")
        raise typer.Exit(1) from error


def _scope(session: Session, staff: str | None, municipality: str | None) -> Scope:
    if staff is not None:
        member = directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
        return Scope(
            municipality_id=member.municipality_id, staff_member_id=member.id, actor=CLI_ACTOR
        )
    if municipality is not None:
        place = directory.municipality_for(session=session, scope=EVERYTHING, ref=municipality)
        return Scope(municipality_id=place.id, actor=CLI_ACTOR)
    return EVERYTHING


@inbox_app.callback(invoke_without_command=True)
def inbox(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list of items.")] = False,
    staff: StaffOption = None,
    municipality: MunicipalityOption = None,
    status: Annotated[ItemStatus, typer.Option(help="open, handled or all.")] = ItemStatus.OPEN,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """List the inbox, newest first (escalated callbacks on top)."""
    if ctx.invoked_subcommand is not None:
        return
    with _work() as (session, runtime):
        scope = _scope(session, staff, municipality)
        views = service.items(
            session=session,
            scope=scope,
            now=runtime.clock.now(),
            status=status,
            limit=limit,
            where="recruitbot inbox",
        )
        items = [ItemPublic.of(view) for view in views]
    if as_json:
        dumped = json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False)
        typer.echo(json_safe(dumped))
        return
    table = Table("id", "when", "kind", "citizen", "campaign", "text", "staff", "notice")
    for i in items:
        notice = i.notice if i.delivered else f"[red]{i.notice}: not delivered[/red]"
        kind = f"[bold red]{i.label} (escalated)[/bold red]" if i.escalated else i.label
        who = f"{i.first_name or '?'} {i.phone or ''}".strip()
        table.add_row(
            str(i.id),
            f"{i.created_at:%d.%m %H:%M}",
            kind,
            for_rich(who),
            for_rich(i.campaign or ""),
            for_rich(i.text[:60]),
            for_rich(i.staff or ""),
            notice,
        )
    console.print(table)
    console.print(f"{len(items)} {status.value} item(s).")


@inbox_app.command("handle")
def handle(
    item_id: Annotated[int, typer.Argument(help="The item's id.")],
    note: Annotated[str, typer.Option(help="What was done, e.g. 'Ringet op, tid aftalt'.")],
    staff: StaffOption = None,
) -> None:
    """Mark an item handled, with a note."""
    with _work() as (session, runtime):
        scope = _scope(session, staff, None)
        service.handle(
            session=session, scope=scope, item_id=item_id, note=note, now=runtime.clock.now()
        )
    console.print(f"Item {item_id} handled.")


@inbox_app.command("show")
def show(
    conversation_id: Annotated[int, typer.Argument(help="The conversation's id.")],
    staff: StaffOption = None,
) -> None:
    """Read a conversation, every message in and out."""
    with _work() as (session, runtime):
        scope = _scope(session, staff, None)
        conversation, found = takeover.messages(
            session=session, scope=scope, conversation_id=conversation_id, now=runtime.clock.now()
        )
        held = conversation.held_by
        shown = [MessagePublic.of(m) for m in found]
    for m in shown:
        arrow = "→" if m.direction == "in" else ("✎" if m.by_staff else "←")
        console.print(f"{m.at:%d.%m %H:%M} {arrow} {for_rich(m.text)}")
    console.print(f"Held by {for_rich(held)}." if held else "The bot answers this conversation.")


@inbox_app.command("takeover")
def take_over(conversation_id: Annotated[int, typer.Argument()], staff: StaffOption = None) -> None:
    """Hold a conversation: the bot stops answering it."""
    with _work() as (session, runtime):
        scope = _scope(session, staff, None)
        takeover.take_over(
            session=session, scope=scope, conversation_id=conversation_id, now=runtime.clock.now()
        )
    console.print(f"Conversation {conversation_id} is yours; the bot is quiet until hand-back.")


@inbox_app.command("reply")
def reply(
    conversation_id: Annotated[int, typer.Argument()],
    text: Annotated[str, typer.Argument(help="The message to the citizen.")],
    staff: StaffOption = None,
) -> None:
    """Write to the citizen (takes the conversation over); sent through the outbox."""
    with _work() as (session, runtime):
        scope = _scope(session, staff, None)
        message = takeover.reply(
            session=session,
            scope=scope,
            conversation_id=conversation_id,
            text=text,
            now=runtime.clock.now(),
        )
        trigger = message.trigger
    when = "now" if trigger == "reply" else "when the send window opens"
    console.print(f"Queued; it goes {when}.")


@inbox_app.command("hand-back")
def hand_back(conversation_id: Annotated[int, typer.Argument()], staff: StaffOption = None) -> None:
    """Give the conversation back to the bot, which offers times."""
    with _work() as (session, runtime):
        scope = _scope(session, staff, None)
        takeover.hand_back(
            session=session,
            scope=scope,
            dialogue=runtime.dialogue,
            conversation_id=conversation_id,
            now=runtime.clock.now(),
        )
    console.print(f"Conversation {conversation_id} is the bot's again.")


def staff_notices(
    staff: Annotated[str, typer.Argument(help="Staff member id or name.")],
    phone: Annotated[
        str | None, typer.Option(help='Their own phone for SMS notices; "" removes it.')
    ] = None,
    by: Annotated[NotifyBy | None, typer.Option(help="auto, telegram, sms or inbox.")] = None,
    coordinator: Annotated[
        bool | None,
        typer.Option(
            "--coordinator/--not-coordinator",
            help="The coordinator's own entry: also told of escalated callbacks.",
        ),
    ] = None,
) -> None:
    """Set how notices reach a staff member (default auto: Telegram, else SMS, else inbox)."""
    with _work() as (session, runtime):
        member = directory.find_staff_member(session=session, scope=EVERYTHING, ref=staff)
        assert member.id is not None
        member = service.set_notices(
            session=session,
            scope=EVERYTHING,
            staff_member_id=member.id,
            now=runtime.clock.now(),
            phone=phone,
            notify_by=by.value if by else None,
            coordinator=coordinator,
        )
        shown = StaffNoticesPublic.of(member)
    role = " (coordinator: told of escalated callbacks)" if shown.coordinator else ""
    console.print(
        f"{for_rich(shown.name)}: notices by {shown.notify_by}, now going to {shown.route}{role}."
    )
