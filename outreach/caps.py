"""Caps on one campaign: how many people it may invite and what its invitations may cost.

A guard against a mistake that costs money and trust: the wrong list imported, a template that
turned UCS-2 or runs to four segments. The preview shows the caps and warns; launch refuses a
campaign over either cap and keeps not a single invitation (rolled back to a savepoint), so no
provider is ever called.
The operator sets them (RECRUITBOT_CAMPAIGN_MAX_RECIPIENTS, RECRUITBOT_CAMPAIGN_MAX_COST_DKK);
they hold for each campaign on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import ConflictError
from core.settings import DEFAULT_MAX_COST_DKK, DEFAULT_MAX_RECIPIENTS

DEFAULT_SEGMENT_PRICE_DKK = 0.35  # as RECRUITBOT_SMS_SEGMENT_PRICE_DKK's default


class CampaignCapError(ConflictError):
    """Launching would invite more people, or cost more, than one campaign may."""

    code = "campaign_over_cap"


@dataclass(frozen=True)
class CampaignCaps:
    """The most one campaign may target and cost, and the price its cost is reckoned at."""

    max_recipients: int = DEFAULT_MAX_RECIPIENTS
    max_cost_dkk: float = DEFAULT_MAX_COST_DKK
    price_per_segment: float = DEFAULT_SEGMENT_PRICE_DKK


def cap_problems(*, targeted: int, cost_dkk: float, caps: CampaignCaps) -> list[str]:
    """Say which caps a campaign of this size and cost exceeds; empty when it keeps to both."""
    problems = []
    if targeted > caps.max_recipients:
        problems.append(
            f"it targets {targeted:,} people and one campaign may invite at most "
            f"{caps.max_recipients:,} (RECRUITBOT_CAMPAIGN_MAX_RECIPIENTS)"
        )
    if cost_dkk > caps.max_cost_dkk:
        problems.append(
            f"its invitations would cost about {cost_dkk:,.2f} DKK and one campaign may cost at "
            f"most {caps.max_cost_dkk:,.2f} DKK (RECRUITBOT_CAMPAIGN_MAX_COST_DKK)"
        )
    return problems


def check_caps(
    *, campaign_id: int | None, targeted: int, cost_dkk: float, caps: CampaignCaps
) -> None:
    """Raise CampaignCapError, naming every cap exceeded, when the campaign is over one."""
    problems = cap_problems(targeted=targeted, cost_dkk=cost_dkk, caps=caps)
    if problems:
        raise CampaignCapError(
            f"campaign {campaign_id} is not launched: {'; and '.join(problems)}. Narrow it "
            "(partners, age band, a shorter GSM-7 text) or split it into several campaigns."
        )
