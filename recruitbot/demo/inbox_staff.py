"""Simulated staff work the inbox: a few rounds a working day, each item handled with a note.

A callback is a call made (the note says so); the demo reports how many items were handled and
how long they waited (clock hours, nights included) from the item to the person handling it,
and the same for callbacks alone (from the request to the call).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlmodel import Session

from booking.access import Scope
from core.calendar import SendWindow
from inbox import repository, service
from store.inbox import OPEN

ROUNDS = (time(9, 0), time(12, 0), time(15, 0))  # when the staff look at the inbox
ACTOR = "demo_staff"
NOTES = {
    "callback": "Ringet op og aftalt en tid (simuleret)",
    "unreadable": "Læst og ringet op (simuleret)",
    "question": "Spørgsmålet besvaret i telefonen (simuleret)",
}
DEFAULT_NOTE = "Set og fulgt op (simuleret)"


@dataclass
class InboxWork:
    """What the simulated staff did in the inbox."""

    handled: dict[str, int] = field(default_factory=dict)
    waits: list[timedelta] = field(default_factory=list)  # item opened to item handled
    callback_waits: list[timedelta] = field(default_factory=list)  # request to call
    last_round: datetime | None = None

    def summary(self) -> str:
        """One line for the demo's output: how many items were handled, and how fast."""
        total = sum(self.handled.values())
        if not total:
            return "Inbox: 0 items handled by staff; nothing needed a person."
        line = (
            f"Inbox: {total} items handled by staff, {_waited(self.waits)} "
            "(clock hours, nights included)"
        )
        if not self.callback_waits:
            return f"{line}; no callbacks requested."
        calls = len(self.callback_waits)
        return f"{line}; {calls} of them callbacks, called {_waited(self.callback_waits)}."


def _waited(waits: list[timedelta]) -> str:
    hours = [wait.total_seconds() / 3600 for wait in waits]
    return f"after {statistics.median(hours):.1f} h in the median and {max(hours):.1f} h at most"


def due_round(now: datetime, *, window: SendWindow, last: datetime | None) -> bool:
    """Tell whether the staff look at the inbox now (once per round of a working day)."""
    if not window.is_open(now):
        return False
    local = window.local(now)
    passed = [datetime.combine(local.date(), r, window.tz) for r in ROUNDS]
    started = [moment for moment in passed if moment <= local]
    return bool(started) and (last is None or last < started[-1])


def work_inbox(*, session: Session, now: datetime, work: InboxWork) -> None:
    """Handle every open item, as the municipality's staff would in one round."""
    work.last_round = now
    scope = Scope(actor=ACTOR)
    for view in repository.list_items(session=session, scope=scope, status=OPEN, limit=1000):
        item = view.item
        assert item.id is not None
        note = NOTES.get(item.kind, DEFAULT_NOTE)
        service.handle(session=session, scope=scope, item_id=item.id, note=note, now=now)
        work.handled[item.kind] = work.handled.get(item.kind, 0) + 1
        work.waits.append(now - item.created_at)
        if item.kind == "callback":
            work.callback_waits.append(now - item.created_at)
