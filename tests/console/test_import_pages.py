"""Importing a member list in the console: upload, see the dry run, confirm; in Chromium too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, SQLModel, func, select

from console import import_pages
from outreach.contacts import validating
from outreach.contacts.headers import KNOWN_UNUSED
from store.db import unit_of_work
from store.models import Contact, Partner
from tests.console.browser import new_page, screenshot, sign_in
from tests.console.support import Console, csrf_of
from tests.outreach.worlds import recorded_pools

expect.set_options(timeout=30_000)

UNION_CSV = (
    "Medlemsnr.;Fornavn;Efternavn;CPR-nr.;Mobil;Postnr.;By;Kommune\r\n"
    "1;Anne;Ågård;050570-1234;20 99 34 56;4000;Roskilde;Roskilde\r\n"
    "2;Bo;Berg;310270-1234;20 99 34 57;4000;Roskilde;Roskilde\r\n"
    "3;Zoë;Ng;;20 99 34 58;4000;Roskilde;Roskilde\r\n"
).encode("cp1252", errors="strict")


def _counts(console: Console) -> dict[str, int]:
    with Session(console.engine) as session:
        return {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        }


def _upload(console: Console, content: bytes, name: str = "3f.csv", **form: str) -> Any:
    token = csrf_of(console.get("/console/import").text)
    response = console.client.post(
        "/console/import",
        data={"csrf": token, "partner": "Dansk Metal Roskilde", **form},  # form may name another
        files={"file": (name, content, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code < 500, response.text
    return response


class TestImportPages:
    def test_every_note_on_an_unused_column_has_its_danish_words(self) -> None:
        assert set(import_pages.NOTES) == set(KNOWN_UNUSED)

    def test_the_dry_run_stores_nothing_and_confirming_imports(
        self, console: Console, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pools = recorded_pools(monkeypatch)
        monkeypatch.setattr(validating, "POOL_FROM_ROWS", 0)  # as if the file were big
        monkeypatch.setattr(validating, "POOL_WORKERS", 2)
        console.sign_in("coordinator")
        assert "Importér medlemsliste" in console.get("/console/campaigns").text
        before = _counts(console)
        checked = _upload(console, UNION_CSV)
        assert checked.status_code == 200, checked.text
        html = checked.text
        assert "Intet er gemt endnu" in html and "(en ny partner)" in html
        assert "Fornavn" in html and "Postnr." in html and "ikke postnummer" in html
        assert "Anne Ågård" in html and "+4520993456" in html
        assert "the CPR number has a date that does not exist (31.02)" in html
        assert "outside the SMS alphabet" in html
        assert "050570" not in html and "310270" not in html
        assert _counts(console) == before  # the dry run wrote nothing at all
        upload = re.search(r'name="upload" value="([^"]+)"', html)
        assert upload
        done = console.client.post(
            "/console/import/confirm",
            data={
                "csrf": csrf_of(html),
                "upload": upload.group(1),
                "partner": "Dansk Metal Roskilde",
                "mapping": "",
            },
        )
        assert done.status_code == 200, done.text
        assert "Listen er importeret" in done.text and "2 nye" in done.text
        with unit_of_work(console.engine) as session:
            partner = session.exec(
                select(Partner).where(Partner.name == "Dansk Metal Roskilde")
            ).one()
            assert partner.municipality_id is not None  # the key's municipality
            names = {c.name for c in session.exec(select(Contact)).all()}
        assert {"Anne Ågård", "Zoë Ng"} <= names
        # The staged file is gone: confirming again is refused, nothing imported twice.
        again = console.client.post(
            "/console/import/confirm",
            data={"csrf": csrf_of(html), "upload": upload.group(1), "partner": "X", "mapping": ""},
        )
        assert again.status_code == 422 and "ikke længere klar" in again.text
        # The console's server runs threads: its import forks no worker (outreach.contacts).
        assert pools == []

    def test_a_national_coordinator_says_whose_a_new_partner_is(self, console: Console) -> None:
        console.sign_in("national")
        form = console.get("/console/import").text
        assert 'name="owner_municipality"' in form and 'name="national"' in form
        refused = _upload(console, UNION_CSV)
        assert refused.status_code == 422
        assert "En ny partner skal høre til en kommune" in refused.text
        checked = _upload(console, UNION_CSV, owner_municipality="Roskilde")
        assert checked.status_code == 200, checked.text
        html = checked.text
        assert 'name="owner_municipality" value="Roskilde"' in html
        upload = re.search(r'name="upload" value="([^"]+)"', html)
        assert upload
        done = console.client.post(
            "/console/import/confirm",
            data={
                "csrf": csrf_of(html),
                "upload": upload.group(1),
                "partner": "Dansk Metal Roskilde",
                "mapping": "",
                "owner_municipality": "Roskilde",
                "national": "",
            },
        )
        assert done.status_code == 200, done.text
        assert "Listen er importeret" in done.text
        with unit_of_work(console.engine) as session:
            partners = session.exec(select(Partner).where(Partner.name.startswith("Dansk"))).all()
            assert [p.name for p in partners] == ["Dansk Metal Roskilde"]
            assert partners[0].municipality_id is not None

    def test_a_municipality_imports_into_its_own_partners_only(self, console: Console) -> None:
        with unit_of_work(console.engine) as session:
            session.add(Partner(name="3F Landsdækkende", municipality_id=None))
        console.sign_in("coordinator")
        form = console.get("/console/import").text
        assert "3F Landsdækkende" not in form  # not offered
        assert 'name="national"' not in form
        refused = _upload(console, UNION_CSV, partner="3f landsdækkende")
        assert refused.status_code == 422
        assert "Kun en landskoordinator kan importere til den" in refused.text
        with unit_of_work(console.engine) as session:
            assert not session.exec(select(Contact).where(Contact.name == "Anne Ågård")).all()

    def test_cancel_drops_the_staged_file(self, console: Console) -> None:
        console.sign_in("coordinator")
        html = _upload(console, UNION_CSV).text
        upload = re.search(r'name="upload" value="([^"]+)"', html)
        assert upload
        staged = list(import_pages.STAGING.iterdir())
        assert staged
        data = {"csrf": csrf_of(html), "upload": upload.group(1), "partner": "X", "mapping": ""}
        cancelled = console.client.post("/console/import/confirm", data={**data, "cancel": "yes"})
        assert cancelled.status_code == 200 and "Vis, hvad der vil ske" in cancelled.text
        refused = console.client.post("/console/import/confirm", data=data)
        assert refused.status_code == 422

    def test_a_bad_file_or_token_is_told_in_danish(self, console: Console) -> None:
        console.sign_in("coordinator")
        no_phone = _upload(console, b"Navn;Adresse\r\nA;Vej 1\r\n")
        assert no_phone.status_code == 422 and "Filen kan ikke læses" in no_phone.text
        assert "no phone column" in no_phone.text
        wrong_kind = _upload(console, b"%PDF", name="liste.pdf")
        assert wrong_kind.status_code == 422 and "CSV-fil eller en Excel-fil" in wrong_kind.text
        forged = console.client.post(
            "/console/import/confirm",
            data={
                "csrf": csrf_of(console.get("/console/import").text),
                "upload": "../../etc",
                "partner": "X",
                "mapping": "",
            },
        )
        assert forged.status_code == 422 and "ikke længere klar" in forged.text

    def test_a_form_without_its_token_is_refused(self, console: Console) -> None:
        console.sign_in("coordinator")
        before = _counts(console)
        response = console.client.post(
            "/console/import",
            data={"partner": "X"},
            files={"file": ("m.csv", UNION_CSV, "text/csv")},
        )
        assert response.status_code == 403 and "Formularen er udløbet" in response.text
        confirm = console.client.post("/console/import/confirm", data={"upload": "x"})
        assert confirm.status_code == 403
        assert _counts(console) == before


def _union_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Medlemsnr.", "Fornavn", "Efternavn", "CPR-nr.", "Mobil", "Postnr.", "Kommune"])
    sheet.append([1, "Karen", "Holm", 505701234, 20993460, 4000, "Roskilde"])
    sheet.append([2, "Lars", "Juhl", None, "=20993461", 4000, "Roskilde"])
    sheet.append([3, "Mia", "Dahl", "1010701234", 4520993462, 4000, 265])
    book.save(path)
    return path


def test_a_coordinator_uploads_checks_and_confirms_in_chromium(
    browser: Any, live: tuple[Console, str], tmp_path: Path
) -> None:
    console, base = live
    workbook = _union_workbook(tmp_path / "3F medlemmer.xlsx")
    page = new_page(browser, javascript=False)
    sign_in(page, base, console.world.keys["coordinator"])
    page.get_by_role("link", name="Importér medlemsliste").click()
    expect(page.get_by_role("heading", name="Importér medlemsliste")).to_be_visible()
    page.get_by_label("Partner").fill("Dansk Metal Roskilde")
    page.get_by_label("Fil").set_input_files(str(workbook))
    page.get_by_role("button", name="Vis, hvad der vil ske").click()
    expect(page.locator("#columns")).to_contain_text("Efternavn")
    expect(page.locator("#ignored")).to_contain_text("Postnr.")
    rows = page.locator("#first-rows")
    expect(rows).to_contain_text("Karen Holm")
    expect(rows).to_contain_text("+4520993460")
    expect(page.get_by_text("formula saved without its value")).to_be_visible()
    assert "505701234" not in page.content() and "050570" not in page.content()
    screenshot(page, "import-1-dry-run")
    with Session(console.engine) as session:
        assert not session.exec(select(Contact).where(Contact.name == "Karen Holm")).all()
    page.get_by_role("button", name=re.compile(r"^Importér 2 rækker")).click()
    expect(page.get_by_role("status")).to_contain_text("Listen er importeret")
    expect(page.get_by_role("status")).to_contain_text("2 nye")
    screenshot(page, "import-2-done")
    with Session(console.engine) as session:
        stored = session.exec(select(Contact).where(Contact.name == "Karen Holm")).one()
    assert stored.phone == "+4520993460"
