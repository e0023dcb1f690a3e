"""The API's description at /docs works without the internet: Swagger UI's files come from here.

A real headless Chromium opens /docs with every request to a host other than this machine
refused; the page must still draw the operations, and must not even try to reach outside.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from core.clock import SimulatedClock
from core.settings import Settings
from recruitbot.app import DOCS_ASSETS, create_app
from recruitbot.runtime import Runtime, build_runtime
from tests.console.browser import chromium, new_page, screenshot, serving
from tests.factories import MONDAY

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture
def runtime(sqlite_template: Path, tmp_path: Path) -> Iterator[Runtime]:
    path = tmp_path / "docs.db"
    shutil.copyfile(sqlite_template, path)
    built = build_runtime(
        Settings(database_url=f"sqlite:///{path}"), clock=SimulatedClock(MONDAY), migrate=False
    )
    yield built
    built.engine.dispose()


def test_the_page_points_only_at_local_files(runtime: Runtime) -> None:
    client = TestClient(create_app(runtime))
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert f'src="{DOCS_ASSETS}/swagger-ui-bundle.js"' in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert client.get(f"{DOCS_ASSETS}/{asset}").status_code == 200
    assert client.get("/redoc").status_code == 404  # off: Swagger UI alone describes the API


def test_behind_a_path_prefix_the_page_asks_under_it(runtime: Runtime) -> None:
    client = TestClient(create_app(runtime), root_path="/recruitbot")
    text = client.get("/docs").text
    assert f'src="/recruitbot{DOCS_ASSETS}/swagger-ui-bundle.js"' in text
    assert "url: '/recruitbot/openapi.json'" in text


def test_swagger_ui_draws_the_operations_with_the_internet_cut_off(runtime: Runtime) -> None:
    refused: list[str] = []

    def only_local(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS or route.request.url.startswith("data:"):
            route.continue_()
            return
        refused.append(route.request.url)
        route.abort("internetdisconnected")

    with chromium() as browser, serving(create_app(runtime)) as base:
        page: Any = new_page(browser)
        page.route("**/*", only_local)
        page.goto(f"{base}/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        title = page.locator(".information-container .title").inner_text()
        operations = page.locator(".opblock").count()
        screenshot(page, "api-docs-offline")
        page.context.close()

    assert title.startswith("recruitbot")
    assert operations > 20  # the admin API's operations, each drawn as a block
    assert refused == []  # it did not even try to fetch anything from outside
