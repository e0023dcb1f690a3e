"""Someone with no conversation wrote first: take them into the dialogue, or answer helpfully.

A member of a running campaign's list who is inside its target today is invited out of turn:
their text is read as the answer to the invitation (docs/conversation.md, "Writing first").
Anyone else is told who writes from this number and how to reach a person, in the same words
whether or not they are on a list, and the staff of that municipality see it in their inbox.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.types import Language
from conversation.service import Dialogue, start
from core.phone import is_danish
from inbox import repository as inbox_items
from outreach import first_contact
from store import conversations, inbox, outbox
from store.models import Campaign, Contact, Conversation
from store.types import Trigger

log = structlog.get_logger(__name__)

KIND = "wrote_first"
NOTICE_KIND = "staff_wrote_first"
MAX_NAMED = 3  # a neutral answer names at most this many senders

# No running campaign on this number: true whether or not the number is known.
NO_CAMPAIGN = {
    "da": "Tak for din besked. Vi har ingen igangværende samtale med dette nummer. "
    "Har du spørgsmål om sundhedstjek, så kontakt din kommune.",
    "en": "Thank you for your message. We have no ongoing conversation with this number. "
    "If you have questions about health checks, please contact your municipality.",
}
NAMED = {
    "da": "Tak for din besked. Det er {sender}, der skriver ud om gratis sundhedstjek. Vi kan "
    "desværre ikke give dig en tid her, men ring gerne på {phone}, så hjælper vi dig videre.",
    "en": "Thank you for your message. This is {sender}, writing about free health checks. "
    "We cannot give you a time here, but please call {phone} and we will help you.",
}
NAMED_NO_PHONE = {
    "da": "Tak for din besked. Det er {sender}, der skriver ud om gratis sundhedstjek. Vi kan "
    "desværre ikke give dig en tid her. Har du spørgsmål, så kontakt {sender}.",
    "en": "Thank you for your message. This is {sender}, writing about free health checks. "
    "We cannot give you a time here. If you have questions, please contact {sender}.",
}
NEUTRAL = {
    "da": "Tak for din besked. Dette nummer bruges af {senders} til at skrive ud om gratis "
    "sundhedstjek. Vi kan desværre ikke give dig en tid her. Kontakt din kommune, hvis du "
    "har spørgsmål.",
    "en": "Thank you for your message. This number is used by {senders} to write about free "
    "health checks. We cannot give you a time here. Please contact your municipality if you "
    "have questions.",
}
AND = {"da": "og", "en": "and"}

# Enough words to tell a short Danish text from a short English one; the rest is a tie.
_ENGLISH = frozenset(
    {
        "hi",
        "hello",
        "hey",
        "yes",
        "no",
        "can",
        "could",
        "may",
        "please",
        "thanks",
        "thank",
        "you",
        "what",
        "how",
        "who",
        "when",
        "where",
        "is",
        "are",
        "the",
        "a",
        "come",
        "too",
        "also",
        "join",
        "want",
        "would",
        "like",
        "my",
        "me",
        "am",
        "get",
        "this",
        "health",
        "check",
        "english",
    }
)
_DANISH = frozenset(
    {
        "hej",
        "ja",
        "nej",
        "kan",
        "må",
        "jeg",
        "også",
        "komme",
        "tak",
        "hvad",
        "hvordan",
        "hvem",
        "hvornår",
        "hvor",
        "er",
        "det",
        "du",
        "vil",
        "gerne",
        "med",
        "til",
        "mig",
        "min",
        "være",
        "et",
        "en",
        "sundhedstjek",
        "dansk",
    }
)
_WORD = re.compile(r"[a-zæøåé]+")


def language_of(text: str, *, address: str, contact: Contact | None) -> Language:
    """Answer in the text's language; a tie goes to the list's language, else the number's."""
    words = _WORD.findall(text.lower())
    english = sum(word in _ENGLISH for word in words)
    danish = sum(word in _DANISH for word in words)
    if english != danish:
        return "en" if english > danish else "da"
    if contact is not None:
        return "en" if contact.language == "en" else "da"
    return "da" if is_danish(address) else "en"


def take_in(
    *,
    session: Session,
    dialogue: Dialogue,
    contact: Contact,
    channel: str,
    text: str,
    address: str,
    now: datetime,
) -> Conversation | None:
    """Open the dialogue with a list member inside a running campaign's target, or None."""
    assert contact.id is not None
    campaigns = first_contact.running_campaigns(session=session, channel=channel)
    campaign = first_contact.campaign_taking_in(
        session=session,
        campaigns=campaigns,
        contact_id=contact.id,
        send_date=dialogue.window.local(now).date(),
        now=now,
    )
    if campaign is None:
        return None
    try:
        with session.begin_nested():
            conversation = start(
                session=session,
                dialogue=dialogue,
                contact=contact,
                campaign=campaign,
                now=now,
                first_text=text,
                lang=language_of(text, address=address, contact=contact),
            )
            assert conversation.id is not None
            first_contact.record_invitation(
                session=session,
                campaign=campaign,
                contact_id=contact.id,
                conversation_id=conversation.id,
                now=now,
            )
    except IntegrityError:
        return None  # the day's wave invited them a moment ago: their reply goes there
    log.info("inbound.wrote_first", campaign_id=campaign.id, channel=channel)
    return conversation


def answer(
    *,
    session: Session,
    channel: str,
    address: str,
    text: str,
    now: datetime,
    contact: Contact | None,
) -> None:
    """Tell who writes and how to reach a person; put it in that municipality's inbox."""
    campaigns = first_contact.running_campaigns(session=session, channel=channel)
    lang = language_of(text, address=address, contact=contact)
    listing: list[Campaign] = []
    if contact is not None and contact.id is not None:
        listing = first_contact.campaigns_listing(
            session=session, campaigns=campaigns, contact_id=contact.id
        )
    speaking = _speaking_for(listing or list(campaigns))
    if len(speaking) > MAX_NAMED:
        speaking = []  # too many to name: the general answer, and no inbox is the one asked
    outbox.queue(
        session=session,
        channel=channel,
        address=address,
        kind="info",
        trigger=Trigger.REPLY,
        text=_reply(speaking, lang),
        now=now,
        contact_id=contact.id if contact is not None else None,
    )
    # Several municipalities and the person on none of their lists: each may be the one asked.
    for campaign in speaking:
        _to_inbox(
            session=session, campaign=campaign, contact=contact, address=address, text=text, now=now
        )
    log.info("inbound.wrote_first_answered", campaigns=len(speaking), listed=bool(listing))


def _speaking_for(campaigns: Sequence[Campaign]) -> list[Campaign]:
    """One campaign per municipality, the first of each, in the order given."""
    seen: dict[int, Campaign] = {}
    for campaign in campaigns:
        seen.setdefault(campaign.municipality_id, campaign)
    return list(seen.values())


def _reply(speaking: Sequence[Campaign], lang: Language) -> str:
    if not speaking:
        return NO_CAMPAIGN[lang]
    if len(speaking) == 1:
        campaign = speaking[0]
        template = NAMED if campaign.help_phone.strip() else NAMED_NO_PHONE
        return template[lang].format(sender=campaign.sender, phone=campaign.help_phone.strip())
    names = [
        f"{c.sender} ({c.help_phone.strip()})" if c.help_phone.strip() else c.sender
        for c in speaking
    ]
    senders = f"{', '.join(names[:-1])} {AND[lang]} {names[-1]}"
    return NEUTRAL[lang].format(senders=senders)


def _to_inbox(
    *,
    session: Session,
    campaign: Campaign,
    contact: Contact | None,
    address: str,
    text: str,
    now: datetime,
) -> None:
    """One open item per person and municipality, brought up to date with each message."""
    contact_id = contact.id if contact is not None else None
    existing = inbox_items.open_wrote_first(
        session=session,
        municipality_id=campaign.municipality_id,
        contact_id=contact_id,
        address=address,
    )
    if existing is not None:
        existing.text, existing.created_at = text[:2000], now
        return
    about = inbox.About(
        municipality_id=campaign.municipality_id,
        contact_id=contact_id,
        campaign_id=campaign.id,
        cause=text,
        address=None if contact is not None else address,
    )
    staff = conversations.staff_on_duty(session=session, municipality_id=campaign.municipality_id)
    if staff is None:
        inbox.open_item(session=session, staff=None, kind=KIND, text=text, now=now, about=about)
        return
    inbox.notify(
        session=session,
        staff=staff,
        kind=NOTICE_KIND,
        text=f"Borger har skrevet uden at være inviteret: {text}",
        now=now,
        about=about,
    )
