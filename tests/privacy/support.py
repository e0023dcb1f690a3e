"""A citizen the store holds everything about, and ways to look for them anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, String, Text, inspect, select, text
from sqlmodel import Session, col

from booking.outcomes import Outcome, record_outcome
from conversation.service import start
from core.clock import SimulatedClock
from core.pseudonyms import Pseudonymizer
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from store import link_codes
from store.models import (
    Booking,
    Contact,
    ContactChannel,
    Invitation,
    Message,
    ProviderCallback,
    Slot,
)
from store.telegram import TELEGRAM
from store.types import DueStatus
from tests.booking.support import NOW, active_booking, say
from tests.factories import DIALOGUE, World, add_contact, make_world

NAME = "Zebulonia Quaxtrup"  # distinctive: found only where this person's data is
PHONE = "+4529871234"
NATIONAL = "29871234"
CHAT = "770012345"  # the citizen's Telegram chat
CPR = "0707711234"  # fabricated: a valid date, no real person implied
OTHER_NAME = "Bertil Ravnsholt"
OTHER_PHONE = "+4529875678"
ENCRYPTION_KEY = Fernet.generate_key().decode()


def settings(database_url: str, **extra: object) -> Settings:
    """Settings on a test database, with an encryption key so an encrypted CPR copy is kept."""
    values: dict[str, object] = {
        "database_url": database_url,
        "cpr_encryption_key": SecretStr(ENCRYPTION_KEY),
        **extra,
    }
    return Settings.model_validate(values)


def pseudonymizer(database_url: str) -> Pseudonymizer:
    return Pseudonymizer.from_settings(settings(database_url))


@dataclass
class Held:
    """The world, the citizen held in every table, and a second citizen who must stay."""

    world: World
    contact: Contact
    booking: Booking
    other: Contact
    settled_at: datetime  # when the last of it happened: the outcome, after the health check


def hold_everything(session: Session, ids: Pseudonymizer, *, now: datetime = NOW) -> Held:
    """Roskilde, and a citizen who was invited, answered, booked, attended and got a follow-up."""
    world = make_world(session, now=now)
    world.campaign.status = "running"
    contact = add_contact(session, world, phone=PHONE, name=NAME, now=now)
    contact.cpr_hash = ids.cpr_hash(CPR)
    contact.cpr_encrypted = ids.encrypt_cpr(CPR)
    start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=now)
    say(session, PHONE, "ja", now=now)
    say(session, PHONE, "nej", now=now)
    say(session, PHONE, "1", now=now)
    booking = active_booking(session, contact)
    _invited(session, held=(world, contact), conversation_id=booking.conversation_id, now=now)
    _linked_on_telegram(session, contact, now=now)
    _delivery_report(session, contact, now=now)
    held_at = session.get_one(Slot, booking.slot_id).starts_at + timedelta(hours=2)
    assert booking.id is not None
    record_outcome(
        session=session,
        dialogue=DIALOGUE,
        booking_id=booking.id,
        outcome=Outcome(attended=True, referrals_municipal=("motion",), further_course=True),
        now=held_at,
    )
    other = add_contact(session, world, phone=OTHER_PHONE, name=OTHER_NAME, now=now)
    start(session=session, dialogue=DIALOGUE, contact=other, campaign=world.campaign, now=now)
    session.flush()
    return Held(world, contact, booking, other, held_at)


def _invited(
    session: Session, *, held: tuple[World, Contact], conversation_id: int, now: datetime
) -> None:
    world, contact = held
    assert world.campaign.id is not None and contact.id is not None
    session.add(
        Invitation(
            campaign_id=world.campaign.id,
            contact_id=contact.id,
            status=DueStatus.DONE,
            due_at=now,
            done_at=now,
            conversation_id=conversation_id,
        )
    )


def _linked_on_telegram(session: Session, contact: Contact, *, now: datetime) -> None:
    assert contact.id is not None
    session.add(
        ContactChannel(contact_id=contact.id, channel=TELEGRAM, address=CHAT, created_at=now)
    )
    link_codes.link_code_for_contact(session=session, contact_id=contact.id, now=now)


def _delivery_report(session: Session, contact: Contact, *, now: datetime) -> None:
    invitation = session.scalars(
        select(Message).where(
            col(Message.contact_id) == contact.id, col(Message.kind) == "invitation"
        )
    ).first()
    assert invitation is not None
    raw = json.dumps({"MessageSid": "SM1", "MessageStatus": "delivered", "To": PHONE})
    session.add(
        ProviderCallback(
            channel="twilio",
            provider_id="SM1",
            message_id=invitation.id,
            status="delivered",
            raw=raw,
            received_at=now,
        )
    )
    unmatched = json.dumps({"MessageSid": "SM2", "MessageStatus": "failed", "To": PHONE})
    session.add(
        ProviderCallback(
            channel="twilio", provider_id="SM2", status="failed", raw=unmatched, received_at=now
        )
    )


@contextmanager
def app_on(database_url: str, *, now: datetime = NOW) -> Iterator[tuple[Runtime, TestClient]]:
    """The app on a test database, on a simulated clock."""
    runtime = build_runtime(settings(database_url), clock=SimulatedClock(now), migrate=False)
    try:
        yield runtime, TestClient(create_app(runtime), raise_server_exceptions=False)
    finally:
        runtime.engine.dispose()


# ---------------------------------------------------------------- looking for a person


def text_cells(engine: Engine) -> Iterator[tuple[str, str, str]]:
    """Yield (table, column, value) for every text value in every table of the database."""
    inspector = inspect(engine)
    columns = [
        (table, column["name"])
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
        if isinstance(column["type"], String | Text)
    ]
    with engine.connect() as connection:
        for table, column in columns:
            rows = connection.execute(
                text(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
            )
            for (value,) in rows:
                yield table, column, str(value)


def found_in_tables(engine: Engine, needles: list[str]) -> list[str]:
    """Return "table.column: needle" for every cell that contains one of the needles."""
    return [
        f"{table}.{column}: {needle}"
        for table, column, value in text_cells(engine)
        for needle in needles
        if needle in value
    ]


def sqlite_files(database_url: str) -> list[Path]:
    """Return the SQLite database file and its -wal and -shm files, those that exist."""
    path = Path(database_url.removeprefix("sqlite:///"))
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def found_in_files(paths: list[Path], needles: list[str]) -> list[str]:
    """Return "file: needle" for every file whose bytes hold one of the needles (UTF-8)."""
    return [
        f"{path.name}: {needle}"
        for path in paths
        for needle in needles
        if needle.encode() in path.read_bytes()
    ]
