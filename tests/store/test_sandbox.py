"""The sandbox is a full copy of the store, in memory; what is written there stays there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, func, select
from sqlmodel import Session

from store.db import unit_of_work
from store.models import Contact
from store.sandbox import SandboxError, sandbox_engine
from tests.factories import MONDAY, make_world
from tests.store.snapshot import snapshot


def counts(engine: Engine) -> dict[str, int]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_the_copy_holds_the_store_and_writes_stay_in_it(engine: Engine, database_url: str) -> None:
    with Session(engine) as session:
        make_world(session)
        session.commit()
    before = snapshot(database_url)
    with sandbox_engine(database_url) as copy:
        assert counts(copy) == {name: rows for name, (rows, _) in before.items()}
        with unit_of_work(copy) as session:
            contact = Contact(
                public_id="x1", phone="+4520000001", created_at=MONDAY, updated_at=MONDAY
            )
            session.add(contact)
        assert counts(copy)["contact"] == before["contact"][0] + 1
    assert snapshot(database_url) == before


def test_a_missing_file_is_a_clear_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"
    with pytest.raises(SandboxError, match="no store at"), sandbox_engine(f"sqlite:///{path}"):
        pass
    assert not path.exists()


def test_another_kind_of_store_is_refused() -> None:
    with (
        pytest.raises(SandboxError, match="cannot copy a mysql store"),
        sandbox_engine("mysql://x/db"),
    ):
        pass
