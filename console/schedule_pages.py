"""What will be sent, when: the plan `recruitbot schedule` prints, as a page for coordinators.

`/console/schedule` shows every campaign the key may see (a municipality's key: its own
campaigns; a national key: all, and the messages that belong to no campaign);
`/console/campaigns/{id}/schedule` one campaign, looked up as its page looks it up, so another
municipality's is "not found". Both read `conversation.schedule.plan`, the same plan as the CLI
and `worker --once`: counts and times only, no name, number or text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Query, Request, Response
from sqlmodel import Session

from api.deps import Services, ServicesDep
from console import formatting, labels
from console.auth import CoordinatorUser, DbDep
from console.campaign_pages import CampaignId, visible
from console.routing import console_router
from console.sessions import ConsoleUser
from console.templating import page
from conversation.schedule import Hold, Planned, in_order, plan
from outreach import campaign_setup
from store.models import Campaign
from store.types import CampaignStatus

router = console_router()
DAY_CHOICES = (7, 14, 30)
MAX_DAYS = 60
DaysParam = Annotated[int, Query(ge=1, le=MAX_DAYS)]


@dataclass(frozen=True)
class Line:
    """One line of the page: what goes (or waits), how many, and why not earlier."""

    at: datetime | None
    what: str
    campaign_id: int | None
    campaign: str
    count: int
    held: str
    estimate: bool


@dataclass(frozen=True)
class Day:
    """The lines of one day, in time order."""

    day: date
    lines: list[Line]

    @property
    def total(self) -> int:
        return sum(line.count for line in self.lines)


def what(kind: str) -> str:
    """Say in Danish what a planned kind of message is."""
    return labels.SCHEDULE_KINDS.get(kind, labels.SCHEDULE_OTHER_KIND)


def why(hold: Hold | None) -> str:
    """Say in Danish why something goes later than due, or not at all; "" when it does not."""
    if hold is None:
        return ""
    return labels.SCHEDULE_HELD[hold.reason].format(
        start=hold.start,
        end=hold.end,
        name=hold.name,
        limit=formatting.number(hold.limit),
        day=formatting.day(hold.day),
    )


def _lines(planned: list[Planned], names: dict[int, str]) -> list[Line]:
    return [
        Line(
            at=p.at,
            what=what(p.kind),
            campaign_id=p.campaign_id,
            campaign=names.get(p.campaign_id, "") if p.campaign_id is not None else "",
            count=p.count,
            held=why(p.held),
            estimate=p.estimate,
        )
        for p in planned
    ]


def _by_day(planned: list[Planned], names: dict[int, str]) -> tuple[list[Day], list[Line]]:
    """Group the plan by its local day; what waits with no day comes apart."""
    days: dict[date, list[Planned]] = {}
    for item in planned:
        if item.day is not None:
            days.setdefault(item.day, []).append(item)
    held = [item for item in planned if item.day is None]
    return [Day(day, _lines(items, names)) for day, items in days.items()], _lines(held, names)


def _plan_of(
    *, session: Session, services: Services, campaigns: list[Campaign], days: int, every: bool
) -> list[Planned]:
    """The plan of these campaigns; `every` (a national key): of all, as the CLI shows it."""
    now = services.clock.now()
    if every:
        return plan(session=session, window=services.window, now=now, days=days)
    found: list[Planned] = []
    for campaign in campaigns:
        if campaign.status != CampaignStatus.DRAFT:
            found.extend(
                plan(
                    session=session,
                    window=services.window,
                    now=now,
                    days=days,
                    campaign_id=campaign.id,
                )
            )
    return in_order(found)


def _render(
    request: Request,
    *,
    user: ConsoleUser,
    services: Services,
    planned: list[Planned],
    campaigns: list[Campaign],
    days: int,
    campaign: Campaign | None,
) -> Response:
    names = {c.id: c.name for c in campaigns if c.id is not None}
    by_day, held = _by_day(planned, names)
    return page(
        request,
        "schedule.html",
        active="campaigns" if campaign is not None else "schedule",
        campaign=campaign,
        days=days,
        choices=DAY_CHOICES,
        by_day=by_day,
        held=held,
        now=services.clock.now(),
        national=user.principal.municipality_id is None,
        estimates=any(p.estimate for p in planned),
    )


@router.get("/schedule")
def schedule_page(
    request: Request,
    user: CoordinatorUser,
    session: DbDep,
    services: ServicesDep,
    days: DaysParam = 7,
) -> Response:
    """Show, per day, what every campaign the key may see will send, and what waits."""
    scope = user.principal.municipality_id
    campaigns = campaign_setup.list_campaigns(session=session, municipality_id=scope)
    planned = _plan_of(
        session=session, services=services, campaigns=campaigns, days=days, every=scope is None
    )
    return _render(
        request,
        user=user,
        services=services,
        planned=planned,
        campaigns=campaigns,
        days=days,
        campaign=None,
    )


@router.get("/campaigns/{campaign_id}/schedule")
def campaign_schedule_page(
    request: Request,
    campaign_id: CampaignId,
    user: CoordinatorUser,
    session: DbDep,
    services: ServicesDep,
    days: DaysParam = 7,
) -> Response:
    """Show, per day, what one campaign will send, and what waits and why."""
    campaign = visible(session, user, campaign_id)
    planned = _plan_of(
        session=session, services=services, campaigns=[campaign], days=days, every=False
    )
    return _render(
        request,
        user=user,
        services=services,
        planned=planned,
        campaigns=[campaign],
        days=days,
        campaign=campaign,
    )
