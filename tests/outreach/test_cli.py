"""`recruitbot campaign …` and `recruitbot import --mapping` as a coordinator types them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.settings import get_settings
from outreach.contacts import validating
from recruitbot.cli import app
from tests.outreach.worlds import recorded_pools

runner = CliRunner()
MEMBERS = (
    "Navn;Mobilnr. privat;Født;Kommune;Uddannelse;Sprog\r\n"
    "Anne Jensen;20 12 34 56;01-05-1976;Roskilde;Faglært;da\r\n"
    "John Smith;+45 31 22 33 44;03-07-1980;Roskilde;;en\r\n"
    "Bo Hansen;12 34;02-06-1970;Roskilde;;da\r\n"
    "Carl Berg;40 11 22 33;03-07-1950;Roskilde;;da\r\n"
)


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.output


def imported(store: Path) -> dict[str, Any]:
    members = store / "medlemmer.csv"
    members.write_text(MEMBERS, encoding="utf-8-sig")
    mapping = "Mobilnr. privat=phone,Født=birth_date"
    report: dict[str, Any] = run(
        "import", str(members), "--partner", "FOA Roskilde", "--municipality", "Roskilde",
        "--mapping", mapping, "--json",
    )  # fmt: skip
    return report


class TestImport:
    def test_mapping_and_json(self, store: Path) -> None:
        report = imported(store)
        assert report["imported"] == 3 and [r["line"] for r in report["rejected"]] == [4]

    def test_a_big_file_is_validated_by_a_pool(
        self, store: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pools = recorded_pools(monkeypatch)
        monkeypatch.setattr(validating, "POOL_FROM_ROWS", 0)  # this file is big enough
        report = imported(store)
        assert pools == [validating.POOL_WORKERS]
        assert report["imported"] == 3 and [r["line"] for r in report["rejected"]] == [4]

    def test_a_dry_run_shows_the_columns_and_rows_and_stores_nothing(self, store: Path) -> None:
        union = store / "3f.csv"
        union.write_bytes(
            (
                "Medlemsnr.;Fornavn;Efternavn;CPR-nr.;Mobil;Postnr.;By;Kommune\r\n"
                "1;Anne;Jensen;050570-1234;20 12 34 56;4000;Roskilde;Roskilde\r\n"
                "2;Bo;Berg;310270-1234;20 12 34 57;4000;Roskilde;Roskilde\r\n"
            ).encode("cp1252")
        )
        shown = run("import", str(union), "--partner", "3F Roskilde", "--dry-run", "--national")
        assert "Fornavn → name, Efternavn → name" in shown
        assert "Postnr. (not used" in shown and "Anne Jensen" in shown and "+4520123456" in shown
        assert "line 3: the CPR number has a date that does not exist (31.02)" in shown
        assert "050570" not in shown and "Dry run for 3F Roskilde (new, national)" in shown
        owner = ("--partner", "3F Roskilde", "--municipality", "265")
        checked = run("import", str(union), *owner, "--dry-run", "--json")
        assert checked["valid"] == 1 and checked["first_rows"][0]["cpr"] is True
        assert checked["partner_municipality"] == "Roskilde"
        report = run("import", str(union), *owner, "--json")
        assert report["imported"] == 1  # the dry runs stored nothing
        assert {"column": "Fornavn", "field": "name"} in report["columns"]

    def test_a_bad_mapping_is_a_clear_error(self, store: Path) -> None:
        (store / "m.csv").write_text(MEMBERS, encoding="utf-8")
        result = runner.invoke(
            app, ["import", str(store / "m.csv"), "--partner", "X", "--mapping", "phone"]
        )
        assert result.exit_code == 2 and "Header=field" in result.output


class TestCampaign:
    def test_from_draft_to_cancelled(self, store: Path) -> None:
        imported(store)
        template = store / "invitation.txt"
        template.write_text(
            "Hej {first_name}! {sender} inviterer dig til et gratis sundhedstjek. "
            "Svar JA eller NEJ. Skriv STOP for at afmelde.\n",
            encoding="utf-8",
        )
        created = run(
            "campaign", "create", "--name", "Sundhedstjek FOA", "--municipality", "265",
            "--partner", "FOA Roskilde", "--sender", "Roskilde Kommune", "--age", "40-60",
            "--education-priority", "kort", "--template-da", f"@{template}", "--window", "10-16",
            "--blackout", "2026-12-21:2027-01-03", "--blackout", "2027-02-15",
            "--daily-limit", "25", "--json",
        )  # fmt: skip
        campaign = str(created["id"])
        assert created["template_da"].startswith("Hej {first_name}!")
        assert created["blackouts"][1] == {"first_day": "2027-02-15", "last_day": "2027-02-15"}
        assert (created["window_start_hour"], created["window_end_hour"]) == (10, 16)
        preview = run("campaign", "preview", campaign, "--json")
        assert preview["targeted"] == 2 and preview["not_targeted"]["age_band"] == 1
        assert preview["list_size"] == 3
        assert "Roskilde Kommune" in preview["sample"][0]["text"]
        assert "Who campaign" in run("campaign", "preview", campaign)
        launched = run("campaign", "launch", campaign, "--json")
        assert launched["invitations"] == 2 and launched["status"] == "running"
        assert "paused" in run("campaign", "pause", campaign)
        assert "resumed" in run("campaign", "resume", campaign)
        assert run("campaign", "funnel", campaign, "--json")["counts"]["invited"] == 0
        assert "2 invitations not sent" in run("campaign", "cancel", campaign)
        assert run("campaign", "show", campaign, "--json")["status"] == "cancelled"
        assert [c["id"] for c in run("campaign", "list", "--json")] == [created["id"]]

    def test_errors_are_messages_not_tracebacks(self, store: Path) -> None:
        imported(store)
        missing = runner.invoke(app, ["campaign", "show", "99"])
        assert missing.exit_code == 1 and "no campaign 99" in missing.output
        bad = runner.invoke(
            app,
            ["campaign", "create", "--name", "x", "--municipality", "Roskilde",
             "--partner", "FOA Roskilde", "--sender", "Roskilde Kommune", "--age", "60-40"],
        )  # fmt: skip
        assert bad.exit_code == 2 and "age_min is above age_max" in bad.output
        created = run(
            "campaign", "create", "--name", "x", "--municipality", "Roskilde", "--partner",
            "FOA Roskilde", "--sender", "Roskilde Kommune", "--template-en", "Hi! Reply YES",
            "--json",
        )  # fmt: skip
        refused = runner.invoke(app, ["campaign", "preview", str(created["id"])])
        assert refused.exit_code == 2 and "how to stop" in refused.output
        missing_name = runner.invoke(app, ["campaign", "create", "--partner", "FOA Roskilde"])
        assert missing_name.exit_code == 2 and "--name" in missing_name.output
