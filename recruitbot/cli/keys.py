"""`recruitbot keys`: create, list and revoke admin API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.principal import Role
from core.settings import get_settings
from recruitbot.cli.booking import staff_key
from recruitbot.runtime import build_runtime
from store.db import unit_of_work
from store.keys import create_key, list_keys, revoke
from store.models import Municipality
from store.municipalities import ensure_municipality, resolve_municipality

keys_app = typer.Typer(help="Admin API keys: shown once, stored only as a hash.")
console = Console()


@keys_app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="coordinator, staff or evaluator.")],
    municipality: Annotated[
        str | None, typer.Option(help="Limit the key to one municipality (name or code).")
    ] = None,
    name: Annotated[str, typer.Option(help="A label, e.g. who holds the key.")] = "",
    staff: Annotated[
        str | None, typer.Option(help="With --role staff: the staff member (id or name).")
    ] = None,
) -> None:
    """Create a key and print it once.

    A staff key belongs to one staff member, who sees their own slots and bookings: give
    `--staff`. It is the same as `recruitbot staff key` (the member's previous key is revoked).
    """
    if role is Role.STAFF or staff is not None:
        if role is not Role.STAFF or staff is None:
            console.print(
                "[red]A staff key belongs to one staff member: use --role staff --staff "
                "NAME|ID (see `recruitbot staff list`).[/red]"
            )
            raise typer.Exit(2)
        staff_key(staff)
        return
    runtime = build_runtime(get_settings())
    with unit_of_work(runtime.engine) as session:
        municipality_id = None
        if municipality is not None:
            ref = resolve_municipality(municipality)
            if ref is None:
                console.print(f"[red]Unknown municipality: {municipality}[/red]")
                raise typer.Exit(2)
            municipality_id = ensure_municipality(session=session, ref=ref).id
        key, plain = create_key(
            session=session,
            role=role,
            municipality_id=municipality_id,
            name=name,
            now=runtime.clock.now(),
        )
    console.print(f"Key {key.id} ({role.value}) created. It is shown only this once:")
    typer.echo(plain)


@keys_app.command("list")
def list_() -> None:
    """List keys (never the keys themselves)."""
    runtime = build_runtime(get_settings())
    table = Table("id", "role", "municipality", "name", "created", "revoked")
    table.add_column("prefix", no_wrap=True)
    with unit_of_work(runtime.engine) as session:
        for key in list_keys(session=session):
            place = session.get(Municipality, key.municipality_id) if key.municipality_id else None
            table.add_row(
                str(key.id),
                key.role,
                place.name if place else "all",
                key.name,
                key.created_at.date().isoformat(),
                key.revoked_at.date().isoformat() if key.revoked_at else "",
                key.prefix + "…",
            )
    console.print(table)


@keys_app.command("revoke")
def revoke_(key_id: Annotated[int, typer.Argument(help="The key's id from `keys list`.")]) -> None:
    """Revoke a key at once."""
    runtime = build_runtime(get_settings())
    with unit_of_work(runtime.engine) as session:
        done = revoke(session=session, key_id=key_id, now=runtime.clock.now())
    if not done:
        console.print(f"[red]No active key with id {key_id}.[/red]")
        raise typer.Exit(1)
    console.print(f"Key {key_id} revoked.")
