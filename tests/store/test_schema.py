"""The schema as the migrations build it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.migrate import upgrade
from store.models import Contact, Municipality


class TestMigrations:
    def test_all_tables_exist(self, engine: Engine) -> None:
        tables = set(inspect(engine).get_table_names())
        assert {
            "partner",
            "contact",
            "campaign",
            "message",
            "conversation",
            "slot",
            "booking",
            "follow_up",
            "monitoring_record",
            "opt_out",
            "audit_event",
            "invitation",
            "reminder",
        } <= tables

    def test_upgrade_twice_is_a_no_op(self, engine: Engine) -> None:
        upgrade(engine)
        assert "contact" in inspect(engine).get_table_names()


class TestUTCDateTime:
    def test_round_trips_as_aware_utc(self, session: Session) -> None:
        cph = timezone(timedelta(hours=1))
        made = datetime(2026, 12, 1, 10, 0, tzinfo=cph)
        session.add(Municipality(code="265", name="Roskilde"))
        contact = Contact(public_id="c1", phone="+4520123456", created_at=made, updated_at=made)
        session.add(contact)
        session.commit()
        session.expunge_all()
        loaded = session.exec(select(Contact)).one()
        assert loaded.created_at == made
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset() == timedelta(0)

    def test_naive_datetime_is_refused(self, session: Session) -> None:
        session.add(
            Contact(
                public_id="c1",
                phone="+4520123456",
                created_at=datetime(2026, 1, 1),
                updated_at=datetime.now(UTC),
            )
        )
        with pytest.raises(Exception, match="naive"):
            session.commit()

    def test_phone_is_unique(self, session: Session) -> None:
        now = datetime.now(UTC)
        session.add(Contact(public_id="c1", phone="+4520123456", created_at=now, updated_at=now))
        session.add(Contact(public_id="c2", phone="+4520123456", created_at=now, updated_at=now))
        with pytest.raises(IntegrityError):
            session.commit()


class TestModelsMatchMigrations:
    def test_no_drift(self, engine: Engine) -> None:
        """Every table and column the models declare is built by the migrations, and no more."""
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext
        from sqlmodel import SQLModel

        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        assert diff == []
