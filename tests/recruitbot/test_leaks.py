"""Smaller leaks: the API's description in production, the access log, a citizen's escapes."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from booking.calendar_feed import TOKEN_PREFIX
from conversation.intake import receive_text
from conversation.service import start
from core.clock import SimulatedClock
from core.settings import Settings, get_settings
from recruitbot.access_log import ACCESS_LOGGER, redact_path
from recruitbot.app import create_app
from recruitbot.cli import app as cli
from recruitbot.cli.terminal import printable
from recruitbot.cli.worker import proxy_options
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work
from tests.factories import DIALOGUE, MONDAY, add_contact, make_world
from tests.waiting import wait_started, wait_until

PHONE = "+4529871111"
FEED_TOKEN = TOKEN_PREFIX + secrets.token_urlsafe(32)  # no such feed: the 404 is logged too
HOSTILE = "hej\x1b[2J\x1b]0;pwned\x07 \x9b31m [bold]fed[/bold]\u202eevil\nfake row\x7f"


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = build_runtime(
        Settings(database_url=database_url), clock=SimulatedClock(MONDAY), migrate=False
    )
    yield built
    built.engine.dispose()


class TestApiDescription:
    PATHS = ("/docs", "/docs/swagger-ui/swagger-ui-bundle.js", "/openapi.json")

    def test_served_in_development(self, runtime: Runtime) -> None:
        client = TestClient(create_app(runtime))
        assert [client.get(p).status_code for p in self.PATHS] == [200, 200, 200]

    def test_off_in_production(self, runtime: Runtime) -> None:
        runtime.settings = runtime.settings.model_copy(update={"environment": "production"})
        client = TestClient(create_app(runtime))
        assert [client.get(p).status_code for p in self.PATHS] == [404, 404, 404]
        assert client.get("/healthz").status_code == 200


class TestAccessLog:
    def test_paths_lose_pseudonyms_numbers_and_query_values(self) -> None:
        assert redact_path("/api/v1/citizens/c-AbC_12-x/export") == "/api/v1/citizens/{ref}/export"
        assert redact_path("/api/v1/citizens/x-00ff") == "/api/v1/citizens/{ref}"
        assert redact_path("/x/%2B4520123456?phone=%2B45201&x=1") == "/x/{ref}?phone=…&x=…"
        assert redact_path("/api/v1/campaigns/12/launch") == "/api/v1/campaigns/12/launch"

    def test_a_calendar_feeds_secret_is_not_kept(self) -> None:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        assert redact_path(f"/calendar/{token}.ics") == "/calendar/{token}.ics"
        assert redact_path(f"/calendar/{token}.ics?x=1") == "/calendar/{token}.ics?x=…"
        assert redact_path(f"/calendar/{quote(token)}.ics") == "/calendar/{token}.ics"
        assert redact_path("/calendar/a-mistyped-secret.ics") == "/calendar/{token}.ics"
        assert redact_path(f"/elsewhere/{token}") == "/elsewhere/{token}"
        kept = "/api/v1/calendar-feeds/3/revoke"
        assert redact_path(kept) == kept, "a feed's id names nothing secret"

    def test_a_real_server_logs_no_pseudonym(self, runtime: Runtime) -> None:
        seen: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                seen.append(record.getMessage())

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        config = uvicorn.Config(
            create_app(runtime),
            host="127.0.0.1",
            port=port,
            log_level="info",
            **proxy_options(""),  # type: ignore[arg-type]
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_started(server, thread, "uvicorn")
        keep = Keep()
        logging.getLogger(ACCESS_LOGGER).addHandler(keep)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                client.get("/api/v1/citizens/c-Zq8xY3wPq1/export?phone=%2B4520123456")
                client.get(f"/calendar/{FEED_TOKEN}.ics")
            wait_until(lambda: len(seen) >= 2, "no access lines", alive=thread.is_alive)
        finally:
            logging.getLogger(ACCESS_LOGGER).removeHandler(keep)
            server.should_exit = True
            thread.join(timeout=10)
        line, feed = seen[:2]
        assert "/api/v1/citizens/{ref}/export?phone=…" in line
        assert "c-Zq8xY3wPq1" not in line and "4520123456" not in line
        assert '"GET /calendar/{token}.ics HTTP/1.1" 404' in feed
        assert FEED_TOKEN not in feed and FEED_TOKEN[4:] not in feed


class TestTerminalOutput:
    def test_printable_escapes_every_control(self) -> None:
        shown = printable(HOSTILE)
        assert all(c.isprintable() for c in shown)
        assert "\\x1b[2J" in shown and "\\x9b" in shown and "\\u202e" in shown
        assert "\\n" in shown and "\\x7f" in shown
        assert printable("Åse: ja tak 🙂") == "Åse: ja tak 🙂"

    def test_messages_escapes_a_citizens_reply(
        self, runtime: Runtime, database_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with unit_of_work(runtime.engine) as session:
            world = make_world(session)
            contact = add_contact(session, world, phone=PHONE)
            start(
                session=session,
                dialogue=DIALOGUE,
                contact=contact,
                campaign=world.campaign,
                now=MONDAY,
            )
            receive_text(
                session=session,
                dialogue=DIALOGUE,
                channel="console",
                address=PHONE,
                text=HOSTILE,
                provider_id="hostile-1",
                now=MONDAY,
            )
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
        get_settings.cache_clear()
        try:
            plain = CliRunner().invoke(cli, ["messages", "--phone", PHONE])
            as_json = CliRunner().invoke(cli, ["messages", "--phone", PHONE, "--json"])
        finally:
            get_settings.cache_clear()
        assert plain.exit_code == 0, plain.output
        for control in ("\x1b", "\x9b", "\u202e", "\x07", "\x7f"):
            assert control not in plain.output and control not in as_json.stdout
        assert "[bold]fed[/bold]" in plain.output, "markup shown as typed"
        assert "fake row" in plain.output and "\nfake row" not in plain.output
        [row] = [r for r in json.loads(as_json.stdout) if r["direction"] == "in"]
        assert row["text"] == HOSTILE, "the JSON still carries the text exactly"
