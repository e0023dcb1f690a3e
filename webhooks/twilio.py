"""Twilio's webhooks: inbound SMS and delivery reports, each let in only with a valid signature.

The signature is checked against the configured public URL, never the Host or X-Forwarded-*
headers, which anyone can set. Nothing is read into the store before the check passes. Both
wait for a busy store a few seconds at most, then answer 503 for Twilio to send again
(`webhooks.busy`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Annotated, Protocol
from urllib.parse import parse_qsl

import structlog
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from api.deps import Services
from channels.twilio import STATUS_CALLBACK_PATH, ErrorKind, classify, describe
from conversation.intake import receive_text
from conversation.service import Dialogue
from core.errors import AppError, ForbiddenError
from core.phone import parse_sender
from delivery.reports import DeliveryReport, record_delivery
from store import outbox
from store.db import is_lock_timeout, unit_of_work
from store.types import MessageStatus
from webhooks.busy import BUSY_RESPONSE, WEBHOOK_BUSY_TIMEOUT_MS, busy_response

log = structlog.get_logger(__name__)

CHANNEL = "twilio"
SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = STATUS_CALLBACK_PATH
_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
_ERROR_CODE = re.compile(r"[0-9]{1,9}")
_MAX_BODY = 64 * 1024  # an SMS form is a few kB; anything larger is not Twilio

# Twilio's message statuses onto ours; a status not listed is kept raw and applied to nothing.
STATUS_MAP: dict[str, MessageStatus] = {
    "accepted": MessageStatus.SENT,  # ours: "accepted by the provider"
    "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "partially_delivered": MessageStatus.UNDELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.CANCELLED,
}


class BadWebhookError(AppError):
    """A signed request that still does not say what a Twilio webhook says."""

    status_code = 400
    code = "bad_webhook"


class TwilioWebhookSettings(Protocol):
    """The settings the signature check needs."""

    @property
    def twilio_auth_token(self) -> SecretStr | None: ...

    @property
    def public_base_url(self) -> str | None: ...


class ReplyCourier(Protocol):
    """Sends what is queued to one address soon, in its own threads (`delivery.courier`)."""

    def notify(self, *, address: str) -> Future[None]: ...


class WebhookServices(Services, Protocol):
    """The runtime, as these webhooks use it: the dialogue itself, which runs on inbound text,
    and the courier of its answers."""

    @property
    def dialogue(self) -> Dialogue: ...

    @property
    def courier(self) -> ReplyCourier: ...

    @property
    def settings(self) -> TwilioWebhookSettings: ...


async def get_webhook_services(request: Request) -> WebhookServices:
    """Return the runtime the app was built with (async: no worker thread for a lookup)."""
    services: WebhookServices = request.app.state.runtime
    return services


WebhookServicesDep = Annotated[WebhookServices, Depends(get_webhook_services)]


class TwilioForm(dict[str, list[str]]):
    """A webhook's form fields, repeats kept, readable by the SDK's RequestValidator."""

    def getlist(self, name: str) -> list[str]:
        return self[name]

    def first(self, name: str) -> str | None:
        values = self.get(name)
        return values[0] if values else None

    def required(self, name: str) -> str:
        value = self.first(name)
        if not value:
            raise BadWebhookError(f"the form field {name} is missing")
        return value

    def as_json(self) -> dict[str, object]:
        return {k: v[0] if len(v) == 1 else list(v) for k, v in self.items()}


async def read_body(request: Request) -> bytes:
    """Read the body, but no more of it than a Twilio webhook can be."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_BODY:
            raise BadWebhookError("the body is too large for a Twilio webhook")
    return bytes(body)


def parse_form(body: bytes) -> TwilioForm:
    """Read an application/x-www-form-urlencoded body; refuse what cannot be one."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadWebhookError("the body is not a form") from error
    form = TwilioForm()
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


def signed_url(*, public_base_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: the configured public address, our route, the query as sent."""
    url = public_base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signed_form(path: str) -> Callable[[Request, WebhookServices], Awaitable[TwilioForm]]:
    """Return a dependency that reads the form and lets it through only when Twilio signed it."""

    async def dependency(request: Request, services: WebhookServicesDep) -> TwilioForm:
        settings = services.settings
        token, base = settings.twilio_auth_token, settings.public_base_url
        if token is None or not token.get_secret_value() or not base:
            log.warning("twilio.webhook.not_configured", path=path)
            raise ForbiddenError("Twilio webhooks are not configured on this service")
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            raise ForbiddenError("the X-Twilio-Signature header is missing")
        form = parse_form(await read_body(request))
        query = request.scope.get("query_string", b"").decode("latin-1")
        url = signed_url(public_base_url=base, path=path, query=query)
        if not RequestValidator(token.get_secret_value()).validate(url, form, signature):
            log.warning("twilio.webhook.bad_signature", path=path)
            raise ForbiddenError("the X-Twilio-Signature does not match")
        if any("\x00" in text for name, values in form.items() for text in (name, *values)):
            # Twilio never sends one, and PostgreSQL cannot store it.
            raise BadWebhookError("the form has a NUL character")
        return form

    return dependency


def e164(raw: str) -> str:
    """Normalise a sender's number to E.164, or refuse it."""
    number = parse_sender(raw)
    if number is None:
        raise BadWebhookError("From is not a phone number")
    return number


def message_sid(form: TwilioForm) -> str:
    sid = form.required("MessageSid")
    if not _SID.fullmatch(sid):
        raise BadWebhookError("MessageSid is not a Twilio message SID")
    return sid


def error_code(form: TwilioForm) -> int | None:
    raw = form.first("ErrorCode")
    if not raw:
        return None
    if not _ERROR_CODE.fullmatch(raw):
        raise BadWebhookError("ErrorCode is not a number")
    return int(raw)


def delivery_report(form: TwilioForm, *, message_id: int | None) -> DeliveryReport:
    """Read a status callback into a provider-neutral report."""
    provider_status = form.required("MessageStatus").strip().lower()[:32]
    code = error_code(form)
    kind = classify(code) if code is not None else None
    return DeliveryReport(
        channel=CHANNEL,
        provider_id=message_sid(form),
        message_id=message_id,
        provider_status=provider_status,
        status=STATUS_MAP.get(provider_status),
        error_code=code,
        error=describe(code) if code is not None else None,
        opted_out=kind is ErrorKind.OPTED_OUT,
        unreachable=kind is ErrorKind.UNREACHABLE,
        raw=form.as_json(),
    )


def empty_twiml() -> Response:
    """Answer Twilio with nothing to do: replies go through the outbox, not the answer."""
    return Response(content=str(MessagingResponse()), media_type="text/xml")


def _documented(*fields: str) -> dict[str, object]:
    """Describe the form Twilio posts, which the signature check reads itself."""
    properties = {name: {"type": "string"} for name in fields}
    schema = {"type": "object", "properties": properties, "required": list(fields[:2])}
    return {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


_REFUSALS: dict[int | str, dict[str, object]] = {
    400: {"description": "Signed, but not a Twilio webhook (a field missing or malformed)"},
    403: {"description": "X-Twilio-Signature missing or wrong, or Twilio not configured"},
}
router = APIRouter(tags=["webhooks"], responses=_REFUSALS)


@router.post(
    SMS_PATH,
    response_class=Response,
    summary="Inbound SMS from Twilio",
    openapi_extra=_documented("MessageSid", "From", "Body", "To", "AccountSid"),
    responses={
        200: {"content": {"text/xml": {}}, "description": "Empty TwiML"},
        **BUSY_RESPONSE,
    },
)
def inbound_sms(
    form: Annotated[TwilioForm, Depends(signed_form(SMS_PATH))],
    services: WebhookServicesDep,
    background: BackgroundTasks,
) -> Response:
    """Take one SMS from a citizen, once per MessageSid, and run the dialogue on it.

    The answer is committed to the outbox with the inbound message, and the process's reply
    courier is told the address: it sends the answer at once from its own threads, so the
    citizen does not wait for the next tick, and an answer waiting for a rate-limit slot never
    holds a thread this endpoint needs for the next inbound SMS.

    Twilio waits 15 s for an answer. A SQLite file another process holds (or, on PostgreSQL, a
    lock another transaction holds) is waited on for `WEBHOOK_BUSY_TIMEOUT_MS` only; then the
    answer is 503 with Retry-After, nothing is stored (the transaction is rolled back), and
    Twilio's retry brings the same MessageSid again.
    """
    sid = message_sid(form)
    address = e164(form.required("From"))
    text = form.first("Body") or ""
    try:
        with unit_of_work(services.engine, busy_timeout_ms=WEBHOOK_BUSY_TIMEOUT_MS) as session:
            result = receive_text(
                session=session,
                dialogue=services.dialogue,
                channel=CHANNEL,
                address=address,
                text=text,
                provider_id=sid,
                now=services.clock.now(),
            )
            queued = outbox.queued_addresses(session)
    except OperationalError as error:
        if not is_lock_timeout(error):
            raise
        return busy_response("twilio.inbound_busy")
    log.info("twilio.inbound", duplicate=result.duplicate, replies=result.replies)
    # The answer, and any notice to a staff member's phone or chat (a booking, a call wanted).
    if queued:
        background.add_task(_sent, [services.courier.notify(address=a) for a in queued])
    return empty_twiml()


async def _sent(done: list[Future[None]]) -> None:
    """Wait, without a thread, for the courier to have tried: a server that shuts down
    gracefully lets the answers it was told about go out first."""
    await asyncio.gather(*(asyncio.wrap_future(future) for future in done))


@router.post(
    STATUS_PATH,
    status_code=204,
    summary="Delivery report from Twilio",
    openapi_extra=_documented("MessageSid", "MessageStatus", "ErrorCode", "To", "AccountSid"),
    responses=BUSY_RESPONSE,
)
def delivery_status(
    form: Annotated[TwilioForm, Depends(signed_form(STATUS_PATH))],
    services: WebhookServicesDep,
    message_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Keep the report and move the message's status forward.

    Like an inbound SMS, a busy store is waited on for `WEBHOOK_BUSY_TIMEOUT_MS` only; then
    the answer is 503 with Retry-After and nothing of the report is kept. Twilio retries a 5xx
    report; one it gives up on leaves the message at the status it had (sent), never wrong.
    """
    report = delivery_report(form, message_id=message_id)
    try:
        with unit_of_work(services.engine, busy_timeout_ms=WEBHOOK_BUSY_TIMEOUT_MS) as session:
            record_delivery(session=session, report=report, now=services.clock.now())
    except OperationalError as error:
        if not is_lock_timeout(error):
            raise
        return busy_response("twilio.status_busy")
    return Response(status_code=204)
