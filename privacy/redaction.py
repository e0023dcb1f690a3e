"""Keep CPR numbers out of stored text: a citizen may write theirs in a reply."""

from __future__ import annotations

import re

from outreach.contacts.fields import parse_cpr

# Six digits, an optional dash or space, four digits; not part of a longer run of digits.
_CPR_SHAPED = re.compile(r"(?<!\d)\d{6}[- ]?\d{4}(?!\d)")
REDACTED = "[CPR-nummer fjernet]"


def redact_cpr(text: str) -> str:
    """Replace every valid CPR number in the text; other numbers are left as they are."""
    return _CPR_SHAPED.sub(lambda match: REDACTED if parse_cpr(match[0]) else match[0], text)
