"""Changing a launched campaign: its daily limit, its last day and its invitation texts.

A launched campaign keeps what it was targeted and launched with; only these may change
(`outreach.schemas.RUNNING_FIELDS`), in the API, the console and the CLI alike:

- **daily_limit**: the next wave is sized with the new limit; a wave already released today
  keeps its size (pacing decides each day once, `outreach.pacing.release_wave`).
- **ends_on**: the last local day a wave is released. After it, invitations still pending are
  skipped (reason `campaign_ended`) and the campaign completes once its conversations are done.
- **blackouts**: the whole list is replaced; the next wave and every message the campaign
  sends of its own accord follow the new list (`outreach.windows.load_window`).
- **template_da / template_en**: checked exactly as at launch (sender, STOP, no links unless
  allowed, placeholders). Invitations not yet sent, pending or released, take the new text,
  because an invitation is written when it is sent; sent ones keep the text they went with.
  An experiment's texts stay as launched, so its variants can still be compared.

Every change is written to the audit log (action `campaign.changed`), naming the fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import structlog
from sqlmodel import Session

from core.calendar import SendWindow
from outreach.campaign_setup import set_blackouts
from outreach.errors import CampaignInputError, CampaignStateError
from outreach.schemas import RUNNING_FIELDS, CampaignRunningUpdate
from outreach.templates import LANGUAGE_NAMES, template_problems
from outreach.variants import variants_of
from outreach.windows import blackouts_of
from store.models import AuditEvent, Campaign
from store.types import CampaignStatus

log = structlog.get_logger(__name__)

CHANGEABLE = (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED)
CHANGED = "campaign.changed"  # AuditEvent.action
_DANISH_NAMES = {"da": "danske", "en": "engelske"}


class CampaignTextRefusedError(CampaignInputError):
    """A new invitation text breaks a rule; `problems` lists each, in the caller's language."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


def refused_fields(given: set[str]) -> list[str]:
    """Return the fields of a change that a launched campaign may not take, sorted."""
    return sorted(given - set(RUNNING_FIELDS))


def text_problems(
    campaign: Campaign, change: CampaignRunningUpdate, *, telegram_bot: str, lang: str = "en"
) -> list[str]:
    """Return what is wrong with the new texts of a change, as a launch would say it."""
    found: list[str] = []
    for key in ("template_da", "template_en"):
        text = getattr(change, key)
        if key not in change.model_fields_set or text is None:
            continue  # unchanged, or back to the flow's default invitation
        problems = template_problems(
            text,
            sender=campaign.sender,
            allow_links=campaign.allow_links,
            telegram_bot=telegram_bot,
            lang=lang,
        )
        code = key.removeprefix("template_")
        if lang == "da":
            found.extend(f"Den {_DANISH_NAMES[code]} tekst {p}." for p in problems)
        else:
            found.extend(f"the {LANGUAGE_NAMES[code]} template {p}" for p in problems)
    return found


def change_running(
    *,
    session: Session,
    campaign: Campaign,
    change: CampaignRunningUpdate,
    now: datetime,
    window: SendWindow,
    actor: str,
    telegram_bot: str = "",
    lang: str = "en",
) -> list[str]:
    """Apply a change to a launched campaign and audit it; return the fields that changed."""
    assert campaign.id is not None
    if campaign.status == CampaignStatus.DRAFT:
        raise CampaignStateError(f"campaign {campaign.id} is a draft: change it as a draft")
    if campaign.status not in CHANGEABLE:
        raise CampaignStateError(
            f"campaign {campaign.id} is {campaign.status}; it can no longer be changed"
        )
    given: dict[str, Any] = change.model_dump(exclude_unset=True)
    if not given:
        raise CampaignInputError(f"nothing to change: give one of {', '.join(RUNNING_FIELDS)}")
    texts = sorted(key for key in given if key.startswith("template_"))
    if texts and variants_of(session=session, campaign_id=campaign.id):
        raise CampaignStateError(
            f"campaign {campaign.id} runs an experiment: its texts stay as launched so the "
            "variants can be compared; stop a variant instead"
        )
    if given.get("ends_on") is not None:
        _check_end(campaign, given["ends_on"], today=window.local(now).date())
    problems = text_problems(campaign, change, telegram_bot=telegram_bot, lang=lang)
    if problems:
        raise CampaignTextRefusedError(f"template refused: {'; '.join(problems)}", problems)
    changed = [
        key
        for key in RUNNING_FIELDS
        if key in given and key != "blackouts" and getattr(campaign, key) != given[key]
    ]
    notes = [_describe(key, getattr(campaign, key), given[key]) for key in changed]
    for key in changed:
        setattr(campaign, key, given[key])
    if change.blackouts is not None:
        before = blackouts_of(session=session, campaign_id=campaign.id)
        after = sorted({(p.first_day, p.last_day) for p in change.blackouts})
        if after != before:
            set_blackouts(session=session, campaign=campaign, periods=change.blackouts)
            changed.append("blackouts")
            notes.append(f"blackouts {_periods(before)} -> {_periods(after)}")
    changed = [key for key in RUNNING_FIELDS if key in changed]
    detail = "; ".join(notes)
    if changed:
        session.add(
            AuditEvent(
                at=now,
                actor=actor,
                action=CHANGED,
                subject_type="campaign",
                subject_id=campaign.id,
                detail=detail,
            )
        )
        session.flush()
    log.info("campaign.changed", campaign_id=campaign.id, fields=changed)
    return changed


def _check_end(campaign: Campaign, ends_on: date, *, today: date) -> None:
    if ends_on < today:
        raise CampaignInputError(f"ends_on ({ends_on}) has passed; give today or a later day")
    if campaign.starts_at is not None and ends_on < campaign.starts_at.date():
        raise CampaignInputError(f"ends_on ({ends_on}) is before the campaign starts")


def _periods(periods: list[tuple[date, date]]) -> str:
    return ", ".join(f"{first}..{last}" for first, last in periods) or "none"


def _describe(key: str, old: object, new: object) -> str:
    """Say what changed without personal data: numbers and days as they were; texts by name."""
    if key.startswith("template_"):
        return f"{key} {'reset to the default' if new is None else 'changed'}"
    return f"{key} {old if old is not None else 'none'} -> {new if new is not None else 'none'}"
