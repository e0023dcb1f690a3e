"""A webhook waits for the store a few seconds at most, then asks the provider to send again.

Twilio gives up on an answer after 15 s and Telegram after a similar time, while a store that
another process holds (a long import on SQLite, a row lock on PostgreSQL) is otherwise waited on
for 30 s (`store.db.SQLITE_BUSY_TIMEOUT_MS`). Each webhook therefore opens its unit of work with
`WEBHOOK_BUSY_TIMEOUT_MS`: past it the transaction is rolled back, nothing of the request is
kept, and the answer is 503 with Retry-After. Twilio and Telegram both retry a 5xx with the
same message id or update id, which each webhook takes once.
"""

from __future__ import annotations

import structlog
from fastapi import Response

log = structlog.get_logger(__name__)

# How long a webhook waits for SQLite's write lock (PostgreSQL: lock_timeout): well inside the
# providers' own time-outs.
WEBHOOK_BUSY_TIMEOUT_MS = 3_000
BUSY_RETRY_AFTER = 5  # seconds
BUSY_RESPONSE: dict[int | str, dict[str, object]] = {
    503: {
        "description": "The store is busy: nothing was kept; the provider sends it again",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}


def busy_response(event: str) -> Response:
    """Log the refusal (no personal data) and answer 503 with Retry-After."""
    log.warning(event)
    return Response(status_code=503, headers={"Retry-After": str(BUSY_RETRY_AFTER)})
