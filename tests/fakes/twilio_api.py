"""A local fake of Twilio's Messages API: a real HTTP server on 127.0.0.1 the real SDK talks to.

Stateful: it keeps every message it accepts. Strict: every request is checked against Twilio's
contract (`twilio_contract`); one that breaks it is answered 400 and recorded, and the fixture
fails the test at teardown. Scriptable: the next requests to create a message can be answered
with a Twilio error, answered late, or dropped without an answer.

A stdlib threading server, not uvicorn: dropping a connection without a response is a thing an
ASGI app cannot do.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakes.twilio_contract import MISSING_SPEC, TwilioContract, own_rules

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
MESSAGES = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
MESSAGE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$")
CONTRACT_BROKEN = 99999  # not a Twilio code: the fake's own "your request breaks the contract"


@dataclass(frozen=True)
class TwilioError:
    """Answer with Twilio's error JSON, e.g. 21610 with HTTP 400, or 20429 with HTTP 429."""

    code: int
    status: int = 400
    message: str = "error from the fake"


@dataclass(frozen=True)
class Delay:
    """Wait this long, then answer as usual (the message is created all the same)."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without an answer.

    With `accepted`, the message is created first: Twilio took it, and the answer was lost.
    """

    accepted: bool = False


Behaviour = TwilioError | Delay | Drop


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Mapping[str, Any] | None = None
    delay: float = 0.0
    drop: bool = False


@dataclass
class RecordedRequest:
    method: str
    path: str
    form: dict[str, list[str]]
    at: float = field(default_factory=time.time)  # wall clock: comparable across processes


@dataclass
class TwilioApiFake:
    """The fake's state and its answers; the HTTP server only carries bytes to and from it."""

    contract: TwilioContract | None
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    base_url: str = ""
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    forms: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # Twilio's own clock, for `date_created`; a test on simulated time sets it.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _script: deque[Behaviour] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def then(self, *behaviours: Behaviour) -> None:
        """Answer the next requests to create a message so, one behaviour each, in order."""
        with self._lock:
            self._script.extend(behaviours)

    def created(self) -> list[dict[str, list[str]]]:
        """The forms of the messages accepted, in order."""
        with self._lock:
            return list(self.forms.values())

    def require_contract(self) -> TwilioContract:
        """Return the contract, or skip the test that needs it, saying why."""
        if self.contract is None:
            pytest.skip(MISSING_SPEC)
        return self.contract

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request; header names in lower case."""
        path = urlsplit(target).path
        form = _form(body)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, form))
        if method == "POST" and (match := MESSAGES.fullmatch(path)):
            return self._create(match.group(1), headers, form)
        if method == "GET" and (match := MESSAGE.fullmatch(path)):
            return self._fetch(match.group(1), match.group(2), headers)
        if method == "GET" and (match := MESSAGES.fullmatch(path)):
            return self._list(match.group(1), headers, dict(parse_qsl(urlsplit(target).query)))
        return self._broken([f"{method} {path} is not an endpoint of the fake"], status=404)

    def _create(
        self, account: str, headers: Mapping[str, str], form: dict[str, list[str]]
    ) -> Reply:
        problems = own_rules(form)
        if self.contract is not None:
            content_type = headers.get("content-type", "")
            problems += self.contract.check_create(
                account_sid=account, content_type=content_type, form=form
            )
        if (refused := self._refused(problems, account, headers)) is not None:
            return refused
        behaviour = self._next()
        if isinstance(behaviour, Drop):
            if behaviour.accepted:
                self._store(account, form)
            return Reply(drop=True)
        if isinstance(behaviour, TwilioError):
            return _error(behaviour.code, behaviour.status, behaviour.message)
        resource = self._store(account, form)
        delay = behaviour.seconds if isinstance(behaviour, Delay) else 0.0
        return Reply(status=201, body=resource, delay=delay)

    def _fetch(self, account: str, sid: str, headers: Mapping[str, str]) -> Reply:
        problems = (
            [] if self.contract is None else self.contract.check_fetch(account_sid=account, sid=sid)
        )
        if (refused := self._refused(problems, account, headers)) is not None:
            return refused
        with self._lock:
            resource = self.messages.get(sid)
        if resource is None:
            return _error(20404, 404, "The requested resource was not found")
        return Reply(status=200, body=resource)

    def _list(self, account: str, headers: Mapping[str, str], query: dict[str, str]) -> Reply:
        """Read messages newest first, filtered by To and From, one page of PageSize."""
        problems = (
            []
            if self.contract is None
            else self.contract.check_list(account_sid=account, query=query)
        )
        if (refused := self._refused(problems, account, headers)) is not None:
            return refused
        with self._lock:
            found = [
                resource
                for resource in reversed(self.messages.values())
                if all(
                    resource[key.lower()] == query[key] for key in ("To", "From") if key in query
                )
            ]
        size = int(query.get("PageSize", "50"))
        uri = f"/2010-04-01/Accounts/{account}/Messages.json?PageSize={size}&Page=0"
        page = {
            "end": max(0, min(size, len(found)) - 1),
            "first_page_uri": uri,
            "next_page_uri": None,  # one page is all a lookup of ours reads
            "page": 0,
            "page_size": size,
            "previous_page_uri": None,
            "start": 0,
            "uri": uri,
            "messages": found[:size],
        }
        return Reply(status=200, body=page)

    def _refused(
        self, problems: list[str], account: str, headers: Mapping[str, str]
    ) -> Reply | None:
        if problems:
            return self._broken(problems)
        return self._auth(account, headers)

    def _auth(self, account: str, headers: Mapping[str, str]) -> Reply | None:
        """Check basic auth: required by the contract, and the right account and token."""
        header = headers.get("authorization", "")
        if not header.startswith("Basic "):
            return self._broken(["basic auth is required and missing"], status=401)
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return self._broken(["the Authorization header is not basic auth"], status=401)
        if user != self.account_sid or password != self.auth_token or account != user:
            return _error(20003, 401, "Authenticate")
        return None

    def _next(self) -> Behaviour | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _store(self, account: str, form: dict[str, list[str]]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(self.clock().astimezone(UTC), usegmt=True)
        first = {name: values[0] for name, values in form.items()}
        uri = f"/2010-04-01/Accounts/{account}/Messages/{sid}.json"
        resource: dict[str, Any] = {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": first.get("Body"),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": first.get("From"),
            "messaging_service_sid": first.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": first.get("To"),
            "uri": uri,
        }
        own = [] if self.contract is None else self.contract.check_resource(resource)
        with self._lock:
            self.violations += [f"the fake's own answer: {p}" for p in own]
            self.messages[sid] = resource
            self.forms[sid] = form
        return resource

    def _broken(self, problems: list[str], *, status: int = 400) -> Reply:
        with self._lock:
            self.violations.extend(problems)
        return _error(
            CONTRACT_BROKEN, status, "request breaks Twilio's contract: " + "; ".join(problems)
        )


def _form(body: bytes) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form


def _error(code: int, status: int, message: str) -> Reply:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Reply(status=status, body=body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: TwilioApiFake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits ~40 ms
    # for each answer's second half (delayed ACK). Twilio answers in one go.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if len(body) < length:
            # The client went away mid-request (a sender killed with SIGKILL): like Twilio, the
            # fake never acts on half a request, and it is no breach of the contract either.
            self.close_connection = True
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.fake.handle(method, self.path, headers, body)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True  # closed with nothing written: the client sees a drop
            return
        data = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the test output is not the place for request lines."""


@contextmanager
def running_fake(contract: TwilioContract | None = None) -> Iterator[TwilioApiFake]:
    """Serve a fresh fake on a free port of 127.0.0.1 until the block ends."""
    fake = TwilioApiFake(contract=contract if contract is not None else TwilioContract.load())
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def twilio_api() -> Iterator[TwilioApiFake]:
    """A running fake of Twilio's API; the test fails if any request broke the contract."""
    with running_fake() as fake:
        yield fake
    assert not fake.violations, "requests broke Twilio's contract:\n  " + "\n  ".join(
        fake.violations
    )
