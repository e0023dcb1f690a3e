"""The staff's outcome form, read into `booking.outcomes.Outcome`; the rules stay in booking.

The form checks only that each field can be read (a number is a number, a date a date).
Whether the outcome is allowed is for `booking.outcomes`: it names the field at fault
(`InvalidOutcomeError.field`), and the form says in Danish what that field needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from starlette.datastructures import FormData

from booking.outcomes import (
    MAX_NON_MUNICIPAL,
    MAX_NON_MUNICIPAL_CHARS,
    MAX_WAITING_DAYS,
    Outcome,
    one_month_after,
)
from store.models import MonitoringRecord

FIELDS = ("attended", "waiting_days", "follow_up_date", "referrals_non_municipal", "reason")
REASON_NEEDED = "Skriv kort, hvorfor udfaldet rettes (højst 200 tegn, ingen CPR-numre)."


@dataclass
class OutcomeForm:
    """The outcome as typed, and the problems found, by field."""

    values: dict[str, str | list[str]]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def read(form: FormData) -> OutcomeForm:
    """Take the form's fields as typed."""
    values: dict[str, str | list[str]] = {}
    for name in FIELDS:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    for name in ("referrals_municipal", "gp_advice", "further_course"):
        values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    return OutcomeForm(values=values)


def recorded(*, attended: bool, record: MonitoringRecord | None) -> OutcomeForm:
    """Return the form filled in with the outcome as recorded, to correct it."""
    values: dict[str, str | list[str]] = {
        "attended": "yes" if attended else "no",
        "waiting_days": "",
        "follow_up_date": "",
        "referrals_non_municipal": "",
        "reason": "",
        "referrals_municipal": [],
        "gp_advice": [],
        "further_course": [],
    }
    if record is not None:
        values["referrals_municipal"] = [c for c in record.referrals_municipal.split(",") if c]
        others = [o for o in record.referrals_non_municipal.split(",") if o]
        values["referrals_non_municipal"] = "\n".join(others)
        values["waiting_days"] = str(record.waiting_days) if record.waiting_days is not None else ""
        values["gp_advice"] = ["1"] if record.gp_advice else []
        values["further_course"] = ["1"] if record.further_course else []
        if record.follow_up_date:
            values["follow_up_date"] = record.follow_up_date.isoformat()
    return OutcomeForm(values=values)


def to_outcome(filled: OutcomeForm) -> Outcome | None:
    """Return the outcome to record, or None with what cannot be read noted on the form."""
    values = filled.values
    attended = values["attended"]
    if attended not in ("yes", "no"):
        filled.add("attended", "Vælg Mødt eller Udeblevet.")
    waiting = str(values["waiting_days"])
    if waiting and not (waiting.isdecimal() and len(waiting) <= 4):
        filled.add("waiting_days", "Skriv ventetiden som et helt antal dage.")
    follow_up = _day(filled)
    others = [line.strip() for line in str(values["referrals_non_municipal"]).splitlines()]
    if filled.errors:
        return None
    return Outcome(
        attended=attended == "yes",
        referrals_municipal=tuple(values["referrals_municipal"]),
        referrals_non_municipal=tuple(line for line in others if line),
        waiting_days=int(waiting) if waiting else None,
        gp_advice=bool(values["gp_advice"]),
        further_course=bool(values["further_course"]),
        follow_up_date=follow_up,
    )


def _day(filled: OutcomeForm) -> date | None:
    text = str(filled.values["follow_up_date"])
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        filled.add("follow_up_date", "Skriv datoen som 2026-12-15.")
        return None


def follow_up_range(*, conversation_day: date, today: date) -> tuple[date, date]:
    """Return the first and last day a follow-up can be agreed for (the one-month rule)."""
    return max(conversation_day + timedelta(days=1), today), one_month_after(conversation_day)


def refusal(name: str, *, conversation_day: date, today: date) -> str:
    """Say in Danish what a field refused by `booking.outcomes` needs."""
    first, last = follow_up_range(conversation_day=conversation_day, today=today)
    return {
        "attended": "Ved en udeblivelse skal henvisninger, lægeråd og opfølgning være tomme.",
        "referrals_municipal": "Vælg kun tilbud fra kommunens liste.",
        "referrals_non_municipal": f"Højst {MAX_NON_MUNICIPAL} tilbud, ét pr. linje, hvert på "
        f"højst {MAX_NON_MUNICIPAL_CHARS} tegn og uden komma.",
        "waiting_days": f"En ventetid hører til en henvisning og er 0-{MAX_WAITING_DAYS} dage.",
        "follow_up_date": "En opfølgning kræver et aftalt videre forløb og en dag fra "
        f"{first:%d.%m.%Y} til {last:%d.%m.%Y}: højst en måned efter samtalen.",
    }.get(name, "Værdien kan ikke bruges.")
