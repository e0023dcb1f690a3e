"""What a report covers: campaign, partner, channel, municipality and period.

The period is a range of local calendar days, both ends included, and means a different
moment for each report, because each counts different things:

* the funnel follows a cohort: the conversations whose invitation was sent in the period
  (`Conversation.created_at`, the moment the invitation was queued), and everything that
  came of them, even after the period ended;
* slot utilisation counts the slots that start in the period;
* the evaluation's tables count the health checks held in the period
  (`MonitoringRecord.health_check_date`).

The municipality, too, depends on the report: for the funnel and slots it is the
municipality that runs the campaign (and owns the locations); for the evaluation's tables it
is the citizen's municipality of residence, as the monitoring scheme records it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.calendar import COPENHAGEN

CHANNEL = re.compile(r"[a-z0-9_-]{1,16}")
# Dates outside this range are refused: nobody was recruited before, and far dates overflow
# the conversion between local days and UTC moments.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class FilterError(ValueError):
    """The filter cannot be applied as given."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFilter:
    """Which rows a report counts; None means no restriction on that dimension."""

    campaign_id: int | None = None
    partner_id: int | None = None
    partner_name: str | None = field(default=None, compare=False)  # for headings only
    channel: str | None = None
    municipality_code: str | None = None  # the official three-digit code
    period_from: date | None = None  # first day, included
    period_to: date | None = None  # last day, included
    tz: ZoneInfo = field(default=COPENHAGEN, compare=False)

    def __post_init__(self) -> None:
        if self.channel is not None and not CHANNEL.fullmatch(self.channel):
            raise FilterError("a channel is a short lower-case name, e.g. sms or telegram")
        for day in (self.period_from, self.period_to):
            if day is not None and not EARLIEST <= day <= LATEST:
                raise FilterError(f"dates must lie between {EARLIEST} and {LATEST}")
        if self.period_from and self.period_to and self.period_from > self.period_to:
            raise FilterError("the period's first day comes after its last day")

    @property
    def is_empty(self) -> bool:
        """Tell whether the filter restricts nothing."""
        return self == ReportFilter()

    def utc_bounds(self) -> tuple[datetime | None, datetime | None]:
        """Return the period as UTC moments: from the first local midnight, before the last."""
        start = _midnight(self.period_from, self.tz) if self.period_from else None
        end = _midnight(self.period_to + timedelta(days=1), self.tz) if self.period_to else None
        return start, end

    def with_(self, **changes: object) -> ReportFilter:
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self) -> dict[str, str | int | None]:
        """Return the filter as plain values, for a report's header."""
        return {
            "campaign": self.campaign_id,
            "partner": self.partner_name or self.partner_id,
            "channel": self.channel,
            "municipality": self.municipality_code,
            "from": self.period_from.isoformat() if self.period_from else None,
            "to": self.period_to.isoformat() if self.period_to else None,
        }


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return local midnight at the start of `day`, in UTC."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)
