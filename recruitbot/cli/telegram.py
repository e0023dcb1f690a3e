"""`recruitbot telegram …`: long polling for development, the webhook, staff linking codes."""

from __future__ import annotations

import time
from concurrent import futures
from typing import Annotated

import typer
from rich.console import Console

from channels.port import ChannelPermanentError, ChannelTemporaryError
from channels.telegram import TelegramChannel
from core.settings import get_settings
from recruitbot.runtime import Runtime

telegram_app = typer.Typer(help="Telegram: poll for updates, set the webhook, link staff.")
console = Console()
WEBHOOK_PATH = "/webhooks/telegram"
# How long polling waits for an update's answers to be tried; what is left, the tick sends.
FOLLOW_UP_SECONDS = 30.0


def _runtime() -> tuple[Runtime, TelegramChannel]:
    from recruitbot.runtime import build_runtime

    runtime = build_runtime(get_settings())
    channel = runtime.channels.get("telegram")
    if not isinstance(channel, TelegramChannel):
        console.print("[red]Set RECRUITBOT_TELEGRAM_BOT_TOKEN first.[/red]")
        raise typer.Exit(2)
    return runtime, channel


@telegram_app.command()
def poll(
    once: Annotated[bool, typer.Option(help="Fetch what is waiting once, then stop.")] = False,
    wait: Annotated[int, typer.Option(help="Seconds each long poll waits.")] = 30,
) -> None:
    """Fetch updates with getUpdates and handle them as the webhook would (development)."""
    runtime, channel = _runtime()
    console.print("Polling Telegram; Ctrl+C stops." if not once else "Fetching updates once.")
    offset: int | None = None
    try:
        while True:
            try:
                offset, handled = poll_once(
                    runtime, channel, offset=offset, wait=0 if once else wait
                )
            except ChannelTemporaryError as error:
                console.print(
                    f"[yellow]{error}; is a webhook set? `telegram delete-webhook`[/yellow]"
                )
                if once:
                    raise typer.Exit(1) from error
                time.sleep(5)
                continue
            if once:
                console.print(f"Handled {handled} updates.")
                return
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        runtime.courier.close(timeout=FOLLOW_UP_SECONDS)
        channel.close()


def poll_once(
    runtime: Runtime, channel: TelegramChannel, *, offset: int | None, wait: int
) -> tuple[int | None, int]:
    """Fetch one batch of updates and handle each; return the next offset and how many."""
    from webhooks.telegram.endpoint import setup_from
    from webhooks.telegram.handling import follow_up, process_update

    setup = setup_from(runtime.settings)
    updates = channel.updates(offset=offset, timeout=wait)
    for raw in updates:
        handled = process_update(services=runtime, setup=setup, raw=raw)
        # One update at a time: its answers are tried before the next update is read.
        futures.wait(follow_up(services=runtime, handled=handled), timeout=FOLLOW_UP_SECONDS)
        update_id = raw.get("update_id")
        if isinstance(update_id, int):
            offset = max(offset or 0, update_id + 1)
    return offset, len(updates)


@telegram_app.command("set-webhook")
def set_webhook(
    url: Annotated[
        str | None, typer.Argument(help="Default: RECRUITBOT_PUBLIC_BASE_URL + /webhooks/telegram.")
    ] = None,
) -> None:
    """Have Telegram post updates to this service, with the secret token."""
    settings = get_settings()
    secret = settings.telegram_secret_token
    url = url or (f"{settings.public_base_url}{WEBHOOK_PATH}" if settings.public_base_url else None)
    if secret is None or url is None:
        console.print("[red]Needs RECRUITBOT_TELEGRAM_SECRET_TOKEN and a URL.[/red]")
        raise typer.Exit(2)
    _, channel = _runtime()
    try:
        channel.set_webhook(url=url, secret_token=secret.get_secret_value())
    except (ChannelTemporaryError, ChannelPermanentError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    finally:
        channel.close()
    console.print(f"Telegram now posts updates to {url}.")


@telegram_app.command("delete-webhook")
def delete_webhook() -> None:
    """Stop the webhook, so that `telegram poll` can fetch updates."""
    _, channel = _runtime()
    try:
        channel.delete_webhook()
    finally:
        channel.close()
    console.print("Webhook removed; `recruitbot telegram poll` can fetch updates now.")


@telegram_app.command("staff-code")
def staff_code(staff_id: Annotated[int, typer.Argument(help="The staff member's id.")]) -> None:
    """Issue a one-time code (24 hours) a staff member sends the bot as /start CODE."""
    from store import link_codes
    from store.db import unit_of_work
    from store.models import StaffMember

    runtime, channel = _runtime()
    channel.close()
    with unit_of_work(runtime.engine) as session:
        if session.get(StaffMember, staff_id) is None:
            console.print(f"[red]No staff member {staff_id}.[/red]")
            raise typer.Exit(2)
        _, code = link_codes.issue(
            session=session,
            kind=link_codes.LinkKind.STAFF,
            target_id=staff_id,
            now=runtime.clock.now(),
            ttl=link_codes.STAFF_CODE_TTL,
        )
    username = runtime.settings.telegram_bot_username
    console.print(f"Send the bot: /start {code}")
    if username:
        console.print(f"or open https://t.me/{username}?start={code}")
