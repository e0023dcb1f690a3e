"""On PostgreSQL, no hot-path query walks the whole message or contact table.

The store is filled with tens of thousands of rows and ANALYZEd; then every query a tick, a
webhook or a report runs is captured as the real code sends it (a cursor event), and its plan
(`EXPLAIN (FORMAT JSON)`, not executed) must hold no Seq Scan on `message` or `contact`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from bench.databases import analyze, bulk_insert
from bench.fixtures import (
    NOW,
    REMINDER_TEXT,
    BenchWorld,
    add_contacts,
    add_invited_conversations,
    mark_campaign_running,
    phone,
    small_world,
    table,
)
from conversation import invitations
from delivery import optout
from delivery.sender import LEASE
from monitoring.filters import ReportFilter
from monitoring.reports import funnel_report, tables_report
from outreach.pacing import PacingPolicy, measure
from store import conversations, due, outbox
from store.models import Campaign, FollowUp, Invitation, Reminder
from tests.conftest import BACKENDS
from tests.factories import WINDOW

POSTGRES = [b for b in BACKENDS if not isinstance(b, str)]  # the PostgreSQL case, or skip
CONTACTS = 30_000
BIG_TABLES = {"message", "contact"}
Captured = list[tuple[str, Any]]


@pytest.fixture(scope="module")
def filled(postgres_url: str) -> Iterator[tuple[Engine, BenchWorld]]:
    """A store the size of a municipality's year, with statistics."""
    from store.db import make_engine
    from tests.conftest import truncate_all

    truncate_all(postgres_url)
    engine = make_engine(postgres_url)
    world = small_world(engine)
    mark_campaign_running(engine, world=world)
    add_contacts(engine, count=CONTACTS, world=world)
    add_invited_conversations(engine, count=CONTACTS, world=world, channel="console")
    _history(engine, world=world)
    analyze(engine)
    yield engine, world
    engine.dispose()
    truncate_all(postgres_url)


def _history(engine: Engine, *, world: BenchWorld) -> None:
    """Messages, invitations, reminders and opt-outs as months of sending leave them."""
    sent = NOW - timedelta(days=30)
    columns = (
        "contact_id", "conversation_id", "direction", "channel", "address", "kind", "trigger",
        "text", "status", "provider_id", "attempts", "created_at", "next_attempt_at", "sent_at",
    )  # fmt: skip

    def messages() -> Iterator[tuple[object, ...]]:
        for i in range(1, CONTACTS + 1):
            yield (i, i, "out", "twilio", phone(i), "invitation", "scheduled", REMINDER_TEXT,
                   "delivered", f"SM{i:032x}", 1, sent, sent, sent)  # fmt: skip
            if i % 3 == 0:
                yield (i, i, "in", "twilio", phone(i), "reply", "reply", "Ja tak", "received",
                       f"SMin{i:030x}", 0, sent, None, None)  # fmt: skip
            if i % 100 == 0:
                yield (i, i, "out", "twilio", phone(i), "reply", "reply", "Tak", "queued",
                       None, 0, NOW, NOW, None)  # fmt: skip

    bulk_insert(engine, table("message"), messages(), columns)
    bulk_insert(
        engine,
        table("invitation"),
        ((world.campaign_id, i, i, "done", sent, sent, i) for i in range(1, CONTACTS + 1)),
        ("campaign_id", "contact_id", "position", "status", "due_at", "done_at", "conversation_id"),
    )
    bulk_insert(
        engine,
        table("reminder"),
        (
            ("invitation_reminder", i, sent + timedelta(days=4), "done" if i % 50 else "scheduled")
            for i in range(1, CONTACTS + 1)
        ),
        ("kind", "conversation_id", "due_at", "status"),
    )
    bulk_insert(
        engine,
        table("opt_out"),
        ((i, phone(i), "keyword", sent) for i in range(7, CONTACTS, 97)),
        ("contact_id", "address", "source", "created_at"),
    )


def captured(engine: Engine, work: Callable[[Session], object]) -> Captured:
    """Run `work` in a transaction that is rolled back; return the statements it sent."""
    statements: Captured = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    with Session(engine) as session:
        event.listen(engine, "before_cursor_execute", keep)
        try:
            work(session)
        finally:
            event.remove(engine, "before_cursor_execute", keep)
            session.rollback()
    return statements


def seq_scans(engine: Engine, statements: Captured) -> list[str]:
    """Explain each statement; name the big tables some plan reads by a Seq Scan."""
    found: list[str] = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE")):
                continue
            plan = connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            ).scalar_one()
            found += [
                f"Seq Scan on {node['Relation Name']} in: {statement[:300]}"
                for node in _nodes(plan[0]["Plan"])
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
            ]
        connection.rollback()
    return found


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _campaign(session: Session, world: BenchWorld) -> Campaign:
    return session.get_one(Campaign, world.campaign_id)


HOT_PATHS: dict[str, Callable[[Session, BenchWorld], object]] = {
    "outbox claim, window open": lambda s, _: outbox.claim_batch(
        session=s, now=NOW, window_open=True, limit=200, lease=LEASE
    ),
    "outbox claim, window closed": lambda s, _: outbox.claim_batch(
        session=s, now=NOW, window_open=False, limit=200, lease=LEASE
    ),
    "due reminders": lambda s, _: due.claim_due(session=s, model=Reminder, now=NOW, limit=200),
    "due follow-ups": lambda s, _: due.claim_due(session=s, model=FollowUp, now=NOW, limit=200),
    "due invitations": lambda s, _: invitations.claim_due(session=s, now=NOW, limit=200),
    "opt-out check": lambda s, _: optout.is_opted_out(session=s, contact_id=1234),
    "contact by phone": lambda s, _: conversations.contact_by_phone(session=s, phone=phone(1234)),
    "current conversation": lambda s, _: conversations.current_conversation(
        session=s, contact_id=1234
    ),
    "message by provider id": lambda s, _: outbox.by_provider_id(
        session=s, channel="twilio", provider_id=f"SM{1234:032x}"
    ),
    "pending messages withdrawn at opt-out": lambda s, _: outbox.cancel_pending_for_contact(
        session=s, contact_id=1234
    ),
    "one contact's messages": lambda s, _: outbox.for_contact(session=s, contact_id=1234),
    "cancel scheduled work at opt-out": lambda s, _: due.cancel_scheduled_for_contact(
        session=s, contact_id=1234
    ),
    "pacing": lambda s, w: measure(
        session=s, campaign=_campaign(s, w), now=NOW, window=WINDOW, policy=PacingPolicy()
    ),
    "funnel, one campaign": lambda s, w: funnel_report(
        session=s, report_filter=ReportFilter(campaign_id=w.campaign_id)
    ),
    "funnel, one municipality": lambda s, _: funnel_report(
        session=s, report_filter=ReportFilter(municipality_code="265")
    ),
    "evaluation tables": lambda s, _: tables_report(
        session=s, report_filter=ReportFilter(municipality_code="265"), goals={}
    ),
}


@pytest.mark.postgres
@pytest.mark.parametrize("backend", POSTGRES)
@pytest.mark.parametrize("path", sorted(HOT_PATHS))
def test_no_seq_scan_on_big_tables(
    backend: str, path: str, filled: tuple[Engine, BenchWorld]
) -> None:
    engine, world = filled
    statements = captured(engine, lambda session: HOT_PATHS[path](session, world))
    assert statements, "the hot path ran no query"
    assert seq_scans(engine, statements) == []


@pytest.mark.postgres
@pytest.mark.parametrize("backend", POSTGRES)
def test_the_store_is_big_enough_to_matter(backend: str, filled: tuple[Engine, BenchWorld]) -> None:
    engine, _ = filled
    with engine.connect() as connection:
        messages = connection.execute(text("SELECT count(*) FROM message")).scalar_one()
        contacts = connection.execute(text("SELECT count(*) FROM contact")).scalar_one()
    assert messages > 40_000 and contacts == CONTACTS
    assert Invitation.__tablename__ == "invitation"
