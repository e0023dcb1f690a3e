"""Two hours of downtime: everything that fell due goes out once after the restart, in the window.

A world of booking reminders, follow-ups and invitation nudges, due every minute or so over an
afternoon. One service process ticks up to the outage and is SIGKILLed in the middle of a tick;
two simulated hours later a new process starts on the same database and ticks on. Each due row
must reach the channel exactly once, at the first tick after its due time at which the send
window is open: at the restart when the window is open then, at the next opening (Monday 09:00
after a Friday evening) when the outage ran past the window's close. A booking reminder whose
conversation has begun by then is skipped, not sent late.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.types import ConversationState, Step
from core.calendar import COPENHAGEN
from store.models import (
    Booking,
    Contact,
    Conversation,
    FollowUp,
    Message,
    Reminder,
    Slot,
    StaffMember,
)
from store.types import BookingStatus, ConversationStatus, DueStatus, ReminderKind
from tests.factories import WINDOW, World, local, make_world
from tests.reliability import size

REPO = Path(__file__).resolve().parents[2]
ROWS = size(200, 5_000)
OUTAGE = timedelta(hours=2)
KIND_OF_MESSAGE = {"booking": "reminder", "follow_up": "follow_up", "nudge": "invitation_reminder"}


@dataclass(frozen=True)
class Outage:
    """An afternoon of due work and two hours of it with no service running."""

    name: str
    day: date
    first_due: datetime  # the first row falls due then, the last at `last_due`
    last_due: datetime
    starts: datetime  # the process dies in the tick at this time
    until: datetime  # the restarted process ticks until then

    @property
    def ends(self) -> datetime:
        return self.starts + OUTAGE


TUESDAY, FRIDAY = date(2026, 11, 24), date(2026, 11, 27)
OUTAGES = [
    # 10:30-12:30: the window is open when the service comes back.
    Outage(
        "inside_the_window",
        TUESDAY,
        first_due=local(TUESDAY, 9),
        last_due=local(TUESDAY, 14),
        starts=local(TUESDAY, 10, 30),
        until=local(TUESDAY, 15),
    ),
    # Friday 16:30-18:30: the window closes at 18:00; what fell due waits for Monday 09:00.
    Outage(
        "past_the_close",
        FRIDAY,
        first_due=local(FRIDAY, 14),
        last_due=local(FRIDAY, 17, 59),
        starts=local(FRIDAY, 16, 30),
        until=local(date(2026, 11, 30), 10),
    ),
]


@dataclass(frozen=True)
class Due:
    """One row of due work and the conversation it belongs to."""

    kind: str  # "booking", "follow_up" or "nudge"
    row_id: int
    conversation_id: int
    due_at: datetime
    slot_starts: datetime | None = None  # for a booking reminder: when the conversation begins


def build_world(engine: Engine, outage: Outage, rows: int) -> list[Due]:
    """Spread `rows` due rows, of the three kinds in turn, evenly over the outage's afternoon."""
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, now=outage.first_due - timedelta(days=7), slot_days=3)
        world.campaign.status = "running"
        next_day = next(WINDOW.working_days(outage.day + timedelta(days=1)))
        span = outage.last_due - outage.first_due
        made: list[tuple[str, Reminder | FollowUp, Conversation, Slot | None]] = []
        for n in range(rows):
            due_at = outage.first_due + span * n / max(1, rows - 1)
            kind = ("booking", "follow_up", "nudge")[n % 3]
            # Booked conversations from 08:00 to 10:45 the next working day: a staff member
            # for each twelve of them.
            starts = local(next_day, 8) + timedelta(minutes=15 * (n // 3 % 12))
            if n % 36 == 0:
                staff = StaffMember(municipality_id=world.municipality.id or 0, name=f"S {n}")
                session.add(staff)
                session.flush()
            made.append(_one(session, world, staff, n, kind, due_at, starts))
        session.commit()
        return [
            Due(
                kind,
                row.id or 0,
                conversation.id or 0,
                row.due_at,
                slot.starts_at if slot is not None and kind == "booking" else None,
            )
            for kind, row, conversation, slot in made
        ]


def _one(
    session: Session,
    world: World,
    staff: StaffMember,
    n: int,
    kind: str,
    due_at: datetime,
    starts: datetime,
) -> tuple[str, Reminder | FollowUp, Conversation, Slot | None]:
    """A citizen in the state each kind of due work expects, with that row."""
    created = due_at - timedelta(days=7)
    contact = Contact(
        public_id=f"d-{n:06d}",
        name="Anne Jensen",
        phone=f"+4522{n:06d}",
        birth_date=date(1975, 3, 1),
        municipality_id=world.municipality.id,
        created_at=created,
        updated_at=created,
    )
    session.add(contact)
    session.flush()
    step = {"booking": Step.BOOKED, "follow_up": Step.CLOSED, "nudge": Step.INVITED}[kind]
    closed = kind == "follow_up"
    conversation = Conversation(
        contact_id=contact.id or 0,
        campaign_id=world.campaign.id or 0,
        channel="console",
        state=ConversationState(step=step, close_reason="attended" if closed else None).to_json(),
        status=ConversationStatus.CLOSED if closed else ConversationStatus.OPEN,
        close_reason="attended" if closed else None,
        created_at=created,
    )
    session.add(conversation)
    session.flush()
    assert conversation.id is not None
    if kind == "nudge":
        nudge = Reminder(
            kind=ReminderKind.INVITATION, conversation_id=conversation.id, due_at=due_at
        )
        session.add(nudge)
        session.flush()
        return kind, nudge, conversation, None
    slot = Slot(
        location_id=world.location.id or 0,
        staff_member_id=staff.id or 0,
        starts_at=starts if kind == "booking" else created + timedelta(days=1),
    )
    session.add(slot)
    session.flush()
    booking = Booking(
        slot_id=slot.id or 0,
        contact_id=contact.id or 0,
        conversation_id=conversation.id,
        status=BookingStatus.BOOKED if kind == "booking" else BookingStatus.ATTENDED,
        created_at=created,
    )
    session.add(booking)
    session.flush()
    assert booking.id is not None
    row: Reminder | FollowUp
    if kind == "booking":
        row = Reminder(
            kind=ReminderKind.BOOKING,
            conversation_id=conversation.id,
            booking_id=booking.id,
            due_at=due_at,
        )
    else:
        row = FollowUp(booking_id=booking.id, conversation_id=conversation.id, due_at=due_at)
    session.add(row)
    session.flush()
    return kind, row, conversation, slot


def run_service(
    url: str, start: datetime, until: datetime, log: Path, *, kill_at: datetime | None = None
) -> int:
    """Run the service process on a simulated clock; return its exit code."""
    command = [sys.executable, "-m", "tests.reliability.ticking", url, start.isoformat()]
    command += [until.isoformat(), str(log)]
    if kill_at is not None:
        command += ["--kill-at", kill_at.isoformat()]
    result = subprocess.run(
        command,
        cwd=REPO,
        env={**os.environ, "RECRUITBOT_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode in (0, -signal.SIGKILL), result.stderr[-3000:]
    return result.returncode


def expected_send(due: Due, ticks: list[datetime]) -> datetime:
    """The first completed tick at or after the due time with the send window open."""
    return next(t for t in ticks if t >= due.due_at and WINDOW.is_open(t))


@dataclass(frozen=True)
class ServiceLog:
    """What the two service processes wrote: the ticks they completed, the messages handed over."""

    ticks: list[datetime]
    handed: list[tuple[int, datetime]]
    processes: int

    @classmethod
    def read(cls, path: Path) -> ServiceLog:
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        return cls(
            ticks=[datetime.fromisoformat(line["tick"]) for line in lines if "tick" in line],
            handed=[
                (line["id"], datetime.fromisoformat(line["at"])) for line in lines if "id" in line
            ],
            processes=len({line["pid"] for line in lines}),
        )


@pytest.mark.parametrize("outage", OUTAGES, ids=[o.name for o in OUTAGES])
def test_due_work_goes_out_once_after_the_restart(
    engine: Engine, database_url: str, tmp_path: Path, outage: Outage
) -> None:
    rows = build_world(engine, outage, ROWS)
    path = tmp_path / "service.jsonl"
    died = run_service(database_url, outage.first_due, outage.starts, path, kill_at=outage.starts)
    assert died == -signal.SIGKILL
    assert run_service(database_url, outage.ends, outage.until, path) == 0
    log = ServiceLog.read(path)
    assert log.processes == 2
    assert max(t for t in log.ticks if t < outage.ends) < outage.starts, "ticked in the outage"

    last_before = max(t for t in log.ticks if t < outage.ends)
    in_outage = [r for r in rows if last_before < r.due_at <= outage.ends]
    skipped = check_each_row(engine, rows, log)
    assert len(log.handed) == len(set(log.handed)) == len(rows) - len(skipped)

    restart = min(t for t in log.ticks if t >= outage.ends and WINDOW.is_open(t))
    assert {expected_send(row, log.ticks) for row in in_outage} == {restart}
    if outage.name == "past_the_close":
        assert restart.astimezone(COPENHAGEN) == local(date(2026, 11, 30), 9)
        assert skipped and set(skipped) <= set(in_outage)
    else:
        assert restart == outage.ends and not skipped
    print(
        f"\n{outage.name}: {len(rows)} due rows, {len(in_outage)} due in the outage "
        f"({dict(Counter(r.kind for r in in_outage))}): {len(in_outage) - len(skipped)} sent once "
        f"at {restart.astimezone(COPENHAGEN):%a %H:%M}, {len(skipped)} booking reminders skipped "
        "(conversation begun), 0 twice, 0 missing"
    )


def check_each_row(engine: Engine, rows: list[Due], log: ServiceLog) -> list[Due]:
    """Check every row went out once, when expected, or was skipped; return the skipped ones."""
    sent_to: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    with Session(engine) as session:
        messages = {m.id: m for m in session.scalars(select(Message))}
        stored = _stored_rows(session)
    for message_id, at in log.handed:
        message = messages[message_id]
        assert message.conversation_id is not None
        sent_to[message.conversation_id].append((message.kind, at))
    skipped = []
    for row in rows:
        when = expected_send(row, log.ticks)
        status, done_at = stored[row.kind, row.row_id]
        assert done_at == when, (row, done_at, when)
        if row.slot_starts is not None and row.slot_starts <= when:
            assert status == DueStatus.SKIPPED and row.conversation_id not in sent_to, row
            skipped.append(row)
            continue
        assert status == DueStatus.DONE, row
        assert sent_to[row.conversation_id] == [(KIND_OF_MESSAGE[row.kind], when)], row
        assert WINDOW.is_open(when)
    return skipped


def _stored_rows(session: Session) -> dict[tuple[str, int], tuple[str, datetime | None]]:
    """Each due row's status and when it was handled, keyed like `Due`."""
    found: dict[tuple[str, int], tuple[str, datetime | None]] = {}
    for reminder in session.scalars(select(Reminder)):
        kind = "booking" if reminder.kind == ReminderKind.BOOKING else "nudge"
        if reminder.kind in (ReminderKind.BOOKING, ReminderKind.INVITATION):
            found[kind, reminder.id or 0] = (reminder.status, reminder.done_at)
    for follow_up in session.scalars(select(FollowUp)):
        found["follow_up", follow_up.id or 0] = (follow_up.status, follow_up.done_at)
    return found
