"""Answer for a citizen on a store without an SMS provider: `recruitbot reply`.

`recruitbot chat` tries a campaign in a sandbox and keeps nothing. On a store that runs on the
console channel (no Twilio, no Telegram: a coordinator's first campaign, a training database)
the invited citizens cannot answer from a phone, so `reply` lets the coordinator type their
answers: each line is received as that citizen's SMS, in the live store, and the real dialogue
answers through the outbox. It refuses a citizen whose conversation runs on a real channel, so
it can never put words in a real citizen's mouth or text anyone.
"""

from __future__ import annotations

import itertools
from typing import Annotated

import typer
from rich.console import Console

from core.phone import parse_phone
from core.settings import get_settings
from recruitbot.cli.terminal import for_rich

console = Console()

CONSOLE = "console"


def reply(
    phone: Annotated[str, typer.Option(help="The invited citizen's phone number.")],
) -> None:
    """Type an invited citizen's answers on a store without an SMS provider; they are kept."""
    from channels.console import ConsoleChannel
    from conversation.intake import receive_text
    from recruitbot.runtime import build_runtime
    from store import conversations
    from store.db import unit_of_work
    from store.models import Campaign
    from store.types import ConversationStatus

    number = parse_phone(phone)
    if number is None:
        raise typer.BadParameter(f"not a phone number that takes an SMS: {phone}")
    channel = ConsoleChannel(
        echo=lambda m: console.print(f"[bold cyan]bot[/bold cyan]  {for_rich(m.text)}\n")
    )
    runtime = build_runtime(get_settings(), channels={CONSOLE: channel})
    with unit_of_work(runtime.engine) as session:
        contact = conversations.contact_by_phone(session=session, phone=number)
        current = (
            conversations.current_conversation(session=session, contact_id=contact.id)
            if contact is not None and contact.id is not None
            else None
        )
        if contact is None or current is None or current.status != ConversationStatus.OPEN:
            console.print(
                "No open conversation with that number: `reply` answers for a citizen who has "
                "been invited (try a campaign with `recruitbot chat`)."
            )
            raise typer.Exit(1)
        if current.channel != CONSOLE:
            console.print(
                f"That citizen's conversation runs on {current.channel}: they answer from their "
                "own phone, and `reply` never writes in their name."
            )
            raise typer.Exit(1)
        campaign = session.get_one(Campaign, current.campaign_id)
        console.print(f"Campaign: {campaign.name} (contact {contact.public_id})")
    console.print(
        "Write as the citizen; each line is received as their SMS and kept. "
        "Ctrl-D or an empty line ends.\n"
    )
    counter = itertools.count()
    while True:
        try:
            text = console.input("[bold green]you[/bold green]  ")
        except EOFError:
            break
        if not text.strip():
            break
        now = runtime.clock.now()
        with unit_of_work(runtime.engine) as session:
            receive_text(
                session=session,
                dialogue=runtime.dialogue,
                channel=CONSOLE,
                address=number,
                text=text,
                provider_id=f"reply-{now.timestamp()}-{next(counter)}",
                now=now,
            )
        # The answer goes at once, as after a webhook; staff notices and everyone else's
        # messages are the worker's, as they would be on SMS.
        runtime.replies(address=number)
