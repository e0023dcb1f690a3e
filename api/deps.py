"""FastAPI dependencies: the runtime, one unit of work per request, and the caller's key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from api.ratelimit import ApiRateLimiter
from bot.flow import Flow
from bot.types import Event
from core.calendar import SendWindow
from core.clock import Clock
from core.errors import ForbiddenError, NotAuthenticatedError
from core.principal import Principal, Role
from store.keys import authenticate
from store.models import Conversation


class DialoguePort(Protocol):
    """The dialogue as endpoints see it (`conversation.service.Dialogue` is the one there is)."""

    @property
    def window(self) -> SendWindow: ...

    @property
    def flow(self) -> Flow: ...

    @property
    def telegram_bot(self) -> str: ...

    def tell(
        self, *, session: Session, conversation: Conversation, event: Event, now: datetime
    ) -> None:
        """Let a conversation's dialogue answer a staff-side event."""
        ...


class Services(Protocol):
    """What endpoints may use of the composition root's runtime."""

    engine: Engine
    clock: Clock
    window: SendWindow

    @property
    def dialogue(self) -> DialoguePort: ...


async def get_services(request: Request) -> Services:
    """Return the runtime the app was built with (async: no worker thread for a lookup)."""
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
    """Identify the caller by the bearer key, within the rate limits; an evaluator only reads.

    A valid key draws only on its own bucket, whatever address it comes from: one office's
    bad keys never lock out its good ones. Requests without a valid key draw on their address's.
    """
    limiter: ApiRateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    address = request.client.host if request.client else "unknown"
    principal = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        principal = authenticate(session=session, plain=credentials.credentials)
    if principal is None:
        if limiter is not None:
            limiter.check_address(address)
            limiter.keyless(address)
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise NotAuthenticatedError("an API key is needed: Authorization: Bearer <key>")
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
