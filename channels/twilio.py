"""SMS through Twilio: the official SDK behind the Channel port, paced to the sender's MPS.

Twilio's errors become port errors here and nowhere else. Reasons never carry Twilio's own
message text, which may quote the recipient's number: only the code and our label for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

import requests
import structlog
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from channels.port import ChannelPermanentError, ChannelTemporaryError, OutgoingMessage, Receipt

log = structlog.get_logger(__name__)

TWILIO_API_BASE_URL = "https://api.twilio.com"
# Where Twilio posts delivery reports; the webhook router serves it.
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
# How many of a number's newest messages a lookup reads: far more than we send one person
# while an outcome is unknown (a lease, or a few back-off minutes).
LOOKUP_LIMIT = 50
# Twilio's clock and ours may differ a little; a lookup reaches back this much further.
CLOCK_SKEW = timedelta(minutes=2)

OPTED_OUT_CODE = 21610
UNREACHABLE_CODES = frozenset({30003, 30004, 30005, 30006})
# Too many requests, queue overflow, send rate exceeded: Twilio will take it later.
THROTTLED_CODES = frozenset({20429, 30001, 14107})

ERROR_LABELS: dict[int, str] = {
    14107: "send rate limit exceeded",
    20003: "authentication failed",
    20404: "resource not found",
    20429: "too many requests",
    21211: "invalid To",
    21408: "region not enabled",
    21602: "body required",
    21606: "From cannot send",
    21610: "recipient opted out (STOP)",
    21612: "cannot route to this number",
    21614: "To is not a mobile number",
    21617: "body too long",
    30001: "queue overflow",
    30002: "account suspended",
    30003: "unreachable destination handset",
    30004: "message blocked",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
    30007: "filtered by the carrier",
    30008: "unknown error",
}


class ErrorKind(Enum):
    """What a Twilio error code means for us."""

    OPTED_OUT = "opted_out"
    UNREACHABLE = "unreachable"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


def classify(code: int | None, *, http_status: int | None = None) -> ErrorKind:
    """Sort a Twilio error (code, and HTTP status when there was a request) into a kind."""
    if code == OPTED_OUT_CODE:
        return ErrorKind.OPTED_OUT
    if code in UNREACHABLE_CODES:
        return ErrorKind.UNREACHABLE
    if code in THROTTLED_CODES or http_status == 429:
        return ErrorKind.TEMPORARY
    if http_status is not None and http_status >= 500:
        return ErrorKind.TEMPORARY
    return ErrorKind.PERMANENT


def describe(code: int | None) -> str:
    """Say what went wrong in a form fit for `Message.error`: the code stays in it."""
    if code is None:
        return "twilio: no error code"
    text = f"twilio {code}: {ERROR_LABELS.get(code, 'error')}"
    if classify(code) is ErrorKind.UNREACHABLE:
        return f"unreachable: {text}"
    return text


def port_error(
    code: int | None, *, http_status: int | None
) -> ChannelTemporaryError | ChannelPermanentError:
    """Turn a Twilio error into the port's error."""
    kind = classify(code, http_status=http_status)
    if kind is ErrorKind.TEMPORARY:
        shown = code if code is not None else http_status
        return ChannelTemporaryError(f"twilio {shown}: {ERROR_LABELS.get(code or 0, 'try later')}")
    return ChannelPermanentError(
        describe(code if code is not None else http_status),
        opted_out=kind is ErrorKind.OPTED_OUT,
        unreachable=kind is ErrorKind.UNREACHABLE,
    )


class RateLimiter:
    """Space sends at least 1/rate seconds apart (a token bucket holding one token)."""

    def __init__(
        self,
        *,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a rate must be positive")
        self._interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next_free = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when the next send is allowed; reserve the slot under a lock, sleep outside."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_free)
            self._next_free = start + self._interval
        if start > now:
            self._sleep(start - now)


@dataclass(frozen=True)
class TwilioConfig:
    """What the channel needs to know of the Twilio account and of this service."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_: str | None = None
    messaging_service_sid: str | None = None
    public_base_url: str | None = None  # without it, no status callbacks are asked for
    api_base_url: str = TWILIO_API_BASE_URL
    mps: float = 10.0
    validity_period: int = 4 * 3600
    timeout: float = 10.0  # seconds for one request to Twilio

    def __post_init__(self) -> None:
        if not (self.from_ or self.messaging_service_sid):
            raise ValueError("Twilio needs a From number or a messaging service SID")
        if not 1 <= self.validity_period <= 36000:
            raise ValueError("Twilio's ValidityPeriod is 1 to 36000 seconds")


def make_client(config: TwilioConfig) -> Client:
    """Build the SDK client, talking to the configured API host."""
    client = Client(
        config.account_sid,
        config.auth_token,
        http_client=TwilioHttpClient(timeout=config.timeout),
    )
    # Our settings are the one source of configuration: no TWILIO_EDGE/REGION rewriting of the
    # host, and the API domain points wherever settings say (Twilio, or a local fake in tests).
    client.edge = None
    client.region = None
    client.api.base_url = config.api_base_url.rstrip("/")
    return client


class TwilioChannel:
    """Send SMS through Twilio's Messages API."""

    name: str = "twilio"

    def __init__(
        self,
        config: TwilioConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        client: Client | None = None,
    ) -> None:
        self._config = config
        self._limiter = RateLimiter(per_second=config.mps, clock=clock, sleep=sleep)
        self._client = client if client is not None else make_client(config)

    def send(self, message: OutgoingMessage) -> Receipt:
        """Hand the message to Twilio; raise a port error when Twilio does not take it."""
        self._limiter.wait()
        try:
            created = self._client.messages.create(**self._fields(message))
        except (TwilioRestException, TwilioServiceException) as error:
            code = _int_or_none(error.code)
            log.warning("twilio.send.refused", message_id=message.message_id, code=code)
            raise port_error(code, http_status=_int_or_none(error.status)) from error
        except (TwilioException, requests.RequestException) as error:
            # Not reached, timed out, dropped, or an answer we cannot read: try again later.
            log.warning(
                "twilio.send.unreachable", message_id=message.message_id, error=type(error).__name__
            )
            raise ChannelTemporaryError(f"twilio not reachable: {type(error).__name__}") from error
        return Receipt(provider_id=str(created.sid), status="sent")

    def accepted_like(self, message: OutgoingMessage, *, since: datetime) -> list[str]:
        """Ask Twilio which messages it accepted from us, to this number with this text, since then.

        What identifies a send is its recipient, text, direction and our sender (the number or
        the messaging service); a resource Twilio lists without `date_created` is kept, after
        the dated ones, rather than dropped: dropping it would send the message again.
        """
        self._limiter.wait()
        try:
            found = self._client.messages.list(to=message.address, limit=LOOKUP_LIMIT)
        except (TwilioException, requests.RequestException) as error:
            log.warning("twilio.lookup.failed", message_id=message.message_id)
            raise ChannelTemporaryError(f"twilio lookup failed: {type(error).__name__}") from error
        earliest = since - CLOCK_SKEW
        same = [
            resource
            for resource in found
            if self._ours(resource, message)
            and (resource.date_created is None or resource.date_created >= earliest)
        ]
        same.sort(key=lambda r: (r.date_created is None, r.date_created or earliest, str(r.sid)))
        return [str(resource.sid) for resource in same]

    def _ours(self, resource: MessageInstance, message: OutgoingMessage) -> bool:
        """Tell whether a listed message is this send: to, text, outbound, and from us."""
        if resource.body != message.text or (resource.to and resource.to != message.address):
            return False
        if resource.direction and not str(resource.direction).startswith("outbound"):
            return False
        service = self._config.messaging_service_sid
        if service and resource.messaging_service_sid:
            return bool(resource.messaging_service_sid == service)
        sender = self._config.from_
        return not (sender and resource.from_ and resource.from_ != sender)

    def status_callback(self, message_id: int) -> str | None:
        """Return the URL Twilio reports this message's delivery to."""
        base = self._config.public_base_url
        if not base:
            return None
        return f"{base.rstrip('/')}{STATUS_CALLBACK_PATH}?message_id={message_id}"

    def _validity(self, message: OutgoingMessage) -> int:
        """Keep a delayed message from arriving after its send window has closed."""
        if message.expires_in is None:
            return self._config.validity_period
        return max(1, min(self._config.validity_period, message.expires_in))

    def _fields(self, message: OutgoingMessage) -> dict[str, object]:
        fields: dict[str, object] = {
            "to": message.address,
            "body": message.text,
            "validity_period": self._validity(message),
        }
        if self._config.messaging_service_sid:
            fields["messaging_service_sid"] = self._config.messaging_service_sid
        if self._config.from_:
            fields["from_"] = self._config.from_
        callback = self.status_callback(message.message_id)
        if callback is not None:
            fields["status_callback"] = callback
        return fields


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None
