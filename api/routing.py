"""The admin API's routers: every one behind a key, with its errors documented."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, Depends

from api.deps import get_principal
from api.schemas import ERRORS

API_PREFIX = "/api/v1"


def secured_router(*, prefix: str, tags: list[str | Enum]) -> APIRouter:
    """Return a router under /api/v1 whose every endpoint needs a valid key.

    The router-level dependency makes the key check impossible to forget; the endpoint's own
    role dependency (`CoordinatorDep`, `StaffDep`, `EvaluatorDep`) reuses its result.
    """
    return APIRouter(
        prefix=API_PREFIX + prefix,
        tags=tags,
        dependencies=[Depends(get_principal)],
        responses=ERRORS,
    )
