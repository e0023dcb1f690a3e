"""Fuzzing the member-file reader: whatever bytes arrive, a clear refusal or rows, never a crash.

Arbitrary bytes, text in odd encodings with odd separators, and workbooks (real zip archives with
a sheet of random XML-ish content) go through `read_member_file` and then row validation. The
only outcomes allowed are rows (each either valid or rejected with a reason) or a
`MemberFileError` whose message says what is wrong.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from core.clock import SimulatedClock
from core.principal import Role
from core.pseudonyms import Pseudonymizer
from core.settings import Settings
from outreach.contacts import MemberFileError, read_member_file, validate_row
from recruitbot.app import create_app
from recruitbot.runtime import build_runtime
from tests.api.support import bearer, make_key
from tests.factories import MONDAY

IDS = Pseudonymizer.from_settings(Settings(database_url="sqlite://"))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _read_all(path: Path) -> int:
    """Read and validate every row; return how many rows were seen."""
    try:
        member_file = read_member_file(path)
        seen = 0
        for line, row in member_file:
            assert line >= 2
            validate_row(line=line, raw=row, pseudonymizer=IDS, today=MONDAY.date())
            seen += 1
        return seen
    except MemberFileError as error:
        refusal = str(error)
    assert refusal, "a refusal says why"
    return -1


@FUZZ
@given(data=st.binary(max_size=4096))
def test_any_bytes_as_csv(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "members.csv"
    path.write_bytes(data)
    _read_all(path)


CELL = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@FUZZ
@given(
    header=st.lists(
        st.sampled_from(["Navn", "Mobil", "Fødselsdato", "CPR", "Kommune", "x"]),
        min_size=1,
        max_size=6,
    ),
    rows=st.lists(st.lists(CELL, max_size=7), max_size=8),
    separator=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]),
)
def test_text_in_any_encoding_and_separator(
    tmp_path_factory: pytest.TempPathFactory,
    header: list[str],
    rows: list[list[str]],
    separator: str,
    encoding: str,
) -> None:
    lines = [separator.join(header), *(separator.join(row) for row in rows)]
    text = "\r\n".join(lines) + "\r\n"
    path = tmp_path_factory.mktemp("fuzz") / "members.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _read_all(path)


@FUZZ
@given(
    cells=st.lists(
        st.lists(st.one_of(CELL, st.integers(), st.floats(allow_nan=False)), max_size=6),
        min_size=1,
        max_size=6,
    ),
)
def test_any_workbook(tmp_path_factory: pytest.TempPathFactory, cells: list[list[object]]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "members.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Navn", "Mobil", "Fødselsdato"])
    for row in cells:
        try:
            sheet.append(row)
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl will not write these
            continue
    book.save(path)
    _read_all(path)


@FUZZ
@given(sheet=st.binary(max_size=2048))
def test_a_workbook_whose_sheet_is_garbage(
    tmp_path_factory: pytest.TempPathFactory, sheet: bytes
) -> None:
    template = io.BytesIO()
    book = openpyxl.Workbook()
    book.save(template)
    path = tmp_path_factory.mktemp("fuzz") / "members.xlsx"
    with zipfile.ZipFile(template) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else old.read(info)
            new.writestr(info, data)
    _read_all(path)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=2048), name=st.sampled_from(["m.csv", "m.xlsx", "m.txt"]))
def test_any_upload_through_the_api_is_never_a_500(
    database_url: str, data: bytes, name: str
) -> None:
    runtime = build_runtime(
        Settings(database_url=database_url), clock=SimulatedClock(MONDAY), migrate=False
    )
    try:
        client = TestClient(create_app(runtime), raise_server_exceptions=False)
        key = make_key(runtime.engine, role=Role.COORDINATOR)
        files = {"file": (name, io.BytesIO(data), "application/octet-stream")}
        answer = client.post(
            "/api/v1/contacts/import",
            files=files,
            data={"partner": "FOA", "municipality": "Roskilde"},
            headers=bearer(key),
        )
        assert answer.status_code in (200, 201, 413, 422), answer.text
        if answer.status_code >= 400:
            assert answer.json()["error"]["message"]
    finally:
        runtime.engine.dispose()
