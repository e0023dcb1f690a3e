"""Personal data: no CPR number in clear text anywhere, and an erasure leaves nothing behind.

A member list with valid CPR numbers is imported (with the encryption key set, and without), a
campaign runs through dialogue, bookings and outcomes on a simulated clock, some citizens text
their CPR number, and every export is written: the demo's files, the report CSVs, citizens'
exports. Every log line is kept at DEBUG, SQLAlchemy's statements and parameters included.
Then the SQLite file and its -wal file (before any checkpoint), or on PostgreSQL every text
column and `pg_dump`, the logs and the exports are searched for each CPR number, with and
without the dash, and for any valid CPR number. Planted numbers show the search finds them.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col
from stdnum.dk import cpr as stdnum_cpr
from typer.testing import CliRunner

from channels.console import ConsoleChannel
from conversation.intake import receive_text
from core.calendar import COPENHAGEN
from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings, get_settings
from outreach.campaigns import launch
from outreach.contacts import import_members, read_member_file
from outreach.synthetic import write_member_csv
from recruitbot.cli import app as cli
from recruitbot.demo import exports, scenario
from recruitbot.demo.run import DemoOptions, Simulation
from recruitbot.logs import configure_logging
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work
from store.keys import create_key
from store.models import Booking, Contact, Conversation, Message, MonitoringRecord
from tests.privacy.scan import Scan
from tests.privacy.support import found_in_files, found_in_tables, sqlite_files, text_cells
from tests.reliability import size

CONTACTS = size(40, 2000)
DAYS = size(6, 45)
ERASED = size(6, 100)
START = datetime(2026, 11, 23, 8, 0, tzinfo=COPENHAGEN)  # a Monday
PLANTED = "1502853127"  # a valid CPR number no list holds, for the positive controls


def with_cprs(source: Path, target: Path, *, seed: int) -> list[str]:
    """Add a valid CPR number fitting each member's birth date; a few typed in the wrong column."""
    rng = random.Random(seed)
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    numbers: list[str] = []
    for index, row in enumerate(rows[1:], start=1):
        number = _cpr_for(datetime.strptime(row[2], "%d-%m-%Y").date(), rng)
        numbers.append(number)
        dashed = f"{number[:6]}-{number[6:]}"
        row.append(dashed if index % 2 else number)
        if index % 25 == 0:
            row[2] = dashed  # a CPR number in the birth date's column: the row is refused
    rows[0].append("CPR-nr.")
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    return numbers


def _cpr_for(born: date, rng: random.Random) -> str:
    while True:
        number = f"{born:%d%m%y}{rng.randrange(10)}{rng.randrange(1000):03d}"
        try:
            if stdnum_cpr.get_birth_date(stdnum_cpr.validate(number)) == born:
                return number
        except Exception:
            continue


@contextmanager
def every_log_line(path: Path) -> Iterator[None]:
    """Send structlog and the standard library's logging (SQLAlchemy's too) to a file, at DEBUG."""
    with path.open("w", encoding="utf-8") as sink:
        handler = logging.StreamHandler(sink)
        root = logging.getLogger()
        old_level, real_stderr = root.level, sys.stderr
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements, parameters
        sys.stderr = sink  # structlog writes to the stderr of the moment
        configure_logging(level="DEBUG")
        try:
            yield
        finally:
            sys.stderr = real_stderr
            root.removeHandler(handler)
            root.setLevel(old_level)
            logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
            configure_logging()


def run_campaign(runtime: Runtime, clock: SimulatedClock, members: Path) -> dict[str, object]:
    """Import the list, launch, and let citizens and staff act for DAYS days."""
    with unit_of_work(runtime.engine) as session:
        world = scenario.build_world(session=session, window=runtime.window, first_day=START.date())
        report = import_members(
            session=session,
            rows=read_member_file(members),
            partner_name=scenario.PARTNER,
            pseudonymizer=runtime.pseudonymizer,
            now=clock.now(),
        )
        campaign = scenario.create_campaign(
            session=session, world=world, now=clock.now(), daily_limit=40
        )
        launch(session=session, campaign=campaign, now=clock.now(), window=runtime.window)
    channel = runtime.channels["console"]
    assert isinstance(channel, ConsoleChannel)
    options = DemoOptions(contacts=CONTACTS, days=DAYS)
    Simulation(runtime, channel, clock, random.Random(7), options).run(
        until=START + timedelta(days=DAYS)
    )
    return report.as_dict()


def text_their_cprs(runtime: Runtime, clock: SimulatedClock, numbers: list[str]) -> int:
    """Let some invited citizens answer with their CPR number, as people do."""
    with unit_of_work(runtime.engine) as session:
        phones = session.scalars(
            select(col(Contact.phone))
            .join(Message, col(Message.contact_id) == col(Contact.id))
            .where(col(Message.kind) == "invitation")
            .distinct()
            .limit(5)
        ).all()
        for n, phone in enumerate(phones):
            number = numbers[n]
            receive_text(
                session=session,
                dialogue=runtime.dialogue,
                channel="console",
                address=phone,
                text=f"Mit cpr er {number[:6]}-{number[6:]} og {number}",
                provider_id=f"cpr-{n}",
                now=clock.now(),
            )
    return len(phones)


def write_exports(runtime: Runtime, url: str, out: Path, clock: SimulatedClock) -> None:
    """Every export a user can make: the demo's files, report CSVs, citizens' exports."""
    with unit_of_work(runtime.engine) as session:
        exports.write_all(session=session, out=out, campaign_id=1, tz=COPENHAGEN, now=clock.now())
        key = create_key(
            session=session,
            role=Role.COORDINATOR,
            municipality_id=None,
            name="dpo",
            now=clock.now(),
        )[1]
        refs = session.scalars(
            select(col(Contact.public_id)).join(Booking, col(Booking.contact_id) == col(Contact.id))
        ).all()
    from fastapi.testclient import TestClient

    from recruitbot.app import create_app

    client = TestClient(create_app(runtime))
    for ref in sorted(set(refs)):
        answer = client.get(
            f"/api/v1/citizens/{ref}/export", headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 200, answer.text
        (out / f"export-{ref}.json").write_text(answer.text, encoding="utf-8")
    runner, env = CliRunner(), {"RECRUITBOT_DATABASE_URL": url, "RECRUITBOT_LOG_LEVEL": "DEBUG"}
    get_settings.cache_clear()
    for name, args in (
        ("tables.csv", ["report", "tables", "--format", "csv"]),
        ("funnel.csv", ["report", "funnel", "--format", "csv"]),
        ("cli-export.json", ["citizen", "export", "--contact", sorted(refs)[0]]),
    ):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
        (out / name).write_text(result.output, encoding="utf-8")
    get_settings.cache_clear()


def scan_store(scan: Scan, engine: Engine, url: str) -> None:
    """Every text cell; then the SQLite file and its -wal as they are now, or pg_dump's output.

    In the file's bytes a row's values are glued together, so the generic pattern would read
    across them (a time's microseconds and the next time's year make "1001212026"): there only
    the given numbers are sought. Every value is also read as a cell, with clean boundaries.
    """
    for table, column, value in text_cells(engine):
        scan.cell(f"{table}.{column}", value)
    if engine.dialect.name == "sqlite":
        files = sqlite_files(url)
        assert any(p.name.endswith("-wal") and p.stat().st_size > 0 for p in files), "no WAL"
        scan.files(files, generic=False)
        return
    pg_dump = shutil.which("pg_dump")
    if pg_dump:
        target = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = subprocess.run(
            [pg_dump, "--data-only", target], capture_output=True, check=True, timeout=300
        )
        scan.bytes("pg_dump", dump.stdout)


@pytest.mark.parametrize("encrypted", [True, False], ids=["encryption-key", "no-encryption-key"])
def test_no_cpr_number_in_clear_text_anywhere(
    database_url: str, tmp_path: Path, encrypted: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    members, out, log = tmp_path / "members.csv", tmp_path / "out", tmp_path / "all.log"
    write_member_csv(tmp_path / "plain.csv", count=CONTACTS, seed=5, today=START.date())
    numbers = with_cprs(tmp_path / "plain.csv", members, seed=5)
    key = SecretStr(Fernet.generate_key().decode()) if encrypted else None
    settings = Settings(database_url=database_url, cpr_encryption_key=key, log_level="DEBUG")
    clock = SimulatedClock(START)
    runtime = build_runtime(
        settings, clock=clock, channels={"console": ConsoleChannel()}, migrate=False
    )
    try:
        with every_log_line(log):
            imported = run_campaign(runtime, clock, members)
            texted = text_their_cprs(runtime, clock, numbers)
            write_exports(runtime, database_url, out, clock)
        (out / "import.json").write_text(json.dumps(imported, ensure_ascii=False), encoding="utf-8")
        scan = Scan.of(numbers)
        scan_store(scan, runtime.engine, database_url)
        scan.files([log, out])
        assert scan.hits == [], f"CPR numbers in clear text: {scan.hits[:10]}"
        assert imported["imported"] and texted == 5
        with Session(runtime.engine) as session:
            talked, booked, checked = (
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Conversation, Booking, MonitoringRecord)
            )
        _the_scan_finds_what_is_there(runtime, database_url, numbers, members, log)
        erased = _erasure_leaves_nothing(runtime, database_url)
    finally:
        runtime.engine.dispose()
    lines = log.read_text(encoding="utf-8").count("\n")
    with capsys.disabled():
        print(
            f"\n[personal data] {runtime.engine.dialect.name}, encryption key {encrypted}: "
            f"{len(numbers)} members with CPR, {imported['imported']} imported, {talked} "
            f"conversations, {booked} bookings, {checked} health checks, {texted} texted "
            f"their CPR; {scan.cells} cells, {scan.sources} files ({scan.size / 1e6:.1f} MB), "
            f"{lines} log lines scanned: 0 CPR numbers; {erased} erased: 0 traces"
        )


def _the_scan_finds_what_is_there(
    runtime: Runtime, url: str, numbers: list[str], members: Path, log: Path
) -> None:
    """The positive controls: the member list itself, a planted row, a planted log line."""
    listed = Scan.of(numbers)
    listed.files([members])
    assert len({hit.split(": ")[1][:11] for hit in listed.hits}) >= len(numbers)
    with runtime.engine.begin() as connection:
        connection.execute(
            text("UPDATE contact SET workplace = :w WHERE id = (SELECT MIN(id) FROM contact)"),
            {"w": f"planted {PLANTED[:6]}-{PLANTED[6:]}"},
        )
    planted = Scan.of([PLANTED])
    scan_store(planted, runtime.engine, url)
    assert any(PLANTED[:6] in hit for hit in planted.hits), "the scan missed a planted row"
    assert any("valid CPR" in hit for hit in planted.hits), "the generic pattern missed it"
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"event=planted note={PLANTED}\n")
    in_log = Scan.of([])
    in_log.files([log])
    assert len(in_log.hits) == 1, "the generic pattern found the planted log line"


def _erasure_leaves_nothing(runtime: Runtime, url: str) -> int:
    """Erase citizens who talked with the service, the booked first; nothing of them stays."""
    with unit_of_work(runtime.engine) as session:
        people = session.execute(
            select(Contact.public_id, Contact.name, Contact.phone)
            .join(Conversation, col(Conversation.contact_id) == col(Contact.id))
            .outerjoin(Booking, col(Booking.contact_id) == col(Contact.id))
            .group_by(col(Contact.id))
            .order_by(func.count(col(Booking.id)).desc(), col(Contact.id))
            .limit(ERASED)
        ).all()
        key = create_key(
            session=session,
            role=Role.COORDINATOR,
            municipality_id=None,
            name="dpo",
            now=datetime.now(COPENHAGEN),
        )[1]
    from fastapi.testclient import TestClient

    from recruitbot.app import create_app

    client = TestClient(create_app(runtime))
    for ref, _, _ in people:
        answer = client.delete(
            f"/api/v1/citizens/{ref}", headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 200, answer.text
    # Names alone can recur (two Danes share one); the number and pseudonym cannot.
    needles = [v for ref, name, phone in people for v in (ref, phone, f"{name}, {phone}")]
    assert found_in_tables(runtime.engine, needles) == []
    if runtime.engine.dialect.name == "sqlite":
        assert found_in_files(sqlite_files(url), needles) == []
    return len(people)
