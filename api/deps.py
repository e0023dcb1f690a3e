"""FastAPI dependencies: the runtime, one unit of work per request, and the caller's key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from api.errors import ForbiddenError, NotAuthenticatedError
from api.keys import Principal, Role, authenticate
from api.ratelimit import ApiRateLimiter
from bot.service import Dialogue
from scheduler.clock import Clock
from scheduler.window import SendWindow


class Services(Protocol):
    """What endpoints may use of the composition root's runtime."""

    engine: Engine
    clock: Clock
    window: SendWindow
    dialogue: Dialogue


def get_services(request: Request) -> Services:
    """Return the runtime the app was built with."""
    services: Services = request.app.state.runtime
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """One unit of work per request: committed if the endpoint returns, rolled back if not."""
    with Session(services.engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_bearer = HTTPBearer(auto_error=False, description="An API key from `recruitbot keys create`.")


def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Identify the caller by the bearer key, within the rate limits; an evaluator only reads."""
    limiter: ApiRateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    address = request.client.host if request.client else "unknown"
    if limiter is not None:
        limiter.check_address(address)
    if credentials is None or credentials.scheme.lower() != "bearer":
        if limiter is not None:
            limiter.keyless(address)
        raise NotAuthenticatedError("an API key is needed: Authorization: Bearer <key>")
    principal = authenticate(session=session, plain=credentials.credentials)
    if principal is None:
        if limiter is not None:
            limiter.keyless(address)
        raise NotAuthenticatedError("the API key is unknown or revoked")
    if limiter is not None:
        limiter.take_for_key(principal.key_id)
    if principal.role is Role.EVALUATOR and request.method not in READ_METHODS:
        raise ForbiddenError("an evaluator key is read-only")
    return principal


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """Return a dependency that lets only keys of these roles through."""

    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise ForbiddenError(f"this needs a key with the role {allowed}")
        return principal

    return check


# Who may do what; the console's pages check the same sets.
COORDINATOR_ROLES = (Role.COORDINATOR,)
STAFF_ROLES = (Role.STAFF, Role.COORDINATOR)
EVALUATOR_ROLES = (Role.EVALUATOR, Role.COORDINATOR)

CoordinatorDep = Annotated[Principal, Depends(require(*COORDINATOR_ROLES))]
StaffDep = Annotated[Principal, Depends(require(*STAFF_ROLES))]
EvaluatorDep = Annotated[Principal, Depends(require(*EVALUATOR_ROLES))]
AnyRoleDep = Annotated[Principal, Depends(get_principal)]
