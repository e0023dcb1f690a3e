"""`recruitbot partners`: list the partners, and say whose a partner is.

The command line acts as a national coordinator: it alone makes a partner national, or gives a
national partner (one an import created before partners had to be given a municipality) to
its municipality. See outreach/contacts/partners.py.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.errors import AppError
from core.settings import get_settings
from outreach.contacts.partners import PartnerOwner, PartnerView, list_partners, set_owner
from recruitbot.cli.terminal import for_rich, printable
from recruitbot.runtime import build_runtime
from store.audit import CLI_ACTOR
from store.db import unit_of_work

partners_app = typer.Typer(
    help="Partners whose member lists are imported: a municipality's or national."
)
console = Console()


@partners_app.command("list")
def partners_list() -> None:
    """List the partners by name, with their municipality (or national) and members."""
    runtime = build_runtime(get_settings())
    with unit_of_work(runtime.engine) as session:
        partners = list_partners(session=session)
    table = Table()
    for column in ("id", "partner", "whose", "members"):
        table.add_column(column, justify="right" if column in ("id", "members") else "left")
    for partner in partners:
        # A partner's name is typed by people: shown as typed, never as markup or escapes.
        whose = partner.municipality or "national"
        table.add_row(str(partner.id), for_rich(partner.name), whose, str(partner.members))
    console.print(table)


@partners_app.command("set")
def partners_set(
    name: Annotated[str, typer.Argument(help="The partner's name (any case).")],
    municipality: Annotated[
        str | None, typer.Option(help="Make it this municipality's partner (name or code).")
    ] = None,
    national: Annotated[
        bool,
        typer.Option(
            "--national", help="Make it national: every municipality's campaigns may use it."
        ),
    ] = False,
) -> None:
    """Say whose a partner is: one municipality's (--municipality) or national (--national)."""
    runtime = build_runtime(get_settings())
    try:
        with unit_of_work(runtime.engine) as session:
            view = set_owner(
                session=session,
                name=name,
                owner=PartnerOwner(municipality=municipality, national=national),
                actor=CLI_ACTOR,
                now=runtime.clock.now(),
            )
    except (AppError, ValueError) as error:
        console.print(printable(str(error)), style="red", markup=False)
        raise typer.Exit(2) from error
    console.print(_said(view), markup=False)


def _said(view: PartnerView) -> str:
    whose = f"{view.municipality}'s partner" if view.municipality else "a national partner"
    return f"{printable(view.name)} is {whose} ({view.members} members)."
