"""Processes: `serve` (the API, with or without the scheduler) and `worker` (the scheduler).

In production several API workers run behind a reverse proxy and one or more `recruitbot worker`
processes tick the scheduler and the sender. On PostgreSQL the workers share the due rows through
FOR UPDATE SKIP LOCKED; on SQLite only one sender may run, held by a file lock (scheduler.lock).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import structlog
import typer

from core.settings import get_settings

if TYPE_CHECKING:
    from recruitbot.runtime import Runtime

# The exit code of a worker that found another sender on the same SQLite file.
LOCK_HELD_EXIT = 3
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

log = structlog.get_logger(__name__)


WORKER_HEALTHCHECK_SECONDS = 60


def proxy_options(trusted_proxies: str) -> dict[str, object]:
    """uvicorn's proxy settings: believe X-Forwarded-* only from the proxies named, by default none.

    uvicorn itself trusts X-Forwarded-For from 127.0.0.1 by default; rotating that header would
    then dodge the per-address rate limits of anyone connecting through a local process.
    """
    trusted = ",".join(p.strip() for p in trusted_proxies.split(",") if p.strip())
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="API worker processes; with more than one, no scheduler.")
    ] = 1,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Tick the scheduler in this process (default: yes with one worker).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the web app; with one worker the scheduler ticks in the same process."""
    import uvicorn

    from recruitbot.app import create_app
    from recruitbot.runtime import build_runtime

    in_process = workers == 1 if scheduler is None else scheduler
    if in_process and workers > 1:
        typer.echo(
            "With several API workers the scheduler runs in `recruitbot worker`, "
            "never inside them: drop --scheduler.",
            err=True,
        )
        raise typer.Exit(2)
    runtime = build_runtime(get_settings())  # migrates once, before any API worker starts
    proxies = proxy_options(runtime.settings.trusted_proxies)
    if workers == 1:
        app = create_app(runtime, run_scheduler=in_process)
        uvicorn.run(app, host=host, port=port, **proxies)  # type: ignore[arg-type]
        return
    runtime.engine.dispose()
    typer.echo(
        f"Serving with {workers} API workers and no scheduler: "
        "run `recruitbot worker` beside them.",
        err=True,
    )
    uvicorn.run(
        "recruitbot.app:create_api_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        # A worker re-imports this CLI before it can answer uvicorn's health check: 3 s of CPU,
        # 8-9 s on a loaded 2-core machine, past the default 5 s, after which uvicorn kills it
        # and starts another, which is killed the same way. A hung worker is still replaced.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **proxies,  # type: ignore[arg-type]
    )


def worker(
    once: Annotated[bool, typer.Option("--once", help="Tick once, then exit.")] = False,
) -> None:
    """Run the scheduler and the sender in the foreground; SIGTERM or Ctrl-C stops it.

    On SQLite a second worker on the same database refuses to start (exit code 3).
    """
    from recruitbot.runtime import build_runtime
    from scheduler.lock import SenderLockHeldError, acquire_sender_lock

    settings = get_settings()
    try:
        lock = acquire_sender_lock(settings.database_url)
    except SenderLockHeldError as held:
        typer.echo(
            f"Not started: {held}. On SQLite only one sender may run: stop the other "
            "`recruitbot worker` or `recruitbot serve`, or use PostgreSQL to run several.",
            err=True,
        )
        raise typer.Exit(LOCK_HELD_EXIT) from held
    try:
        runtime = build_runtime(settings)
        if once:
            report = runtime.ticker.tick()
            typer.echo(
                f"Ticked once: released {report.released}, invitations {report.invitations}, "
                f"reminders {report.reminders}, follow-ups {report.follow_ups}, "
                f"sent {report.sent}."
            )
            if report.sent == 0:
                typer.echo(_why_nothing(runtime))
            return
        _tick_until_stopped(runtime)
    finally:
        lock.release()


def _why_nothing(runtime: Runtime) -> str:
    """Say why a tick sent nothing, and when the next message goes."""
    from conversation.schedule import plan
    from recruitbot.cli.schedule import explain_nothing_sent
    from store.db import unit_of_work

    now = runtime.clock.now()
    with unit_of_work(runtime.engine) as session:
        planned = plan(session=session, window=runtime.window, now=now, days=31)
    return "Nothing sent: " + explain_nothing_sent(planned=planned, window=runtime.window, now=now)


def _tick_until_stopped(runtime: Runtime) -> None:
    """Tick every RECRUITBOT_TICK_SECONDS until a signal; finish the batch in hand, then stop."""
    from scheduler.ticker import start_background

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("worker.stopping", signal=signal.Signals(signum).name)
        runtime.ticker.stopping.set()
        stop.set()

    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    seconds = runtime.settings.tick_seconds
    background = start_background(runtime.ticker, seconds=seconds, at_once=True)
    typer.echo(
        f"recruitbot worker: ticking every {seconds:g} s on {runtime.engine.dialect.name}; "
        "stop with Ctrl-C or SIGTERM.",
        err=True,
    )
    try:
        stop.wait()
    finally:
        background.shutdown(wait=True)
        for number, handler in previous.items():
            signal.signal(number, handler)
    typer.echo("recruitbot worker: stopped.", err=True)
