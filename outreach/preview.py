"""Preview a campaign before launch: who it reaches, what it says, what it costs, what to fear.

Counts come from the same conditions as targeting (`outreach.targeting.count_buckets`), so the
targeted number is the number a launch on the same day would queue, and with the reasons it
adds up to the member list. Messages are rendered by the dialogue engine itself.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.flow import DEFAULT_FLOW, Flow
from outreach.campaigns import check_sendable, first_send_date, usable_window
from outreach.caps import CampaignCaps, cap_problems
from outreach.invitation_texts import LANGS, InvitationRenderer, recipients_of
from outreach.pacing import PacingPolicy, free_slots
from outreach.schemas import PreviewPublic
from outreach.targeting import REASONS, TARGETED, count_buckets, count_priority
from outreach.windows import CampaignWindow
from scheduler.window import SendWindow
from store.models import Campaign

LONG_SEGMENTS = 2  # the flow's own texts keep to two segments; more is worth a warning
SUMMER_WEEKS = range(27, 32)  # ISO weeks 27–31
MAX_PLAN_DAYS = 260  # a year of working days: beyond that the plan says "unknown"


def preview(
    *,
    session: Session,
    campaign: Campaign,
    now: datetime,
    window: SendWindow,
    price_per_segment: float,
    flow: Flow = DEFAULT_FLOW,
    policy: PacingPolicy | None = None,
    telegram_bot: str = "",
    caps: CampaignCaps | None = None,
) -> PreviewPublic:
    """Preview the campaign as a launch now would run it; a refused template raises."""
    assert campaign.id is not None
    policy = policy or PacingPolicy()
    caps = caps or CampaignCaps(price_per_segment=price_per_segment)
    check_sendable(campaign=campaign, telegram_bot=telegram_bot)
    own = usable_window(session=session, campaign=campaign, base=window)
    send_date = first_send_date(campaign=campaign, now=now, window=own)
    counts = count_buckets(session=session, campaign=campaign, send_date=send_date, now=now)
    renderer = InvitationRenderer(
        session=session, campaign=campaign, flow=flow, now=now, telegram_bot=telegram_bot
    )
    recipients = recipients_of(session=session, campaign=campaign, send_date=send_date, now=now)
    templates = [renderer.report(lang, recipients, price=price_per_segment) for lang in LANGS]
    # The slots as pacing will see them on the first day it can send.
    start = own.next_open(max(now, campaign.starts_at or now))
    slots = free_slots(
        session=session,
        municipality_id=campaign.municipality_id,
        now=start,
        window=window,
        days=policy.horizon_days,
    )
    targeted = counts[TARGETED]
    first, last = _plan(campaign, own, send_date, targeted, slots, policy)
    priority = count_priority(session=session, campaign=campaign, send_date=send_date, now=now)
    result = PreviewPublic(
        campaign_id=campaign.id,
        send_date=send_date,
        list_size=sum(counts.values()),
        targeted=targeted,
        priority_targeted=priority,
        not_targeted={reason: counts[reason] for reason in REASONS},
        templates=templates,
        sample=renderer.sample(session=session, campaign=campaign, send_date=send_date, now=now),
        price_per_segment_dkk=price_per_segment,
        cost_dkk=round(sum(t.cost_dkk for t in templates), 2),
        free_slots=slots,
        expected_bookings=round(targeted * campaign.booking_rate_prior, 1),
        planned_first_day=first,
        planned_last_day=last,
        max_recipients=caps.max_recipients,
        max_cost_dkk=caps.max_cost_dkk,
        within_caps=True,
        warnings=[],
    )
    over = cap_problems(targeted=targeted, cost_dkk=result.cost_dkk, caps=caps)
    result.within_caps = not over
    result.warnings.extend(f"Launch will be refused: {problem}." for problem in over)
    result.warnings.extend(warnings(result, campaign=campaign))
    return result


def _plan(
    campaign: Campaign,
    window: CampaignWindow,
    send_date: date,
    targeted: int,
    slots: int,
    policy: PacingPolicy,
) -> tuple[date | None, date | None]:
    """Estimate the first and last day of sending at the campaign's pace.

    A paced campaign sends about as many a day as the slots of a day can absorb:
    free slots per working day × utilisation / expected rate, at most the daily limit.
    """
    if targeted == 0:
        return None, None
    per_day = campaign.daily_limit
    if campaign.paced:
        absorbable = slots / policy.horizon_days * policy.utilisation / campaign.booking_rate_prior
        per_day = min(per_day, math.floor(absorbable))
    if per_day <= 0:
        return send_date, None
    needed = math.ceil(targeted / per_day)
    if needed > MAX_PLAN_DAYS:
        return send_date, None
    days = window.working_days(send_date)
    last = send_date
    for _ in range(needed):
        last = next(days)
    return send_date, last


def warnings(result: PreviewPublic, *, campaign: Campaign) -> list[str]:
    """Say what a coordinator should know before launching."""
    found: list[str] = []
    first, last = result.planned_first_day, result.planned_last_day
    if result.targeted == 0:
        found.append("Nobody is targeted: check the partners, municipality and age band.")
    if first is not None and last is None:
        found.append(
            "No free slots in the coming working days: pacing holds the invitations until "
            "slots are added."
        )
    if first is not None:
        found.extend(_season_warnings(first, last or first))
    for template in result.templates:
        name = "Danish" if template.language == "da" else "English"
        if template.max_segments > LONG_SEGMENTS:
            found.append(
                f"The {name} invitation takes up to {template.max_segments} SMS segments; "
                f"the flow's own texts keep to {LONG_SEGMENTS}."
            )
        odd = " ".join(template.non_gsm_characters)
        if template.encoding == "UCS-2":
            found.append(
                f"The {name} invitation is sent as UCS-2 (70 characters a segment) because of "
                f"{odd}; plain letters, straight quotes and a hyphen keep it GSM-7."
            )
        elif odd:
            found.append(
                f"The {name} template has characters outside the SMS alphabet ({odd}); they are "
                "replaced or left out when sent, so the text stays GSM-7: see the sample."
            )
    english = next(t for t in result.templates if t.language == "en")
    if english.recipients and campaign.template_da and not campaign.template_en:
        found.append(
            f"{english.recipients} targeted contacts speak English and get the flow's default "
            "English invitation: the campaign has no English template."
        )
    return found


def _season_warnings(first: date, last: date) -> list[str]:
    """Warn when sending runs into the summer holidays or the weeks before Christmas."""
    span = f"{first.isoformat()} to {last.isoformat()}"
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found = []
    if any(day.isocalendar().week in SUMMER_WEEKS for day in days):
        found.append(
            f"The planned sending ({span}) runs into the summer holidays (weeks 27-31), when "
            "recruitment fails: few answer and few book."
        )
    if any(day.month == 12 for day in days):
        found.append(
            f"The planned sending ({span}) runs into the weeks before Christmas (from 1 "
            "December), when recruitment fails: consider starting in January."
        )
    return found
