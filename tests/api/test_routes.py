"""Rules every endpoint of the admin API keeps, checked over the whole app.

A new endpoint that forgets its key check, its documentation or strict input fails here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi
import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.deps import get_principal
from api.routing import API_PREFIX
from core.principal import Role
from recruitbot.runtime import Runtime
from tests.api.support import bearer, make_key, running_app

ERROR_SCHEMA = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def served(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Runtime, TestClient]]:
    """The app on a copy of the migrated template, shared by this module's tests."""
    path = tmp_path_factory.mktemp("routes") / "routes.db"
    shutil.copyfile(sqlite_template, path)
    with running_app(f"sqlite:///{path}") as pair:
        yield pair


@pytest.fixture(scope="module")
def app(served: tuple[Runtime, TestClient]) -> FastAPI:
    app = served[1].app
    assert isinstance(app, FastAPI)
    return app


def _api_routes(app: FastAPI) -> list[Any]:
    """Return every route under /api/v1, the included routers' routes among them."""
    # FastAPI 0.16x keeps an included router as one entry of `app.routes`; its own iterator
    # yields the effective routes, with the router's prefix and dependencies applied.
    expand = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(expand(app.routes)) if expand else list(app.routes)
    found = [
        route
        for route in routes
        if isinstance(route.original_route if expand else route, APIRoute)
        and str(route.path).startswith(API_PREFIX)
    ]
    assert found, "the admin API has no endpoints"
    return found


def _calls(dependant: Dependant) -> Iterator[object]:
    """Yield every callable a route depends on, however deep."""
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _operations(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in app.openapi()["paths"].items():
        if path.startswith(API_PREFIX):
            for method, operation in item.items():
                yield path, method, operation


class TestEveryEndpoint:
    def test_needs_a_key(self, app: FastAPI) -> None:
        unguarded = [
            route.path
            for route in _api_routes(app)
            if get_principal not in set(_calls(route.dependant))
        ]
        assert unguarded == []

    def test_an_endpoint_without_a_key_would_be_caught(self) -> None:
        careless = FastAPI()
        router = fastapi.APIRouter(prefix=f"{API_PREFIX}/careless")

        @router.get("/open")
        def open_to_all() -> dict[str, str]:
            return {}

        careless.include_router(router)
        (route,) = _api_routes(careless)
        assert get_principal not in set(_calls(route.dependant))

    def test_is_documented(self, app: FastAPI) -> None:
        for path, method, operation in _operations(app):
            where = f"{method.upper()} {path}"
            assert operation.get("tags"), where
            assert operation.get("summary"), where
            assert operation.get("description"), where
            assert operation.get("security"), where
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, where
            assert all(operation["responses"][code].get("content") for code in success), where
            for code in ("401", "403", "404", "422"):
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_SCHEMA}, f"{where} {code}"

    def test_rejects_unknown_fields(self, app: FastAPI) -> None:
        for route in _api_routes(app):
            if route.body_field is None:
                continue
            model = route.body_field.field_info.annotation
            assert isinstance(model, type) and issubclass(model, BaseModel), route.path
            assert model.model_config.get("extra") == "forbid", route.path


class TestErrorsAreJson:
    def test_unknown_path(self, served: tuple[Runtime, TestClient]) -> None:
        response = served[1].get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "http_error"

    def test_wrong_method(self, served: tuple[Runtime, TestClient]) -> None:
        response = served[1].delete("/api/v1/reports/funnel")
        assert response.status_code == 405
        assert response.json()["error"]["message"] == "Method Not Allowed"

    def test_invalid_parameter_names_the_field(self, served: tuple[Runtime, TestClient]) -> None:
        runtime, client = served
        key = make_key(runtime.engine, role=Role.EVALUATOR)
        response = client.get(
            "/api/v1/reports/funnel", params={"campaign": "x"}, headers=bearer(key)
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert error["details"][0]["field"] == "query.campaign"
