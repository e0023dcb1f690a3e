"""The `recruitbot` command as a coordinator uses it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.settings import get_settings
from recruitbot.cli import app
from tests.waiting import wait_healthy

runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo run, whose database the other commands read."""
    out = tmp_path_factory.mktemp("cli-demo")
    env = {k: v for k, v in os.environ.items() if k != "RECRUITBOT_DATABASE_URL"}
    result = subprocess.run(
        [
            Path(sys.executable).parent / "recruitbot",
            "demo",
            "--contacts",
            "80",
            "--days",
            "12",
            "--out",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "invited" in result.stdout and "Outputs in" in result.stdout
    return out


def first_contact_phone(out: Path) -> str:
    """Find an invited member's number in the synthetic list, via the store."""
    from sqlalchemy import select
    from sqlmodel import Session, col

    from store.db import make_engine
    from store.models import Contact, Conversation

    engine = make_engine(f"sqlite:///{out / 'demo.db'}")
    with Session(engine) as session:
        phone = session.scalars(
            select(Contact.phone).join(
                Conversation, col(Conversation.contact_id) == col(Contact.id)
            )
        ).first()
    engine.dispose()
    assert phone is not None
    return phone


class TestDemoCommand:
    def test_writes_outputs(self, demo_db: Path) -> None:
        for name in ("funnel.json", "messages.csv", "contacts.csv", "report.html", "demo.db"):
            assert (demo_db / name).exists(), name


class TestMessagesCommand:
    def test_json(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{demo_db / 'demo.db'}")
        result = runner.invoke(app, ["messages", "--phone", first_contact_phone(demo_db), "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert rows and rows[0]["kind"] == "invitation"
        assert set(rows[0]) == {"time", "direction", "channel", "kind", "text", "status"}
        assert rows[0]["time"].endswith(("+01:00", "+02:00"))

    def test_unknown_number(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{demo_db / 'demo.db'}")
        result = runner.invoke(app, ["messages", "--phone", "+4529999999"])
        assert result.exit_code == 1
        assert "No contact" in result.output

    def test_bad_number_is_a_clear_error(self) -> None:
        result = runner.invoke(app, ["messages", "--phone", "12"])
        assert result.exit_code == 2
        assert "phone number" in result.output


class TestChatCommand:
    def test_play_a_citizen_to_a_booking(
        self, tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db = tmp_path / "chat.db"
        db.write_bytes((demo_db / "demo.db").read_bytes())
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{db}")
        result = runner.invoke(app, ["chat", "--phone", "+45 20 99 88 77"], input="ja\nnej\n1\n\n")
        assert result.exit_code == 0, result.output
        assert "sundhedstjek" in result.output.lower()
        assert "Du er booket" in result.output

    def test_empty_store_is_a_clear_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
        result = runner.invoke(app, ["chat", "--phone", "+4520998877"], input="\n")
        assert result.exit_code == 1
        assert "no store at" in result.output
        assert not (tmp_path / "empty.db").exists()  # a trial creates no store either


class TestImportCommand:
    def test_reports_bad_rows_and_imports_good_ones(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'import.db'}")
        members = tmp_path / "medlemmer.csv"
        members.write_text(
            "Navn;Mobil;Fødselsdato;Kommune\r\n"
            "Anne Jensen;20 12 34 56;01-05-1976;Roskilde\r\n"
            "Bo Hansen;12 34;02-06-1970;Roskilde\r\n"
            "Carl Berg;+45 31 22 33 44;03-07-1980;Roskilde Kommune\r\n",
            encoding="utf-8-sig",
        )
        args = [
            "import",
            str(members),
            "--partner",
            "FOA Roskilde",
            "--municipality",
            "265",
            "--json",
        ]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["imported"] == 2
        assert [r["line"] for r in report["rejected"]] == [3]
        again = json.loads(runner.invoke(app, args).stdout)
        assert again["imported"] == 0 and again["unchanged"] == 2


class TestServeCommand:
    def test_healthz(self, tmp_path: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "RECRUITBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
        server = subprocess.Popen(
            [Path(sys.executable).parent / "recruitbot", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            response = wait_healthy(port, "serve", alive=lambda: server.poll() is None)
            assert response.json() == {"status": "ok", "database": "sqlite"}
        finally:
            server.terminate()
            server.wait(timeout=10)
        assert date.today()  # the process stopped cleanly on SIGTERM
        assert server.returncode in (0, -15)
