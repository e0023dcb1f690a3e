"""A fresh, migrated database per measurement, on SQLite or PostgreSQL."""

from __future__ import annotations

import atexit
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, text
from sqlalchemy.engine import make_url

from store.db import make_engine
from store.migrate import upgrade

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CHUNK = 20_000


def postgres_admin_url() -> str | None:
    """Return a PostgreSQL server's URL to create databases on, or None if none answers."""
    url = os.environ.get("RECRUITBOT_BENCH_POSTGRES_URL") or os.environ.get(
        "RECRUITBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES
    )
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return None
    finally:
        engine.dispose()
    return url


@contextmanager
def fresh_database(backend: str, *, workdir: Path) -> Iterator[str]:
    """Yield the URL of an empty, migrated database; drop it afterwards.

    The migrations run once per backend and run: each database is a copy of that template.
    """
    name = f"recruitbot_bench_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        path = workdir / (name + ".db")
        shutil.copyfile(_sqlite_template(workdir), path)
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm", ".sender.lock"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        raise RuntimeError("no PostgreSQL reachable")
    template = _postgres_template(admin_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _database_url(admin_url, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_template(workdir: Path) -> Path:
    path = workdir / "template.db"
    if not path.exists():
        _migrate(f"sqlite:///{path}")  # disposing the engine checkpoints the WAL into the file
    return path


def _postgres_template(admin_url: str) -> str:
    if admin_url not in _TEMPLATES:
        name = f"recruitbot_bench_template_{uuid.uuid4().hex[:10]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _migrate(_database_url(admin_url, name))
        _TEMPLATES[admin_url] = name
        atexit.register(_drop, admin_url, name)
    return _TEMPLATES[admin_url]


def _drop(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


_TEMPLATES: dict[str, str] = {}


def _migrate(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def bulk_insert(
    engine: Engine, table: Table, rows: Iterable[Sequence[Any]], columns: Sequence[str]
) -> int:
    """Load fixture rows fast: COPY on PostgreSQL, a Core executemany on SQLite."""
    if engine.dialect.name == "postgresql":
        return _copy(engine, table, rows, columns)
    count = 0
    batch: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == CHUNK:
                connection.execute(table.insert(), batch)
                count += len(batch)
                batch = []
        if batch:
            connection.execute(table.insert(), batch)
            count += len(batch)
    return count


def _copy(
    engine: Engine, table: Table, rows: Iterable[Sequence[Any]], columns: Sequence[str]
) -> int:
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        raw.commit()
        if "id" in columns:  # explicit ids: move the sequence past them, as inserts would
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'(SELECT max(id) FROM "{table.name}"))'
            )
        # The planner needs fresh statistics after a bulk load, as autovacuum would give it.
        cursor.execute(f'ANALYZE "{table.name}"')
        raw.commit()
    finally:
        raw.close()
    return count


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics after fixtures are in (SQLite and PostgreSQL)."""
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
