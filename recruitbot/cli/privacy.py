"""`recruitbot citizen export|erase` and `recruitbot retention run`: a citizen's rights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlmodel import Session

from core.calendar import local
from core.phone import parse_phone
from core.settings import get_settings
from privacy import erasing, repository, service
from privacy.erasure import purge_freed_space
from privacy.retention import run_retention
from privacy.schemas import ErasurePublic
from recruitbot.runtime import Runtime, build_runtime
from store import audit
from store.db import unit_of_work
from store.models import Contact

citizen_app = typer.Typer(help="One citizen's data: export it, or erase it on request.")
retention_app = typer.Typer(help="Erase the citizens whose data is past the retention period.")
console = Console(stderr=True)  # stdout carries the export itself

PhoneOption = Annotated[
    str | None, typer.Option("--phone", help="The citizen's phone number, e.g. +4520123456.")
]
ContactOption = Annotated[
    str | None, typer.Option("--contact", help="The citizen's pseudonym, e.g. c-abcdefghij.")
]


def _number(phone: str) -> str:
    number = parse_phone(phone)
    if number is None:
        raise typer.BadParameter(f"not a phone number that takes an SMS: {phone}")
    return number


def _subject(session: Session, phone: str | None, ref: str | None) -> tuple[Contact | None, str]:
    """Return the contact named (None: a number on no list) and how to name it in messages."""
    if (phone is None) == (ref is None):
        raise typer.BadParameter("give either --phone or --contact")
    if ref is not None:
        contact = repository.contact_by_ref(session=session, public_id=ref)
        if contact is None:
            console.print(f"[red]No citizen {ref}.[/red]")
            raise typer.Exit(1)
        return contact, ref
    number = _number(phone or "")
    contact = repository.contact_by_phone(session=session, phone=number)
    return contact, contact.public_id if contact else "that number"


@citizen_app.command("export")
def export(
    phone: PhoneOption = None,
    contact: ContactOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON to this file (default: print it).")
    ] = None,
) -> None:
    """Export everything held about a citizen, with the log of who looked at it (no CPR)."""
    runtime = build_runtime(get_settings())
    with unit_of_work(runtime.engine) as session:
        found, name = _subject(session, phone, contact)
        if found is None:
            console.print("[red]No citizen with that number.[/red]")
            raise typer.Exit(1)
        data = service.export_citizen(
            session=session,
            contact=found,
            actor=audit.CLI_ACTOR,
            now=runtime.clock.now(),
            detail="recruitbot citizen export",
        )
    text = data.model_dump_json(indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    console.print(f"Wrote the export of {name} to {out}.")


@citizen_app.command("erase")
def erase(
    phone: PhoneOption = None,
    contact: ContactOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Erase for good; without it, only show.")] = (
        False
    ),
) -> None:
    """Erase a citizen on request: every row about them, for good; the number stays suppressed."""
    runtime = build_runtime(get_settings())
    with Session(runtime.engine, expire_on_commit=False) as session:
        found, name = _subject(session, phone, contact)
        result = _erase(session, runtime, found, phone)
        if not result.erased:
            session.rollback()
            console.print(f"Nothing is held about {name}.")
            raise typer.Exit(1)
        if not yes:
            session.rollback()
            console.print(f"Would delete for {name}: {erasing.describe(result.deleted)}.")
            console.print("Nothing was deleted. Run again with --yes to erase for good.")
            raise typer.Exit(1)
        session.commit()
    purge_freed_space(runtime.engine)
    console.print(f"Erased {name}: {erasing.describe(result.deleted)}.")
    if result.suppressed:
        console.print("The number stays on the suppression list (as a keyed hash).")


def _erase(
    session: Session, runtime: Runtime, contact: Contact | None, phone: str | None
) -> ErasurePublic:
    return erasing.erase_citizen(
        session=session,
        contact=contact,
        phone=_number(phone) if phone and contact is None else None,
        pseudonymizer=runtime.pseudonymizer,
        actor=audit.CLI_ACTOR,
        now=runtime.clock.now(),
    )


@retention_app.command("run")
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count; erase nothing.")] = False,
) -> None:
    """Erase everyone past the retention period (RECRUITBOT_RETENTION_DAYS) now."""
    settings = get_settings()
    runtime = build_runtime(settings)
    report = run_retention(
        engine=runtime.engine,
        now=runtime.clock.now(),
        days=settings.retention_days,
        pseudonymizer=runtime.pseudonymizer,
        dry_run=dry_run,
    )
    cutoff = local(report.cutoff).date().isoformat()
    verb = "Would erase" if dry_run else "Erased"
    console.print(
        f"{verb} {report.citizens} citizens with nothing since {cutoff} "
        f"({settings.retention_days}-day retention); {report.suppressed} of them had opted out "
        "and stay on the suppression list."
    )
    if any(report.unlinked.values()):
        console.print(f"Also deleted, older than that: {erasing.describe(report.unlinked)}.")
