"""Who is signed in, what their role lets them open, and the CSRF check of every form.

The roles are the API's own (`api.deps.COORDINATOR_ROLES` and its siblings), so a page is open
to exactly the keys the matching endpoint accepts.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from api.deps import (
    COORDINATOR_ROLES,
    EVALUATOR_ROLES,
    STAFF_ROLES,
    ServicesDep,
    SessionDep,
)
from booking.access import Scope, scope_for
from console import sessions
from console.routing import ConsoleError, FormExpiredError, SignInRequiredError
from console.sessions import ConsoleUser
from core.errors import AppError
from core.principal import Role
from inbox import service

COOKIE = "recruitbot_console"
CSRF_FIELD = "csrf"


class NotAllowedError(ConsoleError):
    status_code = 403
    code = "forbidden"


def remembered_session(request: Request, session: SessionDep) -> Session:
    """The request's unit of work, remembered so that a failing page can roll it back."""
    request.state.console_db = session
    return session


DbDep = Annotated[Session, Depends(remembered_session)]


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query and request.method == "GET" else "")


def current_user(request: Request, session: DbDep, services: ServicesDep) -> ConsoleUser:
    """Return who is signed in; nobody sends the browser to the sign-in page."""
    token = request.cookies.get(COOKIE, "")
    user = sessions.signed_in(session=session, token=token, now=services.clock.now())
    if user is None:
        raise SignInRequiredError(_here(request))
    request.state.console_user = user
    request.state.inbox_open = _inbox_open(session, user)
    return user


def _inbox_open(session: Session, user: ConsoleUser) -> int | None:
    """Count the user's open inbox items for the menu; None for a role without an inbox."""
    if user.role not in STAFF_ROLES:
        return None
    try:
        scope = scope_for(session=session, principal=user.principal)
    except AppError:
        return None  # a staff key of no staff member: its pages say so
    return service.open_count(session=session, scope=scope)


UserDep = Annotated[ConsoleUser, Depends(current_user)]


def allowed(*roles: Role) -> Callable[[ConsoleUser], ConsoleUser]:
    """Return a dependency that lets only users of these roles open the page."""

    def check(user: UserDep) -> ConsoleUser:
        if user.role not in roles:
            raise NotAllowedError("Din nøgle giver ikke adgang til denne side.")
        return user

    return check


CoordinatorUser = Annotated[ConsoleUser, Depends(allowed(*COORDINATOR_ROLES))]
StaffUser = Annotated[ConsoleUser, Depends(allowed(*STAFF_ROLES))]
EvaluatorUser = Annotated[ConsoleUser, Depends(allowed(*EVALUATOR_ROLES))]


def staff_scope(user: StaffUser, session: DbDep) -> Scope:
    """Return what a coordinator or staff member sees of slots and bookings, as the API does."""
    return scope_for(session=session, principal=user.principal)


StaffScopeDep = Annotated[Scope, Depends(staff_scope)]


def check_csrf(form: FormData, expected: str) -> None:
    """Refuse a form without the token its page was given."""
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise FormExpiredError()


async def posted_form(request: Request, user: UserDep) -> FormData:
    """Read a form sent by a signed-in user and check its CSRF token; evaluators only read."""
    form = await request.form()
    check_csrf(form, user.csrf)
    if user.role is Role.EVALUATOR:
        raise NotAllowedError("En evaluatornøgle kan kun læse.")
    return form


FormDep = Annotated[FormData, Depends(posted_form)]
