"""Generated requests over the whole admin API: no input gives a 500, every answer is documented.

Each operation is called with a valid coordinator key on a small, real store; the responses
must match the OpenAPI document: status codes, content types, headers and JSON bodies.
Examples are kept few so the suite stays quick; `ignored_auth` also calls each operation
without the key and expects a refusal.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import CheckFunction
from sqlmodel import Session

from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from tests.api.support import bearer, make_key
from tests.monitoring.rows import Rows, record

HOUR = timedelta(hours=1)


def _checks() -> list[CheckFunction]:
    from schemathesis import checks

    return [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
        checks.ignored_auth,
    ]


def _seed(runtime: Runtime) -> None:
    """A campaign with invitations, bookings and health checks, so reports have figures."""
    with Session(runtime.engine) as session:
        rows = Rows(session)
        campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        for n in range(8):
            conversation = rows.invite(campaign=campaign, replied_after=HOUR * (n + 1))
            rows.book(conversation=conversation, after=HOUR * 30, status="attended")
            record(session, campaign_id=campaign.id, partner_id=rows.foa.id, municipal="motion")
        session.commit()


# The schema is read from the app when the module is collected; the store behind the app is
# laid anew for each operation by `store` (a copy of the migrated template, seeded).
_DATABASE = Path(tempfile.gettempdir()) / f"recruitbot-schemathesis-{uuid.uuid4().hex}.db"
# Generated requests come by the thousand from one key and one address: limits out of the way
# (tests/reliability/test_rate_limits.py holds the API to them).
_UNLIMITED = 10**9
_RUNTIME = build_runtime(
    Settings(
        database_url=f"sqlite:///{_DATABASE}",
        api_rate_per_minute=_UNLIMITED,
        api_rate_unauthenticated_per_minute=_UNLIMITED,
    ),
    migrate=False,
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_RUNTIME))


@pytest.fixture
def coordinator_key(sqlite_template: Path) -> Iterator[str]:
    """Lay the store for one operation and return a coordinator's key on it."""
    shutil.copyfile(sqlite_template, _DATABASE)
    _seed(_RUNTIME)
    yield make_key(_RUNTIME.engine, role=Role.COORDINATOR)
    _RUNTIME.engine.dispose()
    for leftover in _DATABASE.parent.glob(_DATABASE.name + "*"):
        leftover.unlink()


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation(case: Case, coordinator_key: str) -> None:
    case.call_and_validate(headers=bearer(coordinator_key), checks=_checks())
