"""Row 1: import a member list (CSV, validation, dedupe, pseudonymisation).

Reference: the same file through `csv`, `phonenumbers` (parse, validate, E.164) and a dict for
duplicates, then one bare DB-API `executemany` insert of the contacts.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import time
from datetime import UTC, date
from pathlib import Path
from typing import Any

import phonenumbers
from pydantic import SecretStr

from bench.databases import fresh_database
from bench.figures import Figure, Target
from bench.fixtures import NOW, TODAY
from core.pseudonyms import Pseudonymizer
from outreach.contacts import PartnerOwner, import_members, read_member_file, validating
from outreach.synthetic import write_member_csv
from store.db import make_engine, unit_of_work

KEY = SecretStr("bench-only-pseudonym-key")
TARGET = Target(text="≥ 50 % of the reference", bound=0.5)


def run(*, backend: str, size: int, workdir: Path) -> list[Figure]:
    """Import `size` synthetic members; then the reference, on a fresh database."""
    members = workdir / f"members-{size}.csv"
    if not members.exists():
        write_member_csv(members, count=size, seed=8, today=TODAY)
    with fresh_database(backend, workdir=workdir) as url:
        seconds, imported = _import(url, members)
    with fresh_database(backend, workdir=workdir) as url:
        reference_seconds, inserted = _reference(url, members)
    return [
        Figure(
            row="import",
            backend=backend,
            what=f"import {size:,} members (CSV, validation, dedupe, pseudonyms)",
            figure=size / seconds,
            unit="rows/s",
            reference=size / reference_seconds,
            reference_what="csv + phonenumbers + bare executemany",
            target=TARGET,
            details={"seconds": seconds, "imported": imported, "reference_inserted": inserted},
        )
    ]


def _import(url: str, members: Path) -> tuple[float, int]:
    engine = make_engine(url)
    pseudonymizer = Pseudonymizer(pseudonym_key=KEY, cpr_hmac_key=KEY)
    start = time.perf_counter()
    with unit_of_work(engine) as session:
        report = import_members(
            session=session,
            rows=read_member_file(members),
            partner_name="FOA Roskilde",
            pseudonymizer=pseudonymizer,
            now=NOW,
            owner=PartnerOwner(municipality="Roskilde"),
            workers=validating.POOL_WORKERS,  # as `recruitbot import`: the path measured
        )
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, report.imported


def _reference(url: str, members: Path) -> tuple[float, int]:
    engine = make_engine(url)
    key = KEY.get_secret_value().encode()
    start = time.perf_counter()
    rows: dict[str, tuple[Any, ...]] = {}
    with members.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for row in reader:
            try:
                number = phonenumbers.parse(row[1], "DK")
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(number):
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 in rows:
                continue
            public_id = hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()[:12]
            day, month, year = row[2].split("-")
            born = date(int(year), int(month), int(day))
            rows[e164] = (public_id, row[0], e164, born, *_stamps(engine.dialect.name))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        cursor.executemany(
            "INSERT INTO contact (public_id, name, phone, birth_date, language, created_at, "
            f"updated_at) VALUES ({mark}, {mark}, {mark}, {mark}, 'da', {mark}, {mark})",
            list(rows.values()),
        )
        raw.commit()
    finally:
        raw.close()
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, len(rows)


def _stamps(dialect: str) -> tuple[object, object]:
    # SQLite keeps naive UTC text, as the store's UTCDateTime writes it.
    now: object = (
        NOW.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if dialect == "sqlite" else NOW
    )
    return now, now
