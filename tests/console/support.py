"""Drive the console as a browser would, through FastAPI's TestClient: cookies, forms, tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from core.clock import SimulatedClock
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from tests.console.world import CONSOLE_NOW, ConsoleWorld, build

FormData = Mapping[str, str | Sequence[str]]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    """A client of the console on a world, signed in as one user at a time."""

    client: TestClient
    runtime: Runtime
    world: ConsoleWorld
    clock: SimulatedClock

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def sign_in(self, who: str) -> httpx.Response:
        """Sign in with one of the world's keys, through the sign-in form."""
        self.client.cookies.clear()
        return self.sign_in_with(self.world.keys[who])

    def sign_in_with(self, key: str, *, next_path: str = "") -> httpx.Response:
        form = self.client.get("/console/sign-in")
        token = csrf_of(form.text)
        return self.client.post(
            "/console/sign-in",
            data={"csrf": token, "key": key, "next": next_path},
            follow_redirects=False,
        )

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        response = self.client.get(path, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
        assert response.status_code < 500, response.text
        return response

    def post(self, path: str, data: FormData, *, page: str | None = None) -> httpx.Response:
        """Post a form with the CSRF token of `page` (the form's own page by default)."""
        token = csrf_of(self.get(page or "/console/campaigns/new").text)
        response = self.client.post(path, data={"csrf": token, **data}, follow_redirects=False)
        assert response.status_code < 500, response.text
        return response


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@contextmanager
def console_on(database_url: str, *, world: ConsoleWorld | None = None) -> Iterator[Console]:
    """Serve the app at CONSOLE_NOW on a database holding `world`, or build it there first."""
    clock = SimulatedClock(CONSOLE_NOW)
    runtime = build_runtime(Settings(database_url=database_url), clock=clock, migrate=False)
    try:
        world = world or build(runtime.engine)
        client = TestClient(create_app(runtime), raise_server_exceptions=False)
        yield Console(client=client, runtime=runtime, world=world, clock=clock)
    finally:
        runtime.engine.dispose()
