"""Preview a campaign before launch: who it reaches, what it says, what it costs, what to fear.

Counts come from the same conditions as targeting (`outreach.targeting.count_buckets`), so the
targeted number is the number a launch on the same day would queue, and with the reasons it
adds up to the member list. Messages are rendered by the dialogue engine itself.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from bot.engine import step
from bot.flow import DEFAULT_FLOW, Flow
from bot.types import Context, ConversationState, Event, EventKind, Language, Step
from outreach.campaigns import check_sendable, first_send_date, usable_window
from outreach.pacing import PacingPolicy, free_slots
from outreach.schemas import PreviewPublic, SamplePublic, TemplatePublic
from outreach.targeting import (
    REASONS,
    TARGETED,
    count_buckets,
    count_priority,
    priority_rank,
    targeted_ids,
)
from outreach.templates import encode, non_gsm_characters
from outreach.windows import CampaignWindow
from scheduler.window import SendWindow
from store.models import Campaign, Contact, Municipality

LANGS: tuple[Language, ...] = ("da", "en")
SAMPLE_SIZE = 5
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
) -> PreviewPublic:
    """Preview the campaign as a launch now would run it; a refused template raises."""
    assert campaign.id is not None
    policy = policy or PacingPolicy()
    check_sendable(campaign=campaign)
    own = usable_window(session=session, campaign=campaign, base=window)
    send_date = first_send_date(campaign=campaign, now=now, window=own)
    counts = count_buckets(session=session, campaign=campaign, send_date=send_date, now=now)
    renderer = _Renderer(session=session, campaign=campaign, flow=flow, now=now)
    recipients = _recipients(session=session, campaign=campaign, send_date=send_date, now=now)
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
        warnings=[],
    )
    result.warnings.extend(warnings(result, campaign=campaign))
    return result


def first_name(name: str) -> str | None:
    """Return the first name as the dialogue uses it."""
    return name.split()[0] if name.strip() else None


def language_of(contact_language: str) -> Language:
    """Return the conversation language a contact gets."""
    return "en" if contact_language == "en" else "da"


def _recipients(
    *, session: Session, campaign: Campaign, send_date: date, now: datetime
) -> Counter[tuple[Language, str | None]]:
    """Count the targeted by (language, first name): what the rendered text depends on."""
    rows = session.execute(
        select(col(Contact.language), col(Contact.name)).where(
            targeted_ids(campaign=campaign, send_date=send_date, now=now)
        )
    ).all()
    return Counter((language_of(lang), first_name(name)) for lang, name in rows)


class _Renderer:
    """Render the invitation exactly as the engine would for one person."""

    def __init__(self, *, session: Session, campaign: Campaign, flow: Flow, now: datetime) -> None:
        self.campaign, self.flow, self.now = campaign, flow, now
        self.target = session.get_one(Municipality, campaign.municipality_id).name

    def template(self, lang: Language) -> str | None:
        return self.campaign.template_en if lang == "en" else self.campaign.template_da

    def render(self, lang: Language, name: str | None) -> str:
        ctx = Context(
            sender=self.campaign.sender,
            first_name=name,
            age_min=self.campaign.age_min,
            age_max=self.campaign.age_max,
            target_municipality=self.target,
            phone_number=self.campaign.help_phone,
            invitation_template=self.template(lang),
        )
        state = ConversationState(step=Step.INVITED, lang=lang)
        transition = step(state, Event(EventKind.INVITE), self.now, ctx, self.flow)
        return transition.outbound[0].text

    def report(
        self,
        lang: Language,
        recipients: Counter[tuple[Language, str | None]],
        *,
        price: float,
    ) -> TemplatePublic:
        """Describe one language's invitation: encoding, segments, recipients, cost."""
        own = self.template(lang)
        typical = encode(self.render(lang, "Anne"))
        total = most = ucs2 = people = 0
        for (language, name), count in recipients.items():
            if language != lang:
                continue
            encoding = encode(self.render(lang, name))
            people += count
            total += encoding.segments * count
            most = max(most, encoding.segments)
            ucs2 += count if encoding.name == "UCS-2" else 0
        return TemplatePublic(
            language=lang,
            source="campaign" if own else "default",
            template=own or self.flow.texts["invitation"][lang],
            encoding=typical.name,
            segments=typical.segments,
            non_gsm_characters=non_gsm_characters(own or ""),
            recipients=people,
            total_segments=total,
            max_segments=most,
            ucs2_recipients=ucs2,
            cost_dkk=round(total * price, 2),
        )

    def sample(
        self, *, session: Session, campaign: Campaign, send_date: date, now: datetime
    ) -> list[SamplePublic]:
        """Render the invitation for the first few people in release order, by pseudonym."""
        rows = session.execute(
            select(col(Contact.public_id), col(Contact.name), col(Contact.language))
            .where(targeted_ids(campaign=campaign, send_date=send_date, now=now))
            .order_by(priority_rank(campaign=campaign), col(Contact.id))
            .limit(SAMPLE_SIZE)
        ).all()
        samples = []
        for public_id, name, language in rows:
            lang = language_of(language)
            text = self.render(lang, first_name(name))
            encoding = encode(text)
            samples.append(
                SamplePublic(
                    contact=public_id,
                    language=lang,
                    text=text,
                    encoding=encoding.name,
                    segments=encoding.segments,
                )
            )
        return samples


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
    for template in result.templates:
        name = _LANGUAGE_NAMES[template.language]["da" if lang == "da" else "en"]
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
    return found


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
