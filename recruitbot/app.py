"""The FastAPI application: health check now; webhooks and the admin API join it here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI
from sqlalchemy import text

from api.errors import install_error_handlers
from api.ratelimit import ApiRateLimiter
from booking import endpoints as booking_endpoints
from console.router import router as console_router
from monitoring import endpoints as report_endpoints
from outreach import endpoints as campaign_endpoints
from privacy import endpoints as privacy_endpoints
from recruitbot.runtime import Runtime
from scheduler.lock import SenderLock, SenderLockHeldError, acquire_sender_lock
from scheduler.ticker import start_background
from webhooks import telegram as telegram_webhooks
from webhooks import twilio as twilio_webhooks

log = structlog.get_logger(__name__)


def create_app(runtime: Runtime, *, run_scheduler: bool = False) -> FastAPI:
    """Build the app; with `run_scheduler` the ticker runs in the same process."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started = _start_scheduler(runtime) if run_scheduler else None
        yield
        if started is not None:
            scheduler, lock = started
            runtime.ticker.stopping.set()  # end the tick in hand after its current batch
            scheduler.shutdown(wait=True)
            runtime.ticker.stopping.clear()
            lock.release()

    app = FastAPI(
        title="recruitbot",
        version="0.1.0",
        summary="Targeted recruitment of citizens to municipal health checks by SMS and chat.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.rate_limiter = ApiRateLimiter.per_minute(
        per_key=runtime.settings.api_rate_per_minute,
        per_address=runtime.settings.api_rate_unauthenticated_per_minute,
        clock=lambda: runtime.clock.now().timestamp(),
    )
    install_error_handlers(app)
    # Routers of the vertical slices, one line each.
    app.include_router(campaign_endpoints.router)
    app.include_router(booking_endpoints.router)
    app.include_router(report_endpoints.router)
    app.include_router(privacy_endpoints.router)
    app.include_router(twilio_webhooks.router)
    app.include_router(telegram_webhooks.router)
    app.include_router(console_router)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Report that the service runs and reaches its database."""
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "database": runtime.engine.dialect.name}

    return app


def _start_scheduler(runtime: Runtime) -> tuple[BackgroundScheduler, SenderLock] | None:
    """Tick in this process, unless another process already sends for this SQLite file."""
    try:
        lock = acquire_sender_lock(runtime.settings.database_url)
    except SenderLockHeldError as held:
        # Serving goes on: the process holding the lock (a `recruitbot worker`) does the sending.
        log.warning(
            "scheduler.not_started",
            reason="another process holds the SQLite sender lock; serving without the scheduler",
            lock=str(held.path),
            holder=held.holder,
        )
        return None
    return start_background(runtime.ticker, seconds=runtime.settings.tick_seconds), lock


def create_api_app() -> FastAPI:
    """Build the app for one of several API worker processes: no scheduler, no migrations.

    uvicorn imports this by name (`recruitbot.app:create_api_app`, factory=True) in each worker;
    `recruitbot serve --workers N` has migrated the database before it starts them.
    """
    from recruitbot.logs import configure_logging
    from recruitbot.runtime import build_runtime
    from recruitbot.settings import get_settings

    settings = get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    return create_app(build_runtime(settings, migrate=False))
