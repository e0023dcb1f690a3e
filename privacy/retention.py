"""The retention job: erase citizens whose data is past the retention period, once a day.

A citizen is past it when nothing has happened with them (listed, written to, answered, booked,
opted out) for `days` days and nothing is ahead (a booking to come, an invitation, reminder or
follow-up still to go out). Old rows that name no contact are swept too: messages from numbers
on no list, notices to staff, raw delivery reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from core.calendar import COPENHAGEN
from core.pseudonyms import Pseudonymizer
from privacy import repository
from privacy.erasing import ErasureReason, describe, erase_citizen
from privacy.erasure import purge_freed_space, sweep_unlinked
from store import audit
from store.db import unit_of_work

log = structlog.get_logger(__name__)

JOB = "retention"
ACTOR = "retention"  # who erased, in the audit log: the job itself
BATCH = 100  # citizens erased per transaction


@dataclass(frozen=True)
class RetentionReport:
    """What a run erased (or, dry, would erase); counts only."""

    cutoff: datetime
    citizens: int
    suppressed: int  # of those, how many had opted out and stay on the suppression list
    unlinked: dict[str, int] = field(default_factory=dict)  # rows that named no contact
    dry_run: bool = False


def run_retention(
    *, engine: Engine, now: datetime, days: int, pseudonymizer: Pseudonymizer, dry_run: bool = False
) -> RetentionReport:
    """Erase everyone past the period, a batch per transaction; dry, only count them."""
    cutoff = now - timedelta(days=days)
    with Session(engine) as session:
        due = repository.past_retention(session=session, cutoff=cutoff, now=now)
        if dry_run:
            opted_out = repository.count_opted_out(session=session, ids=due)
            return RetentionReport(cutoff, len(due), opted_out, dry_run=True)
    erased, suppressed = _erase(
        engine=engine, due=due, cutoff=cutoff, now=now, pseudonymizer=pseudonymizer
    )
    with unit_of_work(engine) as session:
        unlinked = _sweep(session=session, before=cutoff, pseudonymizer=pseudonymizer, now=now)
        audit.add_event(
            session=session,
            actor=ACTOR,
            action="retention.run",
            subject_type="retention",
            now=now,
            detail=f"{erased} citizens erased; also {describe(unlinked)}",
        )
    if erased or any(unlinked.values()):
        purge_freed_space(engine)
    log.info("privacy.retention_run", citizens=erased, suppressed=suppressed, **unlinked)
    return RetentionReport(cutoff, erased, suppressed, unlinked)


def _erase(
    *,
    engine: Engine,
    due: list[int],
    cutoff: datetime,
    now: datetime,
    pseudonymizer: Pseudonymizer,
) -> tuple[int, int]:
    """Erase the citizens due, a batch per transaction; return how many, and how many opted out."""
    erased = suppressed = 0
    for start in range(0, len(due), BATCH):
        with unit_of_work(engine) as session:
            # Checked again in the batch's transaction: someone may have written meanwhile.
            still = repository.past_retention(
                session=session, cutoff=cutoff, now=now, among=due[start : start + BATCH]
            )
            for contact in repository.contacts(session=session, ids=still):
                result = erase_citizen(
                    session=session,
                    contact=contact,
                    phone=None,
                    pseudonymizer=pseudonymizer,
                    actor=ACTOR,
                    now=now,
                    reason=ErasureReason.RETENTION,
                )
                suppressed += int(result.suppressed)
            erased += len(still)
    return erased, suppressed


def _sweep(
    *, session: Session, before: datetime, pseudonymizer: Pseudonymizer, now: datetime
) -> dict[str, int]:
    counts, numbers = sweep_unlinked(session=session, before=before)
    for number in numbers:
        repository.suppress(
            session=session, key=pseudonymizer.suppression_key(number), reason="opted_out", now=now
        )
    return counts


@dataclass
class RetentionJob:
    """The ticker's daily housekeeping: the first tick of each local day runs the retention.

    Several processes may tick one store; a row per day (`daily_job`) lets only one of them run.
    """

    days: int
    pseudonymizer: Pseudonymizer
    tz: ZoneInfo = COPENHAGEN
    _seen: date | None = field(default=None, init=False)  # this process's last claimed day

    def __call__(self, *, engine: Engine, now: datetime) -> None:
        """Run the retention unless it has run (here or elsewhere) today."""
        today = now.astimezone(self.tz).date()
        if self._seen == today:
            return
        with unit_of_work(engine) as session:
            claimed = repository.claim_day(session=session, job=JOB, day=today, now=now)
        self._seen = today
        if claimed:
            run_retention(engine=engine, now=now, days=self.days, pseudonymizer=self.pseudonymizer)
