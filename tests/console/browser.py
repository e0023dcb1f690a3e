"""A real headless Chromium (Debian's) against the app served by uvicorn in a thread.

Playwright cannot download a browser here, so it drives /usr/bin/chromium. Without it the
browser tests skip and say why; in CI (`RECRUITBOT_REQUIRE_CHROMIUM=1`) they fail instead.
Every page a test visits can be kept as a screenshot in var/test-artifacts/console/.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.waiting import wait_started

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "console"


def require_chromium() -> None:
    """Skip when this machine has no Chromium; fail when CI says it must have one."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests"
    if os.environ.get("RECRUITBOT_REQUIRE_CHROMIUM"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve the app on a free local port in a thread; yield its base address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_started(server, thread, "the app")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def screenshot(page: object, name: str) -> Path:
    """Keep a full-page screenshot of what the browser shows, as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


@contextmanager
def chromium() -> Iterator[object]:
    """Launch Debian's Chromium headless through Playwright; yield the browser."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: object, *, javascript: bool = True) -> object:
    """Open a page as a Danish user in Copenhagen would, on a laptop-sized window."""
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="da-DK",
        timezone_id="Europe/Copenhagen",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    return context.new_page()


def sign_in(page: object, base: str, key: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base}/console/")  # type: ignore[attr-defined]
    page.get_by_label("Nøgle").fill(key)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log ind").click()  # type: ignore[attr-defined]
