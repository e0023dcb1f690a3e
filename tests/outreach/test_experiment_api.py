"""An experiment through the API and the CLI: create, preview, launch, stop a variant, readout."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings, get_settings
from monitoring.suppression import HIDDEN
from recruitbot.app import create_app
from recruitbot.cli import app
from recruitbot.runtime import build_runtime
from tests.api.support import bearer, make_key
from tests.factories import MONDAY, add_contact, make_world

SHORT = "Gratis sundhedstjek hos {sender}? Svar JA. Skriv STOP for at afmelde."
ASK = "Vil du tjekke dit helbred gratis med {sender}? Svar JA. Skriv STOP for at afmelde."
BODY = {
    "name": "Forsøg",
    "partners": ["FOA Roskilde"],
    "sender": "Roskilde Kommune",
    "variants": [{"label": "kort", "template_da": SHORT}, {"label": "spørg", "template_da": ASK}],
    "variant_seed": 8,
}
runner = CliRunner()


@pytest.fixture
def world_url(database_url: str) -> str:
    runtime = build_runtime(Settings(database_url=database_url), migrate=False)
    with Session(runtime.engine) as session:
        world = make_world(session)
        for n in range(12):
            add_contact(session, world, phone=f"+4522{n:06d}", name=f"Anne{n} Jensen")
        session.commit()
    runtime.engine.dispose()
    return database_url


@pytest.fixture
def client(world_url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    runtime = build_runtime(
        Settings(database_url=world_url), clock=SimulatedClock(MONDAY), migrate=False
    )
    keys = {
        "roskilde": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Roskilde"),
        "lejre": make_key(runtime.engine, role=Role.EVALUATOR, municipality="Lejre"),
        "evaluator": make_key(runtime.engine, role=Role.EVALUATOR, municipality="Roskilde"),
    }
    yield (
        TestClient(create_app(runtime), raise_server_exceptions=False),
        {name: bearer(key) for name, key in keys.items()},
    )
    runtime.engine.dispose()


class TestApi:
    def test_create_preview_launch_stop_and_read_out(
        self, client: tuple[TestClient, dict[str, dict[str, str]]]
    ) -> None:
        http, keys = client
        created = http.post("/api/v1/campaigns", json=BODY, headers=keys["roskilde"])
        assert created.status_code == 201, created.text
        campaign = created.json()
        assert [v["key"] for v in campaign["variants"]] == ["A", "B"]
        base = f"/api/v1/campaigns/{campaign['id']}"
        shown = http.post(f"{base}/preview", headers=keys["roskilde"]).json()
        assert [v["label"] for v in shown["variants"]] == ["kort", "spørg"]
        assert shown["variants"][1]["sample"][0]["text"].startswith("Vil du tjekke")
        early = http.post(f"{base}/variants/A/stop", headers=keys["roskilde"])
        assert early.status_code == 409
        assert http.post(f"{base}/launch", headers=keys["roskilde"]).status_code == 200
        stopped = http.post(f"{base}/variants/a/stop", headers=keys["roskilde"])
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["variants"][0]["stopped_at"] is not None
        assert http.post(f"{base}/variants/B/stop", headers=keys["roskilde"]).status_code == 409
        assert http.post(f"{base}/variants/E/stop", headers=keys["roskilde"]).status_code == 422
        report = f"/api/v1/reports/experiment/{campaign['id']}"
        body = http.get(report, headers=keys["evaluator"]).json()
        assert body["verdict"] == "too_few" and body["seed"] == 8
        assert [arm["invited"] for arm in body["arms"]] == ["0", "0"]
        rows = list(
            csv.reader(
                io.StringIO(http.get(f"{report}?format=csv", headers=keys["evaluator"]).text)
            )
        )
        assert rows[0] == ["variant", "measure", "value"] and ["", "verdict", "too_few"] in rows
        assert http.get(report, headers=keys["lejre"]).status_code == 404

    def test_a_variant_breaking_a_rule_is_refused_at_creation(
        self, client: tuple[TestClient, dict[str, dict[str, str]]]
    ) -> None:
        http, keys = client
        bad = BODY | {"variants": [{"template_da": SHORT}, {"template_da": "Ring til os!"}]}
        refused = http.post("/api/v1/campaigns", json=bad, headers=keys["roskilde"])
        assert refused.status_code in (400, 422)
        assert "variant B" in refused.text and "STOP" in refused.text
        one = BODY | {"variants": [{"template_da": SHORT}]}
        assert http.post("/api/v1/campaigns", json=one, headers=keys["roskilde"]).status_code == 422


class TestCli:
    @pytest.fixture
    def cli(self, world_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", world_url)
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def test_create_launch_stop_and_report(self, cli: None, tmp_path: Path) -> None:
        variants = tmp_path / "variants.json"
        variants.write_text(json.dumps(BODY["variants"]), encoding="utf-8")
        made = runner.invoke(
            app,
            [
                "campaign", "create", "--name", "Forsøg", "--municipality", "265",
                "--partner", "FOA Roskilde", "--sender", "Roskilde Kommune",
                "--variants", str(variants), "--variant-seed", "3", "--json",
            ],
        )  # fmt: skip
        assert made.exit_code == 0, made.output
        campaign = str(json.loads(made.stdout)["id"])
        preview = runner.invoke(app, ["campaign", "preview", campaign])
        assert "Variant A" in preview.stdout and "Variant B" in preview.stdout
        assert runner.invoke(app, ["campaign", "launch", campaign]).exit_code == 0
        stopped = runner.invoke(app, ["campaign", "stop-variant", campaign, "b"])
        assert stopped.exit_code == 0, stopped.output
        assert "Variant B" in stopped.stdout and "is stopped" in stopped.stdout
        again = runner.invoke(app, ["campaign", "stop-variant", campaign, "A"])
        assert again.exit_code == 2 and "last running" in again.output
        report = runner.invoke(app, ["report", "experiment", campaign])
        assert report.exit_code == 0, report.output
        body = json.loads(report.stdout)
        assert body["arms"][1]["stopped_at"] is not None
        assert body["sentence_da"].startswith("Endnu for få svar til at skelne")
        assert body["arms"][0]["booked"] in ("0", HIDDEN)
        out = tmp_path / "experiment.csv"
        written = runner.invoke(
            app, ["report", "experiment", campaign, "--format", "csv", "--out", str(out)]
        )
        assert written.exit_code == 0 and out.read_text(encoding="utf-8").startswith("variant,")
        missing = runner.invoke(app, ["report", "experiment", "999"])
        assert missing.exit_code == 1
