"""The console on both databases, for route-level tests.

The world is built once per backend and copied for each test: a file copy on SQLite, a
`CREATE DATABASE … TEMPLATE` on PostgreSQL. Each test gets its own database, as elsewhere.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from store.db import make_engine
from store.migrate import upgrade
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL
from tests.console.browser import chromium, serving
from tests.console.support import Console, console_on
from tests.console.world import ConsoleWorld, build


@pytest.fixture(scope="session")
def sqlite_world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ConsoleWorld]:
    """Build the console world once in a SQLite file."""
    path = tmp_path_factory.mktemp("console") / "world.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    world = build(engine)
    engine.dispose()
    return path, world


def _url(name: str) -> str:
    assert POSTGRES_ADMIN_URL is not None
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_world() -> Iterator[tuple[str, ConsoleWorld]]:
    """Build the console world once in a PostgreSQL database used as a template."""
    name = f"recruitbot_console_{uuid.uuid4().hex[:10]}"
    admin = create_engine(str(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_url(name))
    upgrade(engine)
    world = build(engine)
    engine.dispose()
    with admin.connect() as conn:
        # No session may be connected to a template while it is copied; autovacuum would.
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
    yield name, world
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def console(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Console]:
    """The app on a fresh copy of the console world, nobody signed in yet."""
    if request.param == "sqlite":
        source, world = request.getfixturevalue("sqlite_world")
        path = tmp_path / "console.db"
        shutil.copyfile(source, path)
        with console_on(f"sqlite:///{path}", world=world) as console:
            yield console
        return
    template, world = request.getfixturevalue("postgres_world")
    name = f"recruitbot_console_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(str(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    _copy(admin, template=template, name=name)
    try:
        with console_on(_url(name), world=world) as console:
            yield console
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _copy(admin: Engine, *, template: str, name: str) -> None:
    """Copy the template, waiting out a backend that is still leaving it."""
    for attempt in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            return
        except OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.25)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for this module's pages (skipped where the machine has none)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def live(
    sqlite_world: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Console, str]]:
    """The console world served by uvicorn on a free port (SQLite), shared by one module."""
    source, world = sqlite_world
    path = tmp_path_factory.mktemp("browser") / "console.db"
    shutil.copyfile(source, path)
    with (
        console_on(f"sqlite:///{path}", world=world) as console,
        serving(console.client.app) as base,  # type: ignore[arg-type]
    ):
        yield console, base
