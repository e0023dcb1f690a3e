"""The FastAPI application: health check now; webhooks and the admin API join it here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from api.errors import install_error_handlers
from booking import endpoints as booking_endpoints
from console.router import router as console_router
from monitoring import endpoints as report_endpoints
from outreach import endpoints as campaign_endpoints
from recruitbot.runtime import Runtime
from scheduler.ticker import start_background
from webhooks import telegram as telegram_webhooks
from webhooks import twilio as twilio_webhooks


def create_app(runtime: Runtime, *, run_scheduler: bool = False) -> FastAPI:
    """Build the app; with `run_scheduler` the ticker runs in the same process."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        scheduler = (
            start_background(runtime.ticker, seconds=runtime.settings.tick_seconds)
            if run_scheduler
            else None
        )
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=True)

    app = FastAPI(
        title="recruitbot",
        version="0.1.0",
        summary="Targeted recruitment of citizens to municipal health checks by SMS and chat.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    # Routers of the vertical slices, one line each.
    app.include_router(campaign_endpoints.router)
    app.include_router(booking_endpoints.router)
    app.include_router(report_endpoints.router)
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
