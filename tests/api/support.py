"""An app on the test's database, and keys to call it with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work
from store.keys import create_key, revoke
from store.municipalities import ensure_municipality, resolve_municipality

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@contextmanager
def running_app(database_url: str) -> Iterator[tuple[Runtime, TestClient]]:
    """Build the app on a migrated database; dispose of its engine afterwards."""
    runtime = build_runtime(Settings(database_url=database_url), migrate=False)
    try:
        yield runtime, TestClient(create_app(runtime), raise_server_exceptions=False)
    finally:
        runtime.engine.dispose()


def make_key(
    engine: Engine, *, role: Role, municipality: str | None = None, revoked: bool = False
) -> str:
    """Create a key (limited to a municipality, revoked) and return its plain text."""
    with unit_of_work(engine) as session:
        municipality_id = None
        if municipality is not None:
            ref = resolve_municipality(municipality)
            assert ref is not None
            municipality_id = ensure_municipality(session=session, ref=ref).id
        key, plain = create_key(
            session=session, role=role, municipality_id=municipality_id, name="test", now=NOW
        )
        if revoked:
            assert key.id is not None
            assert revoke(session=session, key_id=key.id, now=NOW)
    return plain


def bearer(key: str) -> dict[str, str]:
    """Return the header that carries a key."""
    return {"Authorization": f"Bearer {key}"}
