"""The FastAPI application: health check now; webhooks and the admin API join it here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from api.errors import install_error_handlers
from api.ratelimit import ApiRateLimiter, SignInThrottle
from booking import endpoints as booking_endpoints
from booking import lifecycle_endpoints
from console.router import router as console_router
from inbox import endpoints as inbox_endpoints
from monitoring import endpoints as report_endpoints
from outreach import endpoints as campaign_endpoints
from privacy import endpoints as privacy_endpoints
from recruitbot import access_log
from recruitbot.runtime import Runtime
from scheduler.lock import SenderLock, SenderLockHeldError, acquire_sender_lock
from scheduler.ticker import start_background
from webhooks import twilio as twilio_webhooks
from webhooks.telegram import endpoint as telegram_webhooks

log = structlog.get_logger(__name__)


def create_app(runtime: Runtime, *, run_scheduler: bool = False) -> FastAPI:
    """Build the app; with `run_scheduler` the ticker runs in the same process."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        access_log.install()  # after uvicorn has set up its loggers
        started = _start_scheduler(runtime) if run_scheduler else None
        yield
        if started is not None:
            scheduler, lock = started
            runtime.ticker.stopping.set()  # end the tick in hand after its current batch
            scheduler.shutdown(wait=True)
            runtime.ticker.stopping.clear()
            lock.release()

    # In production the API's description (/docs, /openapi.json) is not served: it maps every
    # door to whoever asks. Run a development copy to read it.
    public_docs = runtime.settings.environment != "production"
    app = FastAPI(
        title="recruitbot",
        version="0.1.0",
        summary="Targeted recruitment of citizens to municipal health checks by SMS and chat.",
        lifespan=lifespan,
        docs_url=None,  # served by _serve_docs from local files instead of a CDN
        redoc_url=None,
        openapi_url="/openapi.json" if public_docs else None,
    )
    if public_docs:
        _serve_docs(app)
    access_log.install()
    app.state.runtime = runtime
    app.state.rate_limiter = ApiRateLimiter.per_minute(
        per_key=runtime.settings.api_rate_per_minute,
        per_address=runtime.settings.api_rate_unauthenticated_per_minute,
        clock=lambda: runtime.clock.now().timestamp(),
    )
    app.state.sign_in_throttle = SignInThrottle.per_minute(
        failures=runtime.settings.console_sign_in_failures_per_minute,
        clock=lambda: runtime.clock.now().timestamp(),
    )
    install_error_handlers(app)
    # Routers of the vertical slices, one line each.
    app.include_router(campaign_endpoints.router)
    app.include_router(booking_endpoints.router)
    app.include_router(lifecycle_endpoints.router)
    app.include_router(lifecycle_endpoints.feeds)
    app.include_router(report_endpoints.router)
    app.include_router(privacy_endpoints.router)
    app.include_router(inbox_endpoints.router)
    app.include_router(twilio_webhooks.router)
    app.include_router(telegram_webhooks.router)
    app.include_router(console_router)
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["operations"])
    return app


# The app's own endpoints are module functions that find the app in the request, not closures
# over it: FastAPI keeps the callables it has classified in a module-level cache (4,096 of
# them), and a closure there would keep its app, runtime and engine alive after they are done.


def healthz(request: Request) -> dict[str, str]:
    """Report that the service runs and reaches its database."""
    runtime: Runtime = request.app.state.runtime
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok", "database": runtime.engine.dialect.name}


DOCS_ASSETS = "/docs/swagger-ui"


def _serve_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs with its files from the installed package: it works offline.

    FastAPI's own /docs page loads Swagger UI from a CDN and shows nothing without the internet;
    ReDoc is left off, as no kept package ships it and Swagger UI shows the same description.
    """
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="swagger-ui")
    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)


def docs(request: Request) -> HTMLResponse:
    """Swagger UI, its files from this server."""
    root = str(request.scope.get("root_path", "")).rstrip("/")  # behind a path prefix
    assets = f"{root}{DOCS_ASSETS}"
    return get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json",
        title=f"{request.app.title} – API",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon-32x32.png",
        # No badge fetched from the public validator: nothing leaves the machine.
        swagger_ui_parameters={"validatorUrl": None},
    )


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
    from core.settings import get_settings
    from recruitbot.logs import configure_logging
    from recruitbot.runtime import build_runtime

    settings = get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    return create_app(build_runtime(settings, migrate=False))
