"""API keys: who may call what, and `recruitbot keys` to create, list and revoke them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from api.deps import AnyRoleDep
from api.errors import install_error_handlers
from api.routing import secured_router
from core.principal import Role
from core.settings import get_settings
from recruitbot.cli import app as cli
from recruitbot.runtime import Runtime
from store.keys import authenticate
from store.models import ApiKey, StaffMember
from tests.api.support import bearer, make_key, running_app
from tests.factories import make_world

FUNNEL = "/api/v1/reports/funnel"


@pytest.fixture
def served(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[Runtime, TestClient]]:
    """The app on SQLite: checking a key does not depend on the database."""
    path = tmp_path / "keys.db"
    shutil.copyfile(sqlite_template, path)
    with running_app(f"sqlite:///{path}") as pair:
        yield pair


class TestAuthentication:
    def test_missing_key_is_401_json(self, served: tuple[Runtime, TestClient]) -> None:
        _, client = served
        response = client.get(FUNNEL)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "not_authenticated"
        assert "Authorization: Bearer" in response.json()["error"]["message"]

    @pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "rbk_nothing", ""])
    def test_malformed_header_is_401(self, served: tuple[Runtime, TestClient], header: str) -> None:
        _, client = served
        response = client.get(FUNNEL, headers={"Authorization": header})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_unknown_key_is_401(self, served: tuple[Runtime, TestClient]) -> None:
        _, client = served
        response = client.get(FUNNEL, headers=bearer("rbk_" + "x" * 43))
        assert response.status_code == 401
        assert "unknown or revoked" in response.json()["error"]["message"]

    def test_revoked_key_is_401(self, served: tuple[Runtime, TestClient]) -> None:
        runtime, client = served
        key = make_key(runtime.engine, role=Role.EVALUATOR, revoked=True)
        response = client.get(FUNNEL, headers=bearer(key))
        assert response.status_code == 401

    @pytest.mark.parametrize("role", [Role.EVALUATOR, Role.COORDINATOR])
    def test_evaluator_and_coordinator_read_reports(
        self, served: tuple[Runtime, TestClient], role: Role
    ) -> None:
        runtime, client = served
        response = client.get(FUNNEL, headers=bearer(make_key(runtime.engine, role=role)))
        assert response.status_code == 200

    def test_wrong_role_is_403(self, served: tuple[Runtime, TestClient]) -> None:
        runtime, client = served
        key = make_key(runtime.engine, role=Role.STAFF)
        response = client.get(FUNNEL, headers=bearer(key))
        assert response.status_code == 403
        assert response.json()["error"] == {
            "code": "forbidden",
            "message": "this needs a key with the role evaluator, coordinator",
        }

    def test_foreign_municipality_is_404(self, served: tuple[Runtime, TestClient]) -> None:
        runtime, client = served
        key = make_key(runtime.engine, role=Role.EVALUATOR, municipality="Roskilde")
        response = client.get(FUNNEL, params={"municipality": "Lejre"}, headers=bearer(key))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        own = client.get(FUNNEL, params={"municipality": "265"}, headers=bearer(key))
        assert own.status_code == 200

    def test_evaluator_key_only_reads(self, served: tuple[Runtime, TestClient]) -> None:
        runtime, _ = served
        router = secured_router(prefix="/probe", tags=["probe"])

        @router.post("/write")
        def write(principal: AnyRoleDep) -> dict[str, str]:
            return {"role": principal.role.value}

        app = FastAPI()
        app.state.runtime = runtime
        install_error_handlers(app)
        app.include_router(router)
        client = TestClient(app)
        evaluator = make_key(runtime.engine, role=Role.EVALUATOR)
        coordinator = make_key(runtime.engine, role=Role.COORDINATOR)
        assert client.post("/api/v1/probe/write", headers=bearer(coordinator)).status_code == 200
        refused = client.post("/api/v1/probe/write", headers=bearer(evaluator))
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "an evaluator key is read-only"


runner = CliRunner()


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the CLI at the test's database."""
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


class TestKeysCommand:
    def test_create_shows_the_key_once_and_stores_its_hash(
        self, cli_database: str, session: Session
    ) -> None:
        result = runner.invoke(cli, ["keys", "create", "--role", "evaluator", "--name", "DEFACTUM"])
        assert result.exit_code == 0, result.output
        plain = result.output.strip().splitlines()[-1]
        assert plain.startswith("rbk_")
        stored = session.scalars(select(ApiKey)).one()
        assert plain not in {stored.key_hash, stored.prefix, stored.name}
        assert plain.startswith(stored.prefix)
        principal = authenticate(session=session, plain=plain)
        assert principal is not None
        assert (principal.role, principal.municipality_id) == (Role.EVALUATOR, None)

    def test_create_for_a_municipality(self, cli_database: str, session: Session) -> None:
        result = runner.invoke(
            cli, ["keys", "create", "--role", "coordinator", "--municipality", "roskilde"]
        )
        assert result.exit_code == 0, result.output
        principal = authenticate(session=session, plain=result.output.strip().splitlines()[-1])
        assert principal is not None and principal.municipality_id is not None

    def test_a_staff_key_belongs_to_a_staff_member(
        self, cli_database: str, session: Session
    ) -> None:
        refused = runner.invoke(cli, ["keys", "create", "--role", "staff"])
        assert refused.exit_code == 2
        assert "belongs to one staff member" in " ".join(refused.output.split())
        assert session.scalars(select(ApiKey)).all() == []
        make_world(session)
        session.commit()
        made = runner.invoke(cli, ["keys", "create", "--role", "staff", "--staff", "mette"])
        assert made.exit_code == 0, made.output
        principal = authenticate(session=session, plain=made.output.strip().splitlines()[-1])
        assert principal is not None and principal.role is Role.STAFF
        member = session.scalars(select(StaffMember)).one()
        assert member.api_key_id == principal.key_id, "the key sees Mette's own bookings"

    def test_unknown_municipality_or_role_is_refused(self, cli_database: str) -> None:
        result = runner.invoke(
            cli, ["keys", "create", "--role", "coordinator", "--municipality", "Oz"]
        )
        assert result.exit_code == 2
        assert "Unknown municipality" in result.output
        assert runner.invoke(cli, ["keys", "create", "--role", "admin"]).exit_code == 2

    def test_list_never_shows_a_key(self, cli_database: str) -> None:
        created = runner.invoke(cli, ["keys", "create", "--role", "coordinator"])
        plain = created.output.strip().splitlines()[-1]
        listed = runner.invoke(cli, ["keys", "list"])
        assert listed.exit_code == 0, listed.output
        assert plain[:8] in listed.output  # the prefix, to tell keys apart
        assert plain not in listed.output
        assert "coordinator" in listed.output

    def test_revoke(self, cli_database: str, session: Session) -> None:
        created = runner.invoke(cli, ["keys", "create", "--role", "coordinator"])
        plain = created.output.strip().splitlines()[-1]
        key_id = session.scalars(select(ApiKey.id)).one()
        session.rollback()  # end the read: SQLite's writer would wait for it
        result = runner.invoke(cli, ["keys", "revoke", str(key_id)])
        assert result.exit_code == 0, result.output
        assert authenticate(session=session, plain=plain) is None
        session.rollback()
        again = runner.invoke(cli, ["keys", "revoke", str(key_id)])
        assert again.exit_code == 1
        assert "No active key" in again.output
