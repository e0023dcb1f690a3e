"""`recruitbot report funnel|tables` on the test's database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from core.settings import get_settings
from monitoring.suppression import HIDDEN
from recruitbot.cli import app
from tests.monitoring.rows import Rows, record

runner = CliRunner()
HOUR = timedelta(hours=1)


@pytest.fixture
def database(database_url: str, session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Seven invited in Roskilde, three of them booked; health checks; the campaign's id."""
    rows = Rows(session)
    campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
    for n in range(7):
        conversation = rows.invite(campaign=campaign, replied_after=HOUR * n)
        if n < 3:
            rows.book(conversation=conversation, after=HOUR * 10, status="attended")
    for _ in range(9):
        record(session, campaign_id=campaign.id, partner_id=rows.foa.id, municipal="motion")
    record(session, age=70, campaign_id=campaign.id)
    session.commit()
    session.close()
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    assert campaign.id is not None
    yield campaign.id
    get_settings.cache_clear()


class TestReportFunnel:
    def test_json_on_stdout(self, database: int) -> None:
        result = runner.invoke(app, ["report", "funnel"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["counts"]["invited"] == "7"
        assert body["counts"]["booked"] == HIDDEN
        assert body["conversions"]["booked"] is None
        assert body["median_hours_to_reply"] == 3.0

    def test_csv_to_a_file(self, database: int, tmp_path: Path) -> None:
        out = tmp_path / "funnel.csv"
        result = runner.invoke(
            app,
            [
                "report",
                "funnel",
                "--format",
                "csv",
                "--campaign",
                str(database),
                "--partner",
                "FOA Roskilde",
                "--channel",
                "sms",
                "--municipality",
                "Roskilde",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        values = dict(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
        assert values["invited"] == "7"
        assert values["attended"] == HIDDEN

    def test_unknown_campaign_exits_with_the_reason(self, database: int) -> None:
        result = runner.invoke(app, ["report", "funnel", "--campaign", "999"])
        assert result.exit_code == 2
        assert "no campaign 999" in result.output

    def test_bad_date_is_refused(self, database: int) -> None:
        result = runner.invoke(app, ["report", "funnel", "--from", "1. marts"])
        assert result.exit_code == 2


class TestReportTables:
    def test_json_with_a_goal(self, database: int) -> None:
        result = runner.invoke(app, ["report", "tables", "--municipality", "265", "--goal", "45"])
        assert result.exit_code == 0, result.output
        (roskilde,) = json.loads(result.stdout)["municipalities"]
        assert roskilde["outcomes"]["health_checks"] == "10"
        # One aged 70 is hidden, so is what would give it away: the 40-60 total among them.
        assert roskilde["recruited_against_goal"] == {
            "goal": 45,
            "recruited": HIDDEN,
            "share": None,
        }

    def test_csv(self, database: int) -> None:
        result = runner.invoke(app, ["report", "tables", "--format", "csv", "--channel", "sms"])
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows[0]["municipality"] == "Roskilde"
        cells = {(r["row"], r["column"]): r["value"] for r in rows if r["table"] != "outcomes"}
        assert cells["61+", "kort"] == HIDDEN
        assert cells["goal", "value"] == ""

    def test_a_bare_goal_needs_one_municipality(self, database: int) -> None:
        result = runner.invoke(app, ["report", "tables", "--goal", "45"])
        assert result.exit_code == 2
        assert "MUNICIPALITY=N" in result.output
