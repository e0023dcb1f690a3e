"""Member-list uploads: size, rows and columns limited; XML entities refused; NUL per row."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings
from outreach.contacts import MemberFileError, MemberFileTooLargeError, read_member_file
from outreach.contacts import reading as reading_module
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from store.models import Contact
from tests.api.support import bearer, make_key
from tests.factories import MONDAY

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>
</worksheet>"""
EXTERNAL = BOMB.replace(
    '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
    '<!ENTITY lol2 SYSTEM "file:///etc/passwd">',
)


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Navn", "Mobil"])
    sheet.append(["Åse Holm", "20123456"])
    book.save(path)
    return path


def _with_sheet(source: Path, target: Path, sheet_xml: str) -> Path:
    """A copy of the workbook whose first sheet is replaced by this XML."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            new.writestr(info, data)
    return target


class TestXmlEntities:
    @pytest.mark.parametrize("sheet", [BOMB, EXTERNAL], ids=["expansion", "external"])
    def test_a_workbook_with_entities_is_refused(self, tmp_path: Path, sheet: str) -> None:
        path = _with_sheet(_workbook(tmp_path / "ok.xlsx"), tmp_path / "bad.xlsx", sheet)
        with pytest.raises(MemberFileError, match="XML entities"):
            list(read_member_file(path))

    def test_a_plain_workbook_still_reads(self, tmp_path: Path) -> None:
        rows = list(read_member_file(_workbook(tmp_path / "ok.xlsx")))
        assert rows == [(2, {"name": "Åse Holm", "phone": "20123456"})]


class TestLimits:
    def test_too_many_columns(self, tmp_path: Path) -> None:
        path = tmp_path / "wide.csv"
        headers = ["Mobil", *(f"k{n}" for n in range(reading_module.MAX_COLUMNS))]
        path.write_text(";".join(headers) + "\r\n20123456\r\n", encoding="utf-8")
        with pytest.raises(MemberFileError, match="columns"):
            read_member_file(path)

    def test_too_many_rows(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(reading_module, "MAX_ROWS", 3)
        path = tmp_path / "long.csv"
        path.write_text("Mobil\r\n" + "20123456\r\n" * 4, encoding="utf-8")
        with pytest.raises(MemberFileError, match="more than 3 rows"):
            list(read_member_file(path))

    def test_too_large(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(reading_module, "MAX_FILE_BYTES", 100)
        path = tmp_path / "big.csv"
        path.write_text("Mobil\r\n" + "20123456\r\n" * 20, encoding="utf-8")
        with pytest.raises(MemberFileTooLargeError):
            read_member_file(path)

    def test_a_row_of_a_million_cells_is_refused_before_it_is_read(self, tmp_path: Path) -> None:
        # The file: a small workbook whose one row holds a million (empty) cells.
        ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        sheet = f'<worksheet xmlns="{ns}"><sheetData><row r="1">{"<c/>" * 1_000_000}</row>'
        sheet += "</sheetData></worksheet>"
        path = _with_sheet(_workbook(tmp_path / "ok.xlsx"), tmp_path / "wide.xlsx", sheet)
        assert path.stat().st_size < 200_000
        with pytest.raises(MemberFileTooLargeError, match="more than 16,384 cells"):
            list(read_member_file(path))

    def test_a_workbook_that_unpacks_too_large(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(reading_module, "MAX_UNPACKED_BYTES", 1000)
        with pytest.raises(MemberFileTooLargeError, match="unpacks"):
            read_member_file(_workbook(tmp_path / "ok.xlsx"))


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = build_runtime(
        Settings(database_url=database_url), clock=SimulatedClock(MONDAY), migrate=False
    )
    yield built
    built.engine.dispose()


def _post(runtime: Runtime, name: str, data: bytes) -> Any:
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    key = make_key(runtime.engine, role=Role.COORDINATOR)
    files = {"file": (name, io.BytesIO(data), "application/octet-stream")}
    return client.post(
        "/api/v1/contacts/import",
        files=files,
        data={"partner": "FOA", "municipality": "Roskilde"},
        headers=bearer(key),
    )


class TestOverTheApi:
    def test_nul_and_control_characters_are_a_rows_rejection(self, runtime: Runtime) -> None:
        csv = "Navn;Mobil\r\nÅse\x00Holm;20123456\r\nBo\x1b[2J;30123456\r\nEva Berg;40123456\r\n"
        response = _post(runtime, "m.csv", csv.encode())
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["imported"] == 1
        assert [(r["line"], r["reason"]) for r in report["rejected"]] == [
            (2, "name holds a control character (such as NUL)"),
            (3, "name holds a control character (such as NUL)"),
        ]
        with Session(runtime.engine) as session:
            assert [c.name for c in session.exec(select(Contact))] == ["Eva Berg"]

    def test_a_workbook_with_entities_is_a_422(self, runtime: Runtime, tmp_path: Path) -> None:
        path = _with_sheet(_workbook(tmp_path / "ok.xlsx"), tmp_path / "bad.xlsx", BOMB)
        response = _post(runtime, "bad.xlsx", path.read_bytes())
        assert response.status_code == 422, response.text
        assert "XML entities" in response.json()["error"]["message"]

    def test_an_upload_over_the_size_limit_is_a_413(
        self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from outreach import endpoints

        monkeypatch.setattr(endpoints, "MAX_FILE_BYTES", 1024)
        response = _post(runtime, "m.csv", b"Mobil\r\n" + b"20123456\r\n" * 200)
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"
