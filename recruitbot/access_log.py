"""uvicorn's access log without citizen identifiers or secrets: pseudonyms, numbers, calendar
feed tokens and query values go.

An access line names the path, and a path can name a citizen (`/api/v1/citizens/c-…/export`),
so it would outlive an erasure in the log files. The filter rewrites the path of every
`uvicorn.access` record: a segment that is a pseudonym (`c-…`, `x-…`), holds a phone-like run of
digits or starts with `+` becomes `{ref}`, and every query value becomes `…`. A calendar feed's
path carries its only key (`/calendar/rbc_….ics`: whoever has it reads a staff member's
bookings, citizens' first names included), so that segment becomes `{token}.ics`, as does any
segment with the token's prefix. Numeric ids of campaigns, bookings and slots stay: they name no
person.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from booking.calendar_feed import TOKEN_PREFIX

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "{ref}"
SECRET = "{token}"
_FEEDS = "calendar"  # the segment before a feed's token (booking.lifecycle_endpoints)
_FEED_SUFFIX = ".ics"
_PSEUDONYM = re.compile(r"^[cx]-[A-Za-z0-9_-]+$")
_DIGITS = re.compile(r"\d{6,}")


def redact_path(path: str) -> str:
    """Return the path with identifying segments and every query value redacted."""
    route, mark, query = path.partition("?")
    parts = route.split("/")
    segments = [_segment(s, after=parts[i - 1] if i else "") for i, s in enumerate(parts)]
    redacted = "/".join(segments)
    if not mark:
        return redacted
    pairs = [f"{p.partition('=')[0]}=…" if "=" in p else "…" for p in query.split("&") if p]
    return f"{redacted}?{'&'.join(pairs)}"


def _segment(segment: str, *, after: str) -> str:
    plain = unquote(segment)
    if plain.startswith(TOKEN_PREFIX) or (unquote(after) == _FEEDS and plain):
        # A feed's secret, or whatever stands in its place (a mistyped one is near a secret).
        return SECRET + (_FEED_SUFFIX if plain.endswith(_FEED_SUFFIX) else "")
    if _PSEUDONYM.match(plain) or _DIGITS.search(plain.replace(" ", "")) or plain.startswith("+"):
        return REDACTED
    return segment


class RedactPaths(logging.Filter):
    """Rewrite the path of uvicorn's access records (args: client, method, path, version, code)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def install() -> None:
    """Put the filter on uvicorn's access logger, once (safe to call again)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactPaths) for f in logger.filters):
        logger.addFilter(RedactPaths())
