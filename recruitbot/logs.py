"""Structured logs with dotted event names; no personal data is ever passed to them."""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import EventDict, WrappedLogger

from core.cpr import redact_cpr


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    # Looked up at each bind, so a replaced sys.stderr (tests, embedding) is always honoured.
    return structlog.PrintLogger(sys.stderr)


def _redacting(renderer: structlog.typing.Processor) -> structlog.typing.Processor:
    """Wrap the renderer so no CPR number, in any spelling, reaches a log line or traceback."""

    def render(logger: WrappedLogger, name: str, event: EventDict) -> str:
        return redact_cpr(str(renderer(logger, name, event)))

    return render


def configure_logging(*, level: str = "INFO", json: bool = False) -> None:
    """Set up structlog for the process."""
    # A traceback with local variables would print whatever a frame held: a member list's rows,
    # a CPR number being checked. Tracebacks are plain, without locals.
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redacting(renderer),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # Logs go to stderr: stdout belongs to the command's output (`--json`).
        logger_factory=_stderr_logger,
    )
