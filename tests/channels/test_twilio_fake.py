"""The fake Twilio behaves as a server would when a client dies mid-request."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx

from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, TwilioApiFake

MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_half_a_request_is_dropped_without_a_violation(twilio_api: TwilioApiFake) -> None:
    address = urlsplit(twilio_api.base_url)
    with socket.create_connection((address.hostname or "", address.port or 0)) as raw:
        raw.sendall(
            f"POST {MESSAGES} HTTP/1.1\r\nHost: fake\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 120\r\n\r\n"
            "To=%2B4520000001&Bo".encode()
        )
        raw.shutdown(socket.SHUT_WR)  # the sender is gone: the rest of the body never comes
        assert raw.recv(1024) == b"", "closed with no answer"
    assert twilio_api.violations == [] and twilio_api.messages == {}
    whole = httpx.post(
        twilio_api.base_url + MESSAGES,
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        data={"To": "+4520000001", "From": "+4552000000", "Body": "Hej"},
    )
    assert whole.status_code == 201, whole.text
    assert twilio_api.violations == [] and len(twilio_api.messages) == 1
