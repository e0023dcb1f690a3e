"""Telegram's HTTP side: the webhook Telegram posts updates to, and the staff's linking codes.

The webhook is checked against the secret token given to setWebhook, in constant time, before
anything is read or written: missing or wrong → 403. A body that is not JSON is a 400 (it did
not come from Telegram); JSON that is not an update we can read is a 200 "unreadable", so that
Telegram does not retry it forever and hold back the updates after it. A store that stays busy
for more than a few seconds is a 503 with Retry-After and nothing kept: Telegram sends the same
update again, and it is processed once (`webhooks.busy`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

import structlog
from fastapi import APIRouter, BackgroundTasks, Depends, Header, Path, Request, Response
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from api.deps import CoordinatorDep, SessionDep
from api.routing import secured_router
from api.schemas import DB_INT_MAX
from core.errors import AppError, ForbiddenError, NotFoundError
from core.settings import Settings
from store import link_codes
from store.db import is_lock_timeout
from store.models import AuditEvent, StaffMember
from webhooks.busy import BUSY_RESPONSE, WEBHOOK_BUSY_TIMEOUT_MS, busy_response
from webhooks.telegram.common import TelegramSetup
from webhooks.telegram.handling import Handled, TelegramServices, follow_up, process_update

log = structlog.get_logger(__name__)

router = APIRouter()  # the app includes this one; it carries the staff router below
staff_router = secured_router(prefix="/staff", tags=["staff"])
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # bytes; a text update is a few kilobytes
StaffId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The staff member's id.")]


class ServicesWithSettings(TelegramServices, Protocol):
    settings: Settings


async def get_services(request: Request) -> ServicesWithSettings:
    """Return the runtime the app was built with."""
    services: ServicesWithSettings = request.app.state.runtime
    return services


ServicesDep = Annotated[ServicesWithSettings, Depends(get_services)]


def setup_from(settings: Settings) -> TelegramSetup:
    """Build the handlers' setup from settings."""
    return TelegramSetup(
        bot_username=settings.telegram_bot_username, console_url=settings.telegram_console_url
    )


def verify_secret(
    services: ServicesDep,
    secret: Annotated[str | None, Header(alias=SECRET_HEADER)] = None,
) -> None:
    """Let only Telegram in: the header must carry the secret token we gave setWebhook."""
    expected = services.settings.telegram_secret_token
    if expected is None:
        log.warning("telegram.webhook_not_configured")
        raise ForbiddenError("the Telegram webhook is not configured")
    if secret is None or not hmac.compare_digest(
        secret.encode(), expected.get_secret_value().encode()
    ):
        log.warning("telegram.webhook_bad_secret", present=secret is not None)
        raise ForbiddenError("wrong or missing secret token")


class WebhookAnswer(BaseModel):
    """What became of the update: processed, duplicate, ignored or unreadable."""

    ok: bool
    status: Literal["processed", "duplicate", "ignored", "unreadable"]


_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON, or far too large"},
    403: {"description": "X-Telegram-Bot-Api-Secret-Token missing or wrong, or not configured"},
    **BUSY_RESPONSE,
}
# Telegram posts an Update object (https://core.telegram.org/bots/api#update); read by hand.
_UPDATE_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"update_id": {"type": "integer"}},
                    "required": ["update_id"],
                }
            }
        }
    }
}


@router.post(
    "/webhooks/telegram",
    tags=["webhooks"],
    summary="Update from Telegram",
    dependencies=[Depends(verify_secret)],
    responses=_REFUSALS,
    response_model=WebhookAnswer,
    openapi_extra=_UPDATE_BODY,
)
async def telegram_webhook(
    request: Request, background: BackgroundTasks, services: ServicesDep
) -> WebhookAnswer | Response:
    """Receive one update from Telegram; a repeated update id is processed once."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise AppError("the body is too large for a Telegram update")
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        raise AppError("the body is not JSON") from error
    setup = setup_from(services.settings)
    try:
        handled = await run_in_threadpool(
            process_update,
            services=services,
            setup=setup,
            raw=raw,
            busy_timeout_ms=WEBHOOK_BUSY_TIMEOUT_MS,
        )
    except OperationalError as error:
        if not is_lock_timeout(error):
            raise
        return busy_response("telegram.webhook_busy")
    if handled.status == "processed":
        background.add_task(_follow_up, services=services, handled=handled)
    return WebhookAnswer(ok=True, status=handled.status)


async def _follow_up(*, services: TelegramServices, handled: Handled) -> None:
    """The Bot API calls in a worker thread; then wait, without a thread, for the courier."""
    sent = await run_in_threadpool(follow_up, services=services, handled=handled)
    await asyncio.gather(*(asyncio.wrap_future(future) for future in sent))


class TelegramCodePublic(BaseModel):
    """A one-time code a staff member sends the bot to link their Telegram."""

    code: str
    expires_at: datetime
    command: str  # what to send the bot
    link: str | None  # a t.me link that sends the command with one tap, if the bot is named


@staff_router.post("/{staff_id}/telegram-code", status_code=201)
def create_telegram_code(
    staff_id: StaffId, session: SessionDep, principal: CoordinatorDep, services: ServicesDep
) -> TelegramCodePublic:
    """Issue a code (valid 24 hours, once) that links a staff member's Telegram: `/start CODE`."""
    staff = session.get(StaffMember, staff_id)
    if staff is None or not principal.sees(staff.municipality_id):
        raise NotFoundError(f"staff member {staff_id} does not exist")
    now = services.clock.now()
    row, code = link_codes.issue(
        session=session,
        kind=link_codes.LinkKind.STAFF,
        target_id=staff_id,
        now=now,
        ttl=link_codes.STAFF_CODE_TTL,
    )
    session.add(
        AuditEvent(
            at=now,
            actor=f"api_key:{principal.key_id}",
            action="staff.telegram_code_issued",
            subject_type="staff_member",
            subject_id=staff_id,
        )
    )
    username = services.settings.telegram_bot_username
    return TelegramCodePublic(
        code=code,
        expires_at=row.expires_at,
        command=f"/start {code}",
        link=f"https://t.me/{username}?start={code}" if username else None,
    )


router.include_router(staff_router)
