"""The suppression list at import: a number erased after a STOP is opted out again at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session

from core.pseudonyms import Pseudonymizer
from privacy import repository

SOURCE = "suppression"  # OptOut.source of an opt-out the suppression list put back


def honour(
    *,
    session: Session,
    contacts: Iterable[tuple[int, str]],
    pseudonymizer: Pseudonymizer,
    now: datetime,
    keys: Mapping[str, str] | None = None,
) -> int:
    """Opt out the (contact id, phone) pairs whose number is suppressed; return how many.

    `keys` may hold some numbers' suppression keys already made (by phone number).
    """
    known = keys or {}
    by_key = {
        known.get(phone) or pseudonymizer.suppression_key(phone): (cid, phone)
        for cid, phone in contacts
    }
    found = repository.suppressed(session=session, keys=by_key)
    pairs = [by_key[key] for key in sorted(found)]
    fresh = [
        (cid, phone)
        for cid, phone in pairs
        if not repository.is_opted_out(session=session, contact_ids=[cid], addresses=[phone])
    ]
    repository.add_opt_outs(session=session, contacts=fresh, source=SOURCE, now=now)
    return len(fresh)
