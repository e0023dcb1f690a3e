"""Tables for data-subject rights: the suppression list that outlives an erasure, daily jobs."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from store.types import utc_column as _utc


class Suppression(SQLModel, table=True):
    """A phone number that must never be invited again, kept only as a keyed hash.

    Written when a person is erased on request, or erased after opting out: a later import of
    the same number gets an opt-out at once, so an erasure never undoes a STOP.
    """

    id: int | None = Field(default=None, primary_key=True)
    phone_hash: str = Field(max_length=64, unique=True)  # Pseudonymizer.suppression_key
    reason: str = Field(max_length=32)  # "erased_on_request" | "opted_out"
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class DailyJob(SQLModel, table=True):
    """One run of a once-a-day job per local day; the primary key makes the claim exclusive."""

    __tablename__ = "daily_job"

    job: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    started_at: datetime = Field(sa_column=_utc(nullable=False))
