"""Database fixtures: every store test runs on SQLite, and on PostgreSQL when one is reachable.

PostgreSQL comes from RECRUITBOT_TEST_POSTGRES_URL, else 127.0.0.1:5432 as user postgres. Each
test session gets its own freshly migrated database, emptied between tests; SQLite gets a copy of
a migrated template file per test. Tests may commit: isolation does not rely on rollback.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
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
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(url: str) -> None:
    """Empty every table of a PostgreSQL test database."""
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


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
