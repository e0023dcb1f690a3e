"""A campaign's own send window: its hours inside the service's window, minus its blackouts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from core.calendar import SendWindow
from store.models import Campaign, CampaignBlackout

Blackout = tuple[date, date]  # first and last day, both inclusive


class EmptyWindowError(ValueError):
    """The campaign's hours do not overlap the service's send window."""


@dataclass(frozen=True)
class CampaignWindow(SendWindow):
    """A send window whose blackout days are not working days.

    Everything SendWindow derives from `is_working_day` (is_open, next_open, working_days)
    therefore skips the blackouts too.
    """

    blackouts: tuple[Blackout, ...] = ()

    def is_working_day(self, day: date) -> bool:
        """Tell whether `day` is a working day outside every blackout."""
        return not self.is_blacked_out(day) and super().is_working_day(day)

    def is_blacked_out(self, day: date) -> bool:
        """Tell whether `day` falls in one of the blackouts."""
        return any(first <= day <= last for first, last in self.blackouts)


def window_for(
    *, campaign: Campaign, blackouts: Sequence[Blackout], base: SendWindow
) -> CampaignWindow:
    """Intersect the campaign's hours with the service's window and add its blackouts."""
    start = max(campaign.window_start_hour, base.start_hour)
    end = min(campaign.window_end_hour, base.end_hour)
    if start >= end:
        raise EmptyWindowError(
            f"the campaign's hours {campaign.window_start_hour}-{campaign.window_end_hour} do not "
            f"overlap the service's send window {base.start_hour}-{base.end_hour}"
        )
    return CampaignWindow(
        start_hour=start,
        end_hour=end,
        tz=base.tz,
        working_days_only=base.working_days_only,
        blackouts=tuple(sorted(blackouts)),
    )


def blackouts_of(*, session: Session, campaign_id: int) -> list[Blackout]:
    """Return a campaign's blackout periods in date order."""
    rows = session.execute(
        select(col(CampaignBlackout.first_day), col(CampaignBlackout.last_day))
        .where(col(CampaignBlackout.campaign_id) == campaign_id)
        .order_by(col(CampaignBlackout.first_day))
    ).all()
    return [(first, last) for first, last in rows]


def load_window(*, session: Session, campaign: Campaign, base: SendWindow) -> CampaignWindow:
    """Return the campaign's window as stored."""
    assert campaign.id is not None
    blackouts = blackouts_of(session=session, campaign_id=campaign.id)
    return window_for(campaign=campaign, blackouts=blackouts, base=base)
