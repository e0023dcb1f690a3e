"""Forged and malformed webhooks: 403 or 4xx, never 5xx, and not one row written anywhere.

Every webhook (`/webhooks/twilio/sms`, `/webhooks/twilio/status`, `/webhooks/telegram`) gets
a table of forgeries: no signature or secret, an empty or wrong one, one made with another
key, one for a stale or forged URL, one for another path, one over other parameters. After each,
the row count of every table in the metadata is what it was. A request signed for the true
public URL validates however its Host and X-Forwarded-* headers are forged, both through
TestClient and through a real uvicorn server with `serve`'s proxy-header defaults; one signed
for the forged host is refused. Malformed bodies (not a form, too large, invalid UTF-8, NUL
bytes, not JSON) get a 4xx, never a 5xx.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel
from twilio.request_validator import RequestValidator

from core.clock import SimulatedClock
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.cli.worker import proxy_options
from recruitbot.runtime import Runtime, build_runtime
from tests.reliability import size
from tests.waiting import wait_started
from tests.webhooks.twilio_service import NOW, PUBLIC, SMS, STATUS, Service, invite, sid, sms

TOKEN = "the-twilio-auth-token-0123456789"
SECRET = "the-telegram-secret_0123456789"
TELEGRAM = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FORGED_HOST = {
    "Host": "evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Port": "8080",
    "X-Forwarded-For": "203.0.113.9",
    "Forwarded": "for=203.0.113.9;host=evil.example;proto=http",
}


def status_form(n: int) -> dict[str, str]:
    return {"MessageSid": sid(n), "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}


@dataclass(frozen=True)
class Forgery:
    """How a request lies: the header it carries, computed as the forger could."""

    name: str
    signature: str | None  # "sign:<url>", "token:<token>", a literal, or None for no header


def _twilio_forgeries(path: str) -> list[Forgery]:
    other = STATUS if path == SMS else SMS
    return [
        Forgery("no signature", None),
        Forgery("empty signature", ""),
        Forgery("garbage", "not-a-signature"),
        Forgery("base64 of the wrong length", "c2lnbmF0dXJl"),
        Forgery("another account's token", "token:another-token-0123456789"),
        Forgery("the stale public URL", f"sign:https://old.recruitbot.example.dk{path}"),
        Forgery("http instead of https", f"sign:{PUBLIC.replace('https', 'http')}{path}"),
        Forgery("the forged host", f"sign:http://evil.example{path}"),
        Forgery("another webhook's path", f"sign:{PUBLIC}{other}"),
        Forgery("a trailing slash", f"sign:{PUBLIC}{path}/"),
        Forgery("other parameters", "tampered"),
    ]


TELEGRAM_FORGERIES = [
    None,
    "",
    "wrong",
    SECRET.upper(),
    SECRET[:-1],
    SECRET + " ",
    SECRET + "x",
    " " + SECRET,
]


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    settings = Settings(
        database_url=database_url,
        channel="twilio",
        twilio_account_sid="AC" + "0123456789abcdef" * 2,
        twilio_auth_token=SecretStr(TOKEN),
        twilio_from="+4570203040",
        public_base_url=PUBLIC,
        telegram_secret_token=SecretStr(SECRET),
    )
    runtime = build_runtime(settings, clock=SimulatedClock(NOW), migrate=False)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def service(runtime: Runtime) -> Service:
    service = Service(
        runtime, TestClient(create_app(runtime), raise_server_exceptions=False), TOKEN
    )
    invite(service)  # rows in many tables, so an unchanged count means something
    return service


def rows(runtime: Runtime) -> dict[str, int]:
    """Count the rows of every table in the metadata."""
    with Session(runtime.engine) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in SQLModel.metadata.sorted_tables
        }


def _signature(forgery: Forgery, path: str, form: Mapping[str, str]) -> str | None:
    sign = forgery.signature
    if sign is None or (not sign.startswith(("sign:", "token:")) and sign != "tampered"):
        return sign
    if sign == "tampered":
        return RequestValidator(TOKEN).compute_signature(PUBLIC + path, {**form, "Body": "STOP"})
    if sign.startswith("token:"):
        return RequestValidator(sign[6:]).compute_signature(PUBLIC + path, dict(form))
    return RequestValidator(TOKEN).compute_signature(sign[5:], dict(form))


def _post_twilio(
    client: TestClient | httpx.Client,
    path: str,
    form: Mapping[str, str],
    signature: str | None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    sent = dict(headers or {})
    if signature is not None:
        sent["X-Twilio-Signature"] = signature
    return client.post(path, data=dict(form), headers=sent)


FORGED_TWILIO = [(path, f) for path in (SMS, STATUS) for f in _twilio_forgeries(path)]
COUNTED: list[int] = []  # forged requests sent, for the figure in the README


class TestForgedWebhooks:
    @pytest.mark.parametrize(("path", "forgery"), FORGED_TWILIO, ids=lambda v: str(v))
    def test_twilio_forgeries_are_403_and_write_nothing(
        self, service: Service, path: str, forgery: Forgery
    ) -> None:
        form = sms(1, body="ja") if path == SMS else status_form(1)
        before = rows(service.runtime)
        headers = FORGED_HOST if "host" in forgery.name else None
        for _ in range(size(1, 20)):
            answer = _post_twilio(
                service.client, path, form, _signature(forgery, path, form), headers
            )
            COUNTED.append(answer.status_code)
            assert answer.status_code == 403, (forgery.name, answer.text)
            assert answer.json()["error"]["code"] == "forbidden"
        assert rows(service.runtime) == before

    @pytest.mark.parametrize("secret", TELEGRAM_FORGERIES)
    def test_telegram_forgeries_are_403_and_write_nothing(
        self, service: Service, secret: str | None
    ) -> None:
        update = {
            "update_id": 700_000_001,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "text": "STOP",
            },
        }
        before = rows(service.runtime)
        headers = {} if secret is None else {SECRET_HEADER: secret}
        for _ in range(size(1, 20)):
            answer = service.client.post(TELEGRAM, json=update, headers=headers | FORGED_HOST)
            COUNTED.append(answer.status_code)
            assert answer.status_code == 403, answer.text
        assert rows(service.runtime) == before

    def test_a_twilio_signature_is_refused_on_telegram_and_back(self, service: Service) -> None:
        before = rows(service.runtime)
        form = sms(2)
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + SMS, form)
        crossed = service.client.post(
            TELEGRAM, json={"update_id": 1}, headers={"X-Twilio-Signature": signature}
        )
        assert crossed.status_code == 403
        back = service.client.post(SMS, data=form, headers={SECRET_HEADER: SECRET})
        assert back.status_code == 403
        assert rows(service.runtime) == before


class TestForgedHostHeaders:
    def test_signed_for_the_true_url_validates_through_testclient(self, service: Service) -> None:
        form = sms(3)
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + SMS, form)
        answer = _post_twilio(service.client, SMS, form, signature, FORGED_HOST)
        assert answer.status_code == 200, answer.text

    def test_through_a_real_uvicorn_server(self, service: Service) -> None:
        """Even were proxy headers believed, they would never reach the signature check."""
        with _uvicorn(service.runtime) as base, httpx.Client(base_url=base, timeout=10) as client:
            form = sms(4)
            true = RequestValidator(TOKEN).compute_signature(PUBLIC + SMS, form)
            forged_url = "http://evil.example/webhooks/twilio/sms"
            forged = RequestValidator(TOKEN).compute_signature(forged_url, form)
            before = rows(service.runtime)
            refused = _post_twilio(client, SMS, form, forged, FORGED_HOST)
            assert refused.status_code == 403
            assert rows(service.runtime) == before
            own_host = RequestValidator(TOKEN).compute_signature(base + SMS, form)
            assert _post_twilio(client, SMS, form, own_host).status_code == 403
            answer = _post_twilio(client, SMS, form, true, FORGED_HOST)
            assert answer.status_code == 200, answer.text
            answer = client.post(
                TELEGRAM, json={"update_id": 5}, headers=FORGED_HOST | {SECRET_HEADER: "x"}
            )
            assert answer.status_code == 403


class TestForwardedForIsNotBelieved:
    def test_rotating_it_does_not_dodge_the_keyless_limit(self, service: Service) -> None:
        """Through a real uvicorn as `serve` starts it, X-Forwarded-For picks no new address."""
        limit = service.runtime.settings.api_rate_unauthenticated_per_minute
        with _uvicorn(service.runtime) as base, httpx.Client(base_url=base, timeout=10) as client:
            codes = [
                client.get(
                    "/api/v1/campaigns", headers={"X-Forwarded-For": f"203.0.113.{n}"}
                ).status_code
                for n in range(limit + 3)
            ]
        assert codes == [401] * limit + [429] * 3


class TestMalformedBodies:
    @pytest.mark.parametrize("path", [SMS, STATUS])
    @pytest.mark.parametrize(
        ("body", "content_type"),
        [
            (b'{"MessageSid": "SM1", "From": "+4520123456"}', "application/json"),
            (b"\xff\xfe\x00\x01junk", "application/x-www-form-urlencoded"),
            (b"Body=" + b"x" * 70_000, "application/x-www-form-urlencoded"),
            (b"<xml>hej</xml>", "text/xml"),
            (b"%%%=%%%&&&", "application/x-www-form-urlencoded"),
        ],
        ids=["json", "invalid-utf8", "huge", "xml", "broken-escapes"],
    )
    def test_twilio_junk_bodies_are_4xx(
        self, service: Service, path: str, body: bytes, content_type: str
    ) -> None:
        before = rows(service.runtime)
        headers = {"Content-Type": content_type, "X-Twilio-Signature": "c2lnbmF0dXJl"}
        answer = service.client.post(path, content=body, headers=headers)
        assert 400 <= answer.status_code < 500, answer.text
        assert rows(service.runtime) == before

    @pytest.mark.parametrize("field", ["Body", "From", "MessageSid", "MessageStatus", "ErrorCode"])
    def test_signed_nul_bytes_are_4xx(self, service: Service, field: str) -> None:
        """Twilio never sends NUL; PostgreSQL cannot store it: a clear 400, not a 500."""
        for path in (SMS, STATUS):
            form = (sms(5) if path == SMS else status_form(5)) | {field: "ja\x00nej"}
            before = rows(service.runtime)
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)
            answer = _post_twilio(service.client, path, form, signature)
            assert 400 <= answer.status_code < 500, (path, field, answer.text)
            assert rows(service.runtime) == before

    @pytest.mark.parametrize(
        "body",
        [
            b"",
            b"{",
            b"\xff\xfe",
            b'{"update_id": 1, "message": {"text": "\x00"}}',
            b"update_id=1",
            b"[" * 50_000,
            b" " * 1_000_001,
        ],
        ids=["empty", "open-brace", "invalid-utf8", "raw-nul", "form", "deep", "huge"],
    )
    def test_telegram_junk_bodies_are_4xx(self, service: Service, body: bytes) -> None:
        before = rows(service.runtime)
        answer = service.client.post(TELEGRAM, content=body, headers={SECRET_HEADER: SECRET})
        assert 400 <= answer.status_code < 500, answer.text
        assert rows(service.runtime) == before

    def test_a_telegram_update_with_escaped_nul_is_not_a_5xx(self, service: Service) -> None:
        update: dict[str, Any] = {
            "update_id": 700_000_009,
            "message": {
                "message_id": 9,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "A\u0000"},
                "text": "hej\u0000STOP",
            },
        }
        answer = service.client.post(TELEGRAM, json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code < 500, answer.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _uvicorn:  # noqa: N801 (used as a context manager, like a function)
    """Serve the app on 127.0.0.1 with the proxy options `recruitbot serve` uses."""

    def __init__(self, runtime: Runtime) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            create_app(runtime),
            host="127.0.0.1",
            port=port,
            log_level="error",
            **proxy_options(runtime.settings.trusted_proxies),  # type: ignore[arg-type]
        )
        assert not config.proxy_headers  # what `serve` runs with by default
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        wait_started(self.server, self.thread, "uvicorn")
        return self.base

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
