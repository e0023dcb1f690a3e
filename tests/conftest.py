"""Database fixtures: every store test runs on SQLite, and on PostgreSQL when one is reachable.

PostgreSQL comes from RECRUITBOT_TEST_POSTGRES_URL, else 127.0.0.1:5432 as user postgres. Each
test session gets its own freshly migrated database; SQLite gets a copy of a migrated template
file per test.

Tests may commit: isolation does not rely on rollback. The code under test opens its own engines,
runs the app in a server thread and the worker in separate processes (races, kill -9), and all of
them commit; wrapping a test in one rolled-back transaction would change what is tested. Instead,
between PostgreSQL tests only the tables the test wrote are emptied, by DELETE with foreign-key
triggers off for that one cleanup transaction, and their sequences restarted: a few milliseconds,
where TRUNCATE of every table took about 300 ms a test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from store.db import make_engine
from store.migrate import upgrade

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def _no_default_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never let a test fall back to the developer's var/recruitbot.db."""
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")


def _postgres_admin_url() -> str | None:
    url = os.environ.get("RECRUITBOT_TEST_POSTGRES_URL", DEFAULT_PG)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception:
        return None
    return url


POSTGRES_ADMIN_URL = _postgres_admin_url()
if POSTGRES_ADMIN_URL is None and os.environ.get("RECRUITBOT_REQUIRE_POSTGRES"):
    raise RuntimeError("RECRUITBOT_REQUIRE_POSTGRES is set but no PostgreSQL is reachable")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            POSTGRES_ADMIN_URL is None, reason="no PostgreSQL reachable on this machine"
        ),
    ),
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Create and migrate a database for this test session; drop it afterwards."""
    assert POSTGRES_ADMIN_URL is not None
    name = f"recruitbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _forget_cleaner(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_TABLES = text(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)
_USED_SEQUENCES = text(
    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
)


@dataclass
class _Cleaner:
    """One PostgreSQL test database's engine and tables, read once a session."""

    engine: Engine
    tables: list[str]

    @classmethod
    def on(cls, url: str) -> _Cleaner:
        engine = make_engine(url)
        with engine.connect() as conn:
            tables = list(conn.execute(_TABLES).scalars())
        return cls(engine, tables)

    def empty(self) -> None:
        with self.engine.begin() as conn:
            written = " UNION ALL ".join(
                f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")"
                for table in self.tables
            )
            dirty = list(conn.execute(text(written)).scalars())
            # A rolled-back insert leaves no row but moves its sequence on: restart those too.
            used = list(conn.execute(_USED_SEQUENCES).scalars())
            if dirty:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in dirty:
                conn.execute(text(f'DELETE FROM "{table}"'))
            if used:
                restart = ", ".join(f"setval('\"{sequence}\"', 1, false)" for sequence in used)
                conn.execute(text(f"SELECT {restart}"))


_cleaners: dict[str, _Cleaner] = {}


def truncate_all(url: str) -> None:
    """Empty every table of a PostgreSQL test database that holds rows, restarting its ids."""
    if url not in _cleaners:
        _cleaners[url] = _Cleaner.on(url)
    _cleaners[url].empty()


def _forget_cleaner(url: str) -> None:
    cleaner = _cleaners.pop(url, None)
    if cleaner is not None:
        cleaner.engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test, as a URL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_url")
    truncate_all(url)
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test's database; the test decides whether to commit."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
