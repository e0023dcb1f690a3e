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
from core.calendar import SendWindow
from outreach.campaigns import check_sendable, check_variants, first_send_date, usable_window
from outreach.caps import CampaignCaps, cap_problems
from outreach.invitation_texts import (
    LANGS,
    InvitationRenderer,
    price_invitations,
    recipients_of,
)
from outreach.pacing import PacingPolicy, free_slots
from outreach.schemas import PreviewPublic
from outreach.targeting import REASONS, TARGETED, count_buckets, count_priority
from outreach.variant_preview import variant_previews
from outreach.windows import CampaignWindow
from store.audit import record_reads_by_ref
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
    actor: str,
    where: str,
) -> PreviewPublic:
    """Preview the campaign as a launch now would run it; a refused template raises.

    The sample shows real members' first names in the rendered invitation, so the preview logs
    a read of them by `actor` (`where` names the door: an endpoint, a console page, the CLI).
    """
    assert campaign.id is not None
    policy = policy or PacingPolicy()
    caps = caps or CampaignCaps(price_per_segment=price_per_segment)
    check_sendable(campaign=campaign, telegram_bot=telegram_bot)
    check_variants(session=session, campaign=campaign, telegram_bot=telegram_bot)
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
    variants = variant_previews(
        session=session,
        campaign=campaign,
        recipients=recipients,
        send_date=send_date,
        now=now,
        flow=flow,
        price=price_per_segment,
        telegram_bot=telegram_bot,
    )
    # In an experiment launch holds the dearest variant, priced for everyone, to the cost cap.
    priced = (
        price_invitations(
            session=session,
            campaign=campaign,
            send_date=send_date,
            now=now,
            flow=flow,
            price=price_per_segment,
            telegram_bot=telegram_bot,
        )
        if variants
        else templates
    )
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
        cost_dkk=round(sum(t.cost_dkk for t in priced), 2),
        free_slots=slots,
        expected_bookings=round(targeted * campaign.booking_rate_prior, 1),
        planned_first_day=first,
        planned_last_day=last,
        max_recipients=caps.max_recipients,
        max_cost_dkk=caps.max_cost_dkk,
        within_caps=True,
        warnings=[],
        variants=variants,
    )
    over = cap_problems(targeted=targeted, cost_dkk=result.cost_dkk, caps=caps)
    result.within_caps = not over
    result.warnings.extend(f"Launch will be refused: {problem}." for problem in over)
    result.warnings.extend(warnings(result, campaign=campaign))
    record_reads_by_ref(
        session=session,
        actor=actor,
        public_ids=[sample.contact for sample in result.sample],
        now=now,
        detail=where,
    )
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


def warnings(result: PreviewPublic, *, campaign: Campaign, lang: str = "en") -> list[str]:
    """Say what a coordinator should know before launching, in English or Danish."""
    found: list[str] = []
    first, last = result.planned_first_day, result.planned_last_day
    if result.targeted == 0:
        found.append(_say("nobody", lang))
    if first is not None and last is None:
        found.append(_say("no_slots", lang))
    if first is not None:
        found.extend(_season_warnings(first, last or first, lang=lang))
    variant_templates = [(v.key, t) for v in result.variants for t in v.templates]
    for key, template in [(None, t) for t in result.templates] + variant_templates:
        name = _LANGUAGE_NAMES[template.language]["da" if lang == "da" else "en"]
        name += f" (variant {key})" if key else ""
        if template.max_segments > LONG_SEGMENTS:
            found.append(
                _say("long", lang, name=name, segments=template.max_segments, most=LONG_SEGMENTS)
            )
        odd = " ".join(template.non_gsm_characters)
        if template.encoding == "UCS-2":
            found.append(_say("ucs2", lang, name=name, odd=odd))
        elif odd:
            found.append(_say("replaced", lang, name=name, odd=odd))
    english = next(t for t in result.templates if t.language == "en")
    if english.recipients and campaign.template_da and not campaign.template_en:
        found.append(_say("english_default", lang, count=english.recipients))
    return list(dict.fromkeys(found))


def _season_warnings(first: date, last: date, *, lang: str = "en") -> list[str]:
    """Warn when sending runs into the summer holidays or the weeks before Christmas."""
    shown, joiner = ("%d.%m.%Y", " til ") if lang == "da" else ("%Y-%m-%d", " to ")
    span = f"{first:{shown}}{joiner}{last:{shown}}"
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found = []
    if any(day.isocalendar().week in SUMMER_WEEKS for day in days):
        found.append(_say("summer", lang, span=span))
    if any(day.month == 12 for day in days):
        found.append(_say("christmas", lang, span=span))
    return found


_LANGUAGE_NAMES = {
    "da": {"en": "Danish", "da": "danske"},
    "en": {"en": "English", "da": "engelske"},
}
# The warnings in the API's English and the console's Danish.
_WARNINGS: dict[str, dict[str, str]] = {
    "nobody": {
        "en": "Nobody is targeted: check the partners, municipality and age band.",
        "da": "Ingen er i målgruppen: tjek partnere, kommune og aldersgruppe.",
    },
    "no_slots": {
        "en": "No free slots in the coming working days: pacing holds the invitations until "
        "slots are added.",
        "da": "Der er ingen ledige tider de kommende arbejdsdage: invitationerne venter, til "
        "der bliver oprettet tider.",
    },
    "long": {
        "en": "The {name} invitation takes up to {segments} SMS segments; the flow's own texts "
        "keep to {most}.",
        "da": "Den {name} invitation fylder op til {segments} sms-dele; forløbets egne tekster "
        "holder sig til {most}.",
    },
    "ucs2": {
        "en": "The {name} invitation is sent as UCS-2 (70 characters a segment) because of "
        "{odd}; plain letters, straight quotes and a hyphen keep it GSM-7.",
        "da": "Den {name} invitation sendes som UCS-2 (70 tegn pr. sms-del) på grund af {odd}; "
        "almindelige bogstaver, lige anførselstegn og bindestreg holder den i GSM-7.",
    },
    "replaced": {
        "en": "The {name} template has characters outside the SMS alphabet ({odd}); they are "
        "replaced or left out when sent, so the text stays GSM-7: see the sample.",
        "da": "Den {name} tekst har tegn uden for sms-alfabetet ({odd}); de erstattes eller "
        "udelades ved afsendelse, så teksten forbliver GSM-7: se eksemplerne.",
    },
    "english_default": {
        "en": "{count} targeted contacts speak English and get the flow's default English "
        "invitation: the campaign has no English template.",
        "da": "{count} i målgruppen taler engelsk og får forløbets engelske standardinvitation: "
        "kampagnen har ingen engelsk tekst.",
    },
    "summer": {
        "en": "The planned sending ({span}) runs into the summer holidays (weeks 27-31), when "
        "recruitment fails: few answer and few book.",
        "da": "Den planlagte udsendelse ({span}) falder i sommerferien (uge 27-31), hvor "
        "rekrutteringen slår fejl: få svarer, og få booker.",
    },
    "christmas": {
        "en": "The planned sending ({span}) runs into the weeks before Christmas (from 1 "
        "December), when recruitment fails: consider starting in January.",
        "da": "Den planlagte udsendelse ({span}) falder i ugerne før jul (fra 1. december), "
        "hvor rekrutteringen slår fejl: overvej at starte i januar.",
    },
}


def _say(key: str, lang: str, **values: object) -> str:
    return _WARNINGS[key]["da" if lang == "da" else "en"].format(**values)
