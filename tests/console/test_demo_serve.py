"""`recruitbot demo --serve`: the simulated run, then the console on its data until Ctrl-C.

Run as a user runs it, in its own process: the printed address and keys sign in, each role
sees the demo's figures, a real Chromium shows the funnel, and Ctrl-C ends it cleanly.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.browser import chromium, new_page, screenshot, sign_in
from tests.console.support import csrf_of


@dataclass
class Demo:
    url: str  # the console's address as printed
    keys: dict[str, str]
    output: list[str]
    out: Path


def _read_until_keys(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + 300
    while not any(line.startswith("  evaluator") for line in lines):
        assert time.monotonic() < deadline, "demo --serve printed no keys:\n" + "".join(lines)
        line = process.stdout.readline()
        assert line or process.poll() is None, "demo --serve exited:\n" + "".join(lines)
        lines.append(line)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """Run a small demo with --serve on a free port; stop it with Ctrl-C (SIGINT) afterwards."""
    out = tmp_path_factory.mktemp("demo-serve")
    env = {k: v for k, v in os.environ.items() if k != "RECRUITBOT_DATABASE_URL"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "recruitbot"),
            *("demo", "--contacts", "160", "--days", "25", "--seed", "3"),
            *("--start", "2026-09-07", "--out", str(out), "--serve", "--port", "0"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        _read_until_keys(process, lines)
        text = "".join(lines)
        found = re.search(r"Console: (http://127\.0\.0\.1:\d+/console/)", text)
        assert found, text
        keys = dict(re.findall(r"^  (coordinator|staff|evaluator) +(rbk_\S+)", text, re.M))
        yield Demo(url=found.group(1), keys=keys, output=lines, out=out)
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        assert process.stdout is not None
        lines.extend(process.stdout.readlines())
    assert code == 0, "".join(lines)
    assert lines[-1] == "Stopped.\n"


@contextmanager
def _signed_in(demo: Demo, who: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo.url.removesuffix("/console/"), timeout=30) as client:
        form = client.get("/console/sign-in")
        response = client.post(
            "/console/sign-in",
            data={"csrf": csrf_of(form.text), "key": demo.keys[who], "next": ""},
        )
        assert response.status_code == 303, response.text
        yield client


def test_it_prints_the_address_and_a_key_of_each_role(demo: Demo) -> None:
    assert set(demo.keys) == {"coordinator", "staff", "evaluator"}
    assert "(Mette Sundhedskonsulent)" in "".join(demo.output)
    assert (demo.out / "demo.db").exists() and (demo.out / "report.html").exists()


def test_each_role_sees_the_demos_data(demo: Demo) -> None:
    with _signed_in(demo, "coordinator") as client:
        campaigns = client.get("/console/campaigns").text
        assert "Sundhedstjek for FOA-medlemmer i Roskilde" in campaigns
        assert client.get("/console/bookings?from=all").text.count("/console/bookings/") > 5
    with _signed_in(demo, "staff") as client:
        assert "Mette Sundhedskonsulent" in client.get("/console/bookings?from=all").text
        assert client.get("/console/campaigns").status_code == 403
    with _signed_in(demo, "evaluator") as client:
        funnel = client.get("/console/funnel").text
        booked = re.search(r"Har booket en sundhedssamtale</th><td class=\"num\">(\d+)<", funnel)
        assert booked and int(booked.group(1)) >= 5
        tables = client.get("/console/tables.csv")
        assert tables.headers["content-disposition"] == 'attachment; filename="tables_265.csv"'
        assert tables.text.startswith("municipality_code,municipality,table,row,column,value")


def test_the_funnel_on_the_demos_data_in_a_browser(demo: Demo) -> None:
    with chromium() as browser:
        page: Any = new_page(browser)
        base = demo.url.removesuffix("/console/")
        sign_in(page, base, demo.keys["evaluator"])
        assert page.locator("svg.bars").count() == 2
        assert page.get_by_role("heading", name="Rekruttering").is_visible()
        screenshot(page, "demo-funnel")
        page.get_by_role("link", name="Evaluering").click()
        screenshot(page, "demo-tables")
