"""Text written to the bot: linking with a code, unlinking, and citizens continuing their dialogue.

Staff link with `/start CODE` (a code from the admin API) and unlink with `/stop`. Citizens
give the code from their SMS (`/start CODE`, the t.me link, or just the code) and then write
here as they would by SMS: the dialogue is the same, and its answers come back on Telegram.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlmodel import Session

from conversation.intake import receive_text
from conversation.service import Dialogue
from delivery import optout
from store import link_codes
from store import telegram as telegram_store
from store.models import Contact, StaffMember
from webhooks.telegram import throttle
from webhooks.telegram.common import TELEGRAM, TelegramSetup, audit, reply
from webhooks.telegram.updates import ChatText

log = structlog.get_logger(__name__)

WELCOME = (
    "Hej! Skriv den kode, du har fået i SMS'en fra kommunen, så kan du fortsætte her. "
    "Medarbejdere skriver /start og koden fra deres koordinator."
)
BAD_CODE = "Koden er ugyldig, brugt eller udløbet. Tjek den, og prøv igen."
# "Too many wrong codes. Wait 10 minutes and try again."
TOO_MANY_CODES = "For mange forkerte koder. Vent 10 minutter, og prøv så igen."
STAFF_LINKED = (
    "Hej {name}! Din Telegram er nu koblet til rekrutteringen. Du får besked her om nye, "
    "flyttede og aflyste bookinger. Skriv /stop for at koble fra."
)
STAFF_UNLINKED = "Du er koblet fra og får ikke flere beskeder her."
STAFF_HELP = (
    "Du er koblet på som medarbejder. Brug knapperne under en booking for at registrere "
    "fremmøde og udfald. Skriv /stop for at koble fra."
)
CITIZEN_LINKED = "Tak! Nu kan du skrive med os her i stedet for SMS."
CITIZEN_LAST = "Vores seneste besked til dig var:\n\n{text}"
CITIZEN_BACK = "Velkommen tilbage. Skriv bare her, så svarer vi."
CITIZEN_STILL_OPTED_OUT = (
    "Du er afmeldt og får ikke flere beskeder fra os. Skriv START, hvis du vil have beskeder igen."
)


def on_text(
    *, session: Session, dialogue: Dialogue, setup: TelegramSetup, event: ChatText, now: datetime
) -> None:
    """Handle one text in a private chat with the bot."""
    command, argument = _command(event.text)
    if command == "/start" and argument:
        _link(session=session, chat_id=event.chat_id, code=argument, now=now)
        return
    staff = telegram_store.staff_by_chat(session=session, chat_id=event.chat_id)
    if staff is not None:
        if command in ("/stop", "/unlink"):
            unlink_staff(session=session, staff=staff, now=now)
        else:
            reply(session=session, chat_id=event.chat_id, text=STAFF_HELP, now=now)
        return
    contact = telegram_store.contact_by_chat(session=session, chat_id=event.chat_id)
    if contact is not None:
        _from_citizen(session=session, dialogue=dialogue, contact=contact, event=event, now=now)
        return
    if command is None and link_codes.looks_like_code(event.text):
        _link(session=session, chat_id=event.chat_id, code=event.text, now=now)
        return
    reply(session=session, chat_id=event.chat_id, text=WELCOME, now=now)


def _command(text: str) -> tuple[str | None, str]:
    """Split "/start@RecruitBot ABC" into ("/start", "ABC"); plain text has no command."""
    if not text.startswith("/"):
        return None, text.strip()
    head, _, rest = text.strip().partition(" ")
    return head.split("@", 1)[0].lower(), rest.strip()


def _link(*, session: Session, chat_id: str, code: str, now: datetime) -> None:
    if throttle.throttled(session=session, chat_id=chat_id, now=now):
        log.info("telegram.link_throttled")
        if not throttle.told_to_wait(session=session, chat_id=chat_id, now=now):
            reply(
                session=session,
                chat_id=chat_id,
                text=TOO_MANY_CODES,
                now=now,
                kind=throttle.THROTTLED_KIND,
            )
        return
    row = link_codes.redeem(session=session, code=code, now=now)
    staff = contact = None
    if row is not None and row.kind == link_codes.LinkKind.STAFF:
        staff = session.get(StaffMember, row.target_id)
    elif row is not None:
        contact = session.get(Contact, row.target_id)
    if staff is not None:
        link_staff(session=session, staff=staff, chat_id=chat_id, now=now)
    elif contact is not None:
        _link_citizen(session=session, contact=contact, chat_id=chat_id, now=now)
    else:
        log.info("telegram.link_refused")
        reply(session=session, chat_id=chat_id, text=BAD_CODE, now=now, kind=throttle.BAD_CODE_KIND)


def link_staff(*, session: Session, staff: StaffMember, chat_id: str, now: datetime) -> None:
    """Make this chat the staff member's channel (and no other staff member's)."""
    previous = telegram_store.staff_by_chat(session=session, chat_id=chat_id)
    if previous is not None and previous.id != staff.id:
        previous.channel, previous.address = "console", ""
        audit(session=session, action="staff.telegram_unlinked", staff_id=previous.id, now=now)
    staff.channel, staff.address = TELEGRAM, chat_id
    audit(session=session, action="staff.telegram_linked", staff_id=staff.id, now=now)
    log.info("telegram.staff_linked", staff_id=staff.id)
    first_name = staff.name.split(" ")[0] if staff.name else ""
    text = STAFF_LINKED.format(name=first_name).replace("Hej !", "Hej!")
    reply(session=session, chat_id=chat_id, text=text, now=now, staff_member_id=staff.id)


def unlink_staff(*, session: Session, staff: StaffMember, now: datetime) -> None:
    """Stop sending the staff member's notices to Telegram."""
    chat_id = staff.address
    staff.channel, staff.address = "console", ""
    telegram_store.cancel_pending_to_chat(session=session, chat_id=chat_id)
    audit(session=session, action="staff.telegram_unlinked", staff_id=staff.id, now=now)
    log.info("telegram.staff_unlinked", staff_id=staff.id)
    reply(session=session, chat_id=chat_id, text=STAFF_UNLINKED, now=now, staff_member_id=staff.id)


def _link_citizen(*, session: Session, contact: Contact, chat_id: str, now: datetime) -> None:
    assert contact.id is not None
    last = telegram_store.last_text_to_contact(session=session, contact_id=contact.id)
    telegram_store.link_contact(session=session, contact_id=contact.id, chat_id=chat_id, now=now)
    telegram_store.revoke_telegram_opt_out(session=session, contact_id=contact.id, now=now)
    log.info("telegram.citizen_linked")
    text = CITIZEN_LINKED + ("\n\n" + CITIZEN_LAST.format(text=last) if last else "")
    reply(session=session, chat_id=chat_id, text=text, now=now)


def _from_citizen(
    *, session: Session, dialogue: Dialogue, contact: Contact, event: ChatText, now: datetime
) -> None:
    """Run the citizen's dialogue on their text; the answers go back to this chat."""
    assert contact.id is not None
    command, argument = _command(event.text)
    if command == "/start":
        # Telegram sends /start when someone restarts the bot; that is no START to lift an
        # opt-out with, so an opted-out citizen is told how to come back instead.
        if optout.is_opted_out(session=session, contact_id=contact.id):
            text, kind = CITIZEN_STILL_OPTED_OUT, "opt_out"  # the one kind an opt-out lets out
        else:
            text, kind = CITIZEN_BACK, "telegram_info"
        reply(session=session, chat_id=event.chat_id, text=text, now=now, kind=kind)
        return
    # A command is a word of the dialogue: "/stop" is STOP, "/hjælp" is HJÆLP.
    text = f"{command[1:]} {argument}".strip() if command else event.text
    # Writing here means the chat works: lifts an opt-out of Telegram alone (not STOP's).
    telegram_store.revoke_telegram_opt_out(session=session, contact_id=contact.id, now=now)
    receive_text(
        session=session,
        dialogue=dialogue,
        channel=TELEGRAM,
        address=event.chat_id,
        text=text,
        provider_id=f"{event.chat_id}:{event.message_id}",
        now=now,
        contact=contact,
    )
    telegram_store.reroute_replies(
        session=session, contact_id=contact.id, chat_id=event.chat_id, now=now
    )
