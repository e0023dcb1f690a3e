"""`recruitbot campaign set`: a running campaign's pace, last day, blackouts and texts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlmodel import Session, col

from recruitbot.cli import app
from store.models import AuditEvent
from tests.outreach import test_cli
from tests.outreach.test_cli import imported, run, runner

store = test_cli.store  # the CLI's own database for each test, as the campaign CLI tests use
TEXT = (
    "Hej {first_name}! {sender} inviterer dig til et gratis sundhedstjek. "
    "Svar JA eller NEJ. Skriv STOP for at afmelde."
)


def _running(store: Path) -> str:
    imported(store)
    created = run(
        "campaign", "create", "--name", "Sundhedstjek FOA", "--municipality", "265",
        "--partner", "FOA Roskilde", "--sender", "Roskilde Kommune", "--template-da", TEXT,
        "--json",
    )  # fmt: skip
    run("campaign", "launch", str(created["id"]))
    return str(created["id"])


class TestCampaignSet:
    def test_a_running_campaign_changes_and_says_what(self, store: Path) -> None:
        campaign = _running(store)
        text = store / "ny.txt"
        text.write_text(TEXT.replace("Hej", "Kære"), encoding="utf-8")
        output = run(
            "campaign", "set", campaign, "--daily-limit", "30", "--ends", "2027-03-31",
            "--blackout", "2026-12-21:2027-01-03", "--template-da", f"@{text}",
        )  # fmt: skip
        assert "Changed: daily_limit, ends_on, blackouts, template_da." in output
        shown = run("campaign", "show", campaign, "--json")
        assert (shown["daily_limit"], shown["ends_on"]) == (30, "2027-03-31")
        assert shown["template_da"].startswith("Kære") and shown["status"] == "running"
        assert shown["blackouts"] == [{"first_day": "2026-12-21", "last_day": "2027-01-03"}]
        cleared = run("campaign", "set", campaign, "--ends", "none", "--no-blackouts", "--json")
        assert cleared["ends_on"] is None and cleared["blackouts"] == []
        engine = create_engine(f"sqlite:///{store / 'cli.db'}")
        with Session(engine) as session:
            actors = session.scalars(
                select(col(AuditEvent.actor)).where(col(AuditEvent.action) == "campaign.changed")
            ).all()
        engine.dispose()
        assert actors == ["cli", "cli"]

    def test_a_refused_text_or_day_is_a_message(self, store: Path) -> None:
        campaign = _running(store)
        refused = runner.invoke(app, ["campaign", "set", campaign, "--template-da", "Hej!"])
        assert refused.exit_code == 2 and "how to stop" in refused.output
        bad_day = runner.invoke(app, ["campaign", "set", campaign, "--ends", "31-03-2027"])
        assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output
        nothing = runner.invoke(app, ["campaign", "set", campaign])
        assert nothing.exit_code == 2 and "nothing to change" in nothing.output
        assert run("campaign", "show", campaign, "--json")["template_da"] == TEXT

    def test_a_draft_takes_the_same_options(self, store: Path) -> None:
        imported(store)
        created = run(
            "campaign", "create", "--name", "x", "--municipality", "265", "--partner",
            "FOA Roskilde", "--sender", "Roskilde Kommune", "--json",
        )  # fmt: skip
        changed = run("campaign", "set", str(created["id"]), "--daily-limit", "12", "--json")
        assert changed["daily_limit"] == 12 and changed["status"] == "draft"
