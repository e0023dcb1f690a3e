"""Signing in with an API key, signing out, and the console's front door."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import FormData

from api.deps import ServicesDep
from api.ratelimit import SignInThrottle
from console import sessions
from console.auth import COOKIE, CSRF_FIELD, DbDep, check_csrf
from console.routing import console_router, see_other, sign_in_url
from console.sessions import ConsoleUser
from console.templating import PREFIX, home_of, page

router = console_router()

# Before anyone is signed in, the sign-in form is protected by a double-submit token.
SIGN_IN_COOKIE = "recruitbot_console_sign_in"
NextParam = Annotated[str | None, Query(alias="next", max_length=500)]
UNKNOWN_KEY = "Nøglen kendes ikke eller er trukket tilbage. Tjek, at du har kopieret hele nøglen."
# Too many wrong keys from this address, or for this key: "Too many tries. Wait … seconds."
TOO_MANY = "For mange forsøg med en forkert nøgle. Vent {wait} sekunder, og prøv igen."
KEY_PREFIX_LENGTH = 12  # a key's stored prefix (store.keys): the target a guess aims at


def safe_next(value: object) -> str | None:
    """Return a place inside the console to go on to, or None: never another site."""
    if not isinstance(value, str) or not value.startswith(f"{PREFIX}/"):
        return None
    if "//" in value or "\\" in value or any(ord(char) < 32 for char in value):
        return None
    return value


def _secure(request: Request) -> bool:
    return bool(request.app.state.runtime.settings.environment == "production")


def _user(request: Request, session: DbDep, services: ServicesDep) -> ConsoleUser | None:
    token = request.cookies.get(COOKIE, "")
    user = sessions.signed_in(session=session, token=token, now=services.clock.now())
    request.state.console_user = user
    return user


def _sign_in_page(
    request: Request, *, next_path: str | None, error: str = "", status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "sign_in.html",
        status_code=status_code,
        token=token,
        next_path=next_path or "",
        error=error,
        signed_out=request.query_params.get("signed_out") == "1",
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=3600,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.get("/")
def front_door(request: Request, session: DbDep, services: ServicesDep) -> Response:
    """Send a signed-in user to their first page, anyone else to sign in."""
    user = _user(request, session, services)
    return see_other(home_of(user) if user else sign_in_url())


@router.get("/sign-in")
def sign_in_form(
    request: Request, session: DbDep, services: ServicesDep, next_path: NextParam = None
) -> Response:
    """Show the sign-in form; a signed-in user goes straight on."""
    user = _user(request, session, services)
    if user is not None:
        return see_other(safe_next(next_path) or home_of(user))
    return _sign_in_page(request, next_path=safe_next(next_path))


async def read_form(request: Request) -> FormData:
    """Read a posted form (the sign-in and sign-out forms check their own tokens)."""
    return await request.form()


RawFormDep = Annotated[FormData, Depends(read_form)]


@router.post("/sign-in")
def sign_in(request: Request, form: RawFormDep, session: DbDep, services: ServicesDep) -> Response:
    """Check the key and start a session; an unknown or revoked key is told so."""
    next_path = safe_next(form.get("next"))
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        message = "Siden var for gammel. Prøv igen."
        return _sign_in_page(request, next_path=next_path, error=message, status_code=403)
    key = form.get("key")
    plain = key.strip() if isinstance(key, str) else ""
    throttle: SignInThrottle | None = getattr(request.app.state, "sign_in_throttle", None)
    address = request.client.host if request.client else "unknown"
    target = plain[:KEY_PREFIX_LENGTH]
    wait = throttle.wait(address=address, target=target) if throttle else None
    if wait is not None:
        response = _sign_in_page(
            request, next_path=next_path, error=TOO_MANY.format(wait=wait), status_code=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    started = sessions.sign_in(session=session, key=plain, now=services.clock.now())
    if started is None:
        if throttle is not None:
            throttle.failed(address=address, target=target)
        return _sign_in_page(request, next_path=next_path, error=UNKNOWN_KEY, status_code=401)
    user, token = started
    response = see_other(next_path or home_of(user))
    response.delete_cookie(SIGN_IN_COOKIE, path=PREFIX)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, form: RawFormDep, session: DbDep, services: ServicesDep) -> Response:
    """End the session; the form must carry the session's CSRF token."""
    token = request.cookies.get(COOKIE, "")
    user = sessions.signed_in(session=session, token=token, now=services.clock.now())
    if user is not None:
        check_csrf(form, user.csrf)
        sessions.sign_out(session=session, token=token, now=services.clock.now())
    response = see_other(f"{PREFIX}/sign-in?signed_out=1")
    response.delete_cookie(COOKIE, path=PREFIX)
    return response
